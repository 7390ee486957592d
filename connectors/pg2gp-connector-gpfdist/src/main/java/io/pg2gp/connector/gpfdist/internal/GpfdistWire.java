package io.pg2gp.connector.gpfdist.internal;

import org.apache.flink.annotation.Internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The bytes gpfdist puts on the wire, spelled exactly as {@code gpfdist.c} does ({@code http_ok},
 * {@code http_empty}, {@code http_error}, {@code block_fill_header}) and as the recorded exchanges
 * show. The segment matches {@code X-GP-PROTO} case-sensitively, so header names are fixed strings
 * here, never produced by an HTTP library.
 *
 * <p>Frames: {@code type (1 byte) | length (int32 big-endian) | payload}; {@code F} file name,
 * {@code O} byte offset (int64), {@code L} first line number (int64), {@code D} rows, {@code E}
 * error text. A {@code D} frame of length 0 ends the stream.
 */
@Internal
public final class GpfdistWire {

    /** The empty {@code D} frame: end of data. */
    public static final byte[] END_OF_DATA = {'D', 0, 0, 0, 0};

    /** Longest {@code F} payload the segment accepts. */
    public static final int MAX_FILE_NAME = 256;

    private GpfdistWire() {}

    /** Head of an answer that carries frames ({@code http_ok} with protocol 1). */
    public static byte[] okHead(String serverVersion) {
        return ascii(
                "HTTP/1.0 200 ok\r\n"
                        + "Content-type: text/plain\r\n"
                        + "Expires: 0\r\n"
                        + "X-GPFDIST-VERSION: "
                        + serverVersion
                        + "\r\n"
                        + "X-GP-PROTO: 1\r\n"
                        + "Cache-Control: no-cache\r\n"
                        + "Connection: close\r\n\r\n");
    }

    /**
     * The whole answer to a request whose session has already reached its end: gpfdist's {@code
     * http_empty} head (Content-length: 0, no X-GP-PROTO) followed by the empty {@code D} frame its
     * {@code request_end} still sends (recorded in capture A, conn2).
     */
    public static byte[] emptyAnswer(String serverVersion) {
        byte[] head =
                ascii(
                        "HTTP/1.0 200 ok\r\n"
                                + "Content-type: text/plain\r\n"
                                + "Content-length: 0\r\n"
                                + "Expires: 0\r\n"
                                + "X-GPFDIST-VERSION: "
                                + serverVersion
                                + "\r\n"
                                + "Cache-Control: no-cache\r\n"
                                + "Connection: close\r\n\r\n");
        byte[] all = Arrays.copyOf(head, head.length + END_OF_DATA.length);
        System.arraycopy(END_OF_DATA, 0, all, head.length, END_OF_DATA.length);
        return all;
    }

    /** An error answer before any data ({@code http_error}), e.g. {@code 404 file not found}. */
    public static byte[] errorAnswer(int status, String reason, String serverVersion) {
        return ascii(
                "HTTP/1.0 "
                        + status
                        + " "
                        + reason
                        + "\r\n"
                        + "Content-length: 0\r\n"
                        + "Expires: 0\r\n"
                        + "X-GPFDIST-VERSION: "
                        + serverVersion
                        + "\r\n"
                        + "Cache-Control: no-cache\r\n"
                        + "Connection: close\r\n\r\n");
    }

    /**
     * The frames announcing one block: {@code F}, {@code O}, {@code L} (when {@code metadata}),
     * then the {@code D} frame header; the block's bytes follow.
     */
    public static ByteBuffer blockHeader(
            byte[] fileName, long offset, long firstLine, int dataLength, boolean metadata) {
        ByteBuffer b =
                ByteBuffer.allocate(metadata ? 5 + fileName.length + 13 + 13 + 5 : 5); // big-endian
        if (metadata) {
            b.put((byte) 'F').putInt(fileName.length).put(fileName);
            b.put((byte) 'O').putInt(8).putLong(offset);
            b.put((byte) 'L').putInt(8).putLong(firstLine);
        }
        b.put((byte) 'D').putInt(dataLength);
        return b.flip();
    }

    /** An {@code E} frame: the segment fails the statement with "gpfdist error - message". */
    public static ByteBuffer errorFrame(String message) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(5 + text.length)
                .put((byte) 'E')
                .putInt(text.length)
                .put(text)
                .flip();
    }

    /** The {@code F} payload for a path: what gpfdist sends is the served file's name. */
    public static byte[] fileName(String path) {
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        if (name.length > MAX_FILE_NAME) {
            throw new IllegalArgumentException("F frame payload over 256 bytes: " + path);
        }
        return name;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
