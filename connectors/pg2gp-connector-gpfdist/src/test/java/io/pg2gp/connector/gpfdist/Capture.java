package io.pg2gp.connector.gpfdist;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One recorded statement from {@code gpfdist-capture/}: what each segment sent on its connection
 * and what the real gpfdist answered, byte for byte. Also edits recorded requests the way a test
 * needs (new path and port, changed or removed headers) while keeping every other byte.
 */
final class Capture {

    final String folder;
    final List<byte[]> requests = new ArrayList<>();
    final List<GpfdistResponse> responses = new ArrayList<>();

    private Capture(String folder) {
        this.folder = folder;
    }

    static Capture load(String folder) {
        Capture c = new Capture(folder);
        for (int i = 1; ; i++) {
            byte[] request = resource(folder + "/conn" + i + ".request");
            if (request == null) {
                break;
            }
            c.requests.add(request);
            c.responses.add(GpfdistResponse.parse(resource(folder + "/conn" + i + ".response")));
        }
        if (c.requests.isEmpty()) {
            throw new IllegalArgumentException("no capture " + folder);
        }
        return c;
    }

    private static byte[] resource(String name) {
        try (InputStream in = Capture.class.getResourceAsStream("/gpfdist-capture/" + name)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The rows gpfdist served in this statement, recovered from the D frames of every answer. */
    List<String> servedRows() {
        List<String> rows = new ArrayList<>();
        responses.forEach(r -> rows.addAll(r.lines()));
        return rows;
    }

    /** A batch serving exactly {@link #servedRows()}. */
    ServedBatch batch(int blockSize) {
        ServedBatch.Builder b = ServedBatch.builder(blockSize);
        servedRows().forEach(row -> b.addRow(row.getBytes(StandardCharsets.ISO_8859_1)));
        return b.build();
    }

    /** The recorded head of a data answer (dataAnswer) or of the empty answer, or null. */
    String recordedHead(boolean dataAnswer) {
        for (GpfdistResponse r : responses) {
            if (dataAnswer ? r.isDataAnswer() : r.isEmptyAnswer()) {
                return r.headText();
            }
        }
        return null;
    }

    /** The X-GPFDIST-VERSION value the real gpfdist sent. */
    String recordedVersion() {
        Matcher m =
                Pattern.compile("X-GPFDIST-VERSION: ([^\r\n]*)\r\n")
                        .matcher(responses.get(0).headText());
        if (!m.find()) {
            throw new AssertionError("no version in " + folder);
        }
        return m.group(1);
    }

    /** Request {@code i} pointed at {@code path} on 127.0.0.1:{@code port}; other bytes kept. */
    byte[] request(int i, String path, int port) {
        return retarget(requests.get(i), path, port);
    }

    /** All requests pointed at {@code path} on {@code port}. */
    List<byte[]> requests(String path, int port) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            out.add(request(i, path, port));
        }
        return out;
    }

    static byte[] retarget(byte[] request, String path, int port) {
        String s = ascii(request);
        int lineEnd = s.indexOf("\r\n");
        String[] requestLine = s.substring(0, lineEnd).split(" ");
        s = requestLine[0] + " " + path + " " + requestLine[2] + s.substring(lineEnd);
        return withHeader(bytes(s), "Host", "127.0.0.1:" + port);
    }

    /** Replaces the value of header {@code name} (which must be present). */
    static byte[] withHeader(byte[] request, String name, String value) {
        String s = ascii(request);
        String replaced =
                s.replaceFirst(
                        "\r\n" + Pattern.quote(name) + ": [^\r\n]*\r\n",
                        Matcher.quoteReplacement("\r\n" + name + ": " + value + "\r\n"));
        if (replaced.equals(s) && !s.contains("\r\n" + name + ": " + value + "\r\n")) {
            throw new IllegalArgumentException("no header " + name);
        }
        return bytes(replaced);
    }

    /** Removes header {@code name} (which must be present). */
    static byte[] withoutHeader(byte[] request, String name) {
        String s = ascii(request);
        String removed = s.replaceFirst("\r\n" + Pattern.quote(name) + ": [^\r\n]*\r\n", "\r\n");
        if (removed.equals(s)) {
            throw new IllegalArgumentException("no header " + name);
        }
        return bytes(removed);
    }

    /** Adds header lines ("Name: value") just before the blank line ending the head. */
    static byte[] withExtraHeaders(byte[] request, String... lines) {
        String s = ascii(request);
        int end = s.indexOf("\r\n\r\n");
        StringBuilder extra = new StringBuilder();
        for (String line : lines) {
            extra.append("\r\n").append(line);
        }
        return bytes(s.substring(0, end) + extra + s.substring(end));
    }

    static String ascii(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Override
    public String toString() {
        return folder;
    }
}
