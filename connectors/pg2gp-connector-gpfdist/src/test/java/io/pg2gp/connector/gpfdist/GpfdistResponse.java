package io.pg2gp.connector.gpfdist;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A whole answer as a segment receives it: head bytes, then frames until the connection closes.
 * Parsing is strict: a truncated frame or trailing bytes fail, as they would fail the segment.
 */
final class GpfdistResponse {

    final byte[] raw;
    final byte[] head;
    final byte[] body;
    final List<Frame> frames;

    private GpfdistResponse(byte[] raw, byte[] head, byte[] body, List<Frame> frames) {
        this.raw = raw;
        this.head = head;
        this.body = body;
        this.frames = frames;
    }

    static GpfdistResponse parse(byte[] raw) {
        int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        if (end < 0) {
            throw new AssertionError("no complete head in: " + ascii(raw));
        }
        byte[] head = Arrays.copyOf(raw, end + 4);
        byte[] body = Arrays.copyOfRange(raw, end + 4, raw.length);
        return new GpfdistResponse(raw, head, body, readFrames(body));
    }

    /** Frames of a body; throws when the body does not consist of whole frames. */
    static List<Frame> readFrames(byte[] body) {
        List<Frame> frames = new ArrayList<>();
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
        try {
            int type;
            while ((type = in.read()) >= 0) {
                int length = in.readInt();
                if (length < 0) {
                    throw new AssertionError("negative frame length " + length);
                }
                byte[] payload = new byte[length];
                in.readFully(payload);
                frames.add(new Frame((char) type, payload));
            }
        } catch (EOFException e) {
            throw new AssertionError("truncated frame after " + frames, e);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return frames;
    }

    String headText() {
        return ascii(head);
    }

    String statusLine() {
        String h = headText();
        return h.substring(0, h.indexOf("\r\n"));
    }

    /** An answer carrying frames: protocol 1 announced. */
    boolean isDataAnswer() {
        return headText().contains("\r\nX-GP-PROTO: 1\r\n");
    }

    /** gpfdist's http_empty: 200, Content-length: 0, no X-GP-PROTO. */
    boolean isEmptyAnswer() {
        String h = headText();
        return h.startsWith("HTTP/1.0 200 ok\r\n")
                && h.contains("\r\nContent-length: 0\r\n")
                && !h.contains("X-GP-PROTO");
    }

    /** Payloads of the non-empty D frames, in order. */
    List<byte[]> blocks() {
        List<byte[]> blocks = new ArrayList<>();
        for (Frame f : frames) {
            if (f.type() == 'D' && f.payload().length > 0) {
                blocks.add(f.payload());
            }
        }
        return blocks;
    }

    /** The data rows of all blocks, split at LF (for data without quoted newlines). */
    List<String> lines() {
        List<String> lines = new ArrayList<>();
        for (byte[] block : blocks()) {
            lines.addAll(splitLines(block));
        }
        return lines;
    }

    static List<String> splitLines(byte[] block) {
        List<String> lines = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (byte b : block) {
            line.write(b);
            if (b == '\n') {
                lines.add(line.toString(StandardCharsets.ISO_8859_1));
                line.reset();
            }
        }
        if (line.size() > 0) {
            throw new AssertionError("block ends inside a line: " + line);
        }
        return lines;
    }

    /**
     * The head with the X-GPFDIST-VERSION value replaced, to compare heads of different servers.
     */
    static String maskVersion(String head) {
        return head.replaceAll("X-GPFDIST-VERSION: [^\r\n]*\r\n", "X-GPFDIST-VERSION: *\r\n");
    }

    static String ascii(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public String toString() {
        return statusLine() + " " + frames;
    }
}
