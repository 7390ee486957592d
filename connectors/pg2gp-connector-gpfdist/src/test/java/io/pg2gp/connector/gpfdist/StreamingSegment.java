package io.pg2gp.connector.gpfdist;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A segment that reads its answer frame by frame, so a test can act between frames. */
final class StreamingSegment implements Closeable {

    private final Socket socket;
    private final DataInputStream in;

    private StreamingSegment(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 8192));
    }

    /** Connects with a small receive buffer (little data in flight) and sends {@code request}. */
    static StreamingSegment open(int port, byte[] request) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(64 * 1024);
        socket.connect(
                new InetSocketAddress("127.0.0.1", port), SegmentClient.SAFETY_TIMEOUT_MILLIS);
        socket.setSoTimeout(SegmentClient.SAFETY_TIMEOUT_MILLIS);
        socket.getOutputStream().write(request);
        return new StreamingSegment(socket);
    }

    String readHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            head.write(in.readUnsignedByte());
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** The next frame, or null when the server closed the connection between frames. */
    Frame readFrame() throws IOException {
        int type = in.read();
        if (type < 0) {
            return null;
        }
        byte[] payload = new byte[in.readInt()];
        in.readFully(payload);
        return new Frame((char) type, payload);
    }

    /** Frames until the server closes; a close inside a frame throws {@link EOFException}. */
    List<Frame> readRemainingFrames() throws IOException {
        List<Frame> frames = new ArrayList<>();
        Frame f;
        while ((f = readFrame()) != null) {
            frames.add(f);
        }
        return frames;
    }

    Socket socket() {
        return socket;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
