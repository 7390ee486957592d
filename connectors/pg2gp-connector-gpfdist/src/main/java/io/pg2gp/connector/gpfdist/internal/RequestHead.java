package io.pg2gp.connector.gpfdist.internal;

import org.apache.flink.annotation.Internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * The request line and headers of one HTTP request, as a Greenplum segment sends them.
 *
 * <p>Header names are matched case-insensitively (GP7's gpfdist does, and proxies may change case);
 * a repeated header keeps its last value, as gpfdist's parser does. Bytes are decoded as ISO-8859-1
 * so that nothing a client sends can make parsing fail on encoding.
 */
@Internal
public final class RequestHead {

    private final String method;
    private final String target;
    private final String version;
    private final Map<String, String> headers;

    private RequestHead(String method, String target, String version, Map<String, String> headers) {
        this.method = method;
        this.target = target;
        this.version = version;
        this.headers = headers;
    }

    /**
     * Reads one request head from {@code in}. Bytes after the head (a GET has no body) are
     * discarded.
     *
     * @throws EOFException when the peer closes before the head is complete
     * @throws HttpStatusException 400 when the head exceeds {@code maxBytes} or is malformed
     * @throws java.net.SocketTimeoutException when the socket's read timeout expires
     */
    public static RequestHead read(InputStream in, int maxBytes)
            throws IOException, HttpStatusException {
        byte[] buf = new byte[Math.min(maxBytes, 4096)];
        int len = 0;
        int scanFrom = 0;
        while (true) {
            if (len == buf.length) {
                if (len >= maxBytes) {
                    throw new HttpStatusException(400, "forbidden", "request head too large");
                }
                buf = Arrays.copyOf(buf, Math.min(maxBytes, len * 2));
            }
            int n = in.read(buf, len, buf.length - len);
            if (n < 0) {
                throw new EOFException("connection closed before the request head was complete");
            }
            len += n;
            int end = headEnd(buf, scanFrom, len);
            if (end >= 0) {
                return parse(new String(buf, 0, end, StandardCharsets.ISO_8859_1));
            }
            scanFrom = Math.max(0, len - 3);
        }
    }

    /** Index just past the blank line ending the head (CRLFCRLF, or LFLF leniently), or -1. */
    static int headEnd(byte[] b, int from, int len) {
        for (int i = from; i < len; i++) {
            if (b[i] != '\n') {
                continue;
            }
            if (i + 1 < len && b[i + 1] == '\n') {
                return i + 2;
            }
            if (i + 2 < len && b[i + 1] == '\r' && b[i + 2] == '\n') {
                return i + 3;
            }
        }
        return -1;
    }

    /** Parses a complete head: request line, header lines, blank line. */
    public static RequestHead parse(String head) throws HttpStatusException {
        String[] lines = head.split("\n", -1);
        String[] requestLine = stripCr(lines[0]).trim().split("[ \t]+");
        // gpfdist: exactly three tokens and an HTTP/1.x version, else 400 "invalid request".
        if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/1.")) {
            throw new HttpStatusException(400, "invalid request", "bad request line: " + lines[0]);
        }
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 1; i < lines.length; i++) {
            String line = stripCr(lines[i]);
            if (line.isEmpty()) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new HttpStatusException(400, "invalid request", "bad header line: " + line);
            }
            headers.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
        }
        return new RequestHead(requestLine[0], requestLine[1], requestLine[2], headers);
    }

    private static String stripCr(String s) {
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    public String method() {
        return method;
    }

    /** The request target exactly as sent (path, possibly percent-encoded). */
    public String target() {
        return target;
    }

    public String version() {
        return version;
    }

    /** The value of header {@code name} (any case), or null when absent. */
    public String header(String name) {
        return headers.get(name);
    }
}
