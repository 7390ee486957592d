package io.pg2gp.connector.gpfdist.internal;

import org.apache.flink.annotation.Internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * The input of a connection while its request head is read, with one deadline for the whole head:
 * each read may only wait for what is left of it. A per-read timeout lets a client that sends a
 * byte now and then hold a connection for ever, before the server ever looks at the path.
 */
@Internal
final class HeadDeadlineInput extends InputStream {

    private final Socket socket;
    private final InputStream in;
    private final long deadlineNanos;

    HeadDeadlineInput(Socket socket, long timeoutMillis) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.deadlineNanos = System.nanoTime() + timeoutMillis * 1_000_000L;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        long leftMillis = (deadlineNanos - System.nanoTime()) / 1_000_000L;
        if (leftMillis <= 0) {
            throw new SocketTimeoutException("request head not complete by its deadline");
        }
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, leftMillis));
        return in.read(b, off, len);
    }
}
