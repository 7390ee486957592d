package io.pg2gp.connector.gpfdist.internal;

import io.pg2gp.connector.gpfdist.ServedBatch;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * Serves one connection, i.e. one GET of one segment: reads the request head, answers it, streams
 * blocks from the shared session cursor, ends with the empty {@code D} frame (or an {@code E}
 * frame), and closes. One thread per connection: a URL is read by at most a few dozen segments.
 *
 * <p>A connection lost while streaming does not poison the session, as in gpfdist: the segment on
 * the other end fails the statement itself, and Greenplum does not retry a GET.
 */
@Internal
public final class ConnectionHandler implements Runnable, Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionHandler.class);

    /** Largest request head accepted; a GP7 segment sends about 600 bytes. */
    static final int MAX_HEAD_BYTES = 16 * 1024;

    private static final int WRITE_SLICE = 128 * 1024;

    private final SocketChannel channel;
    private final ServingContext ctx;
    private final Runnable onDone;
    private volatile boolean aborted;
    private String peer = "?";

    public ConnectionHandler(SocketChannel channel, ServingContext ctx, Runnable onDone) {
        this.channel = channel;
        this.ctx = ctx;
        this.onDone = onDone;
    }

    @Override
    public void run() {
        ctx.counters().activeConnections.incrementAndGet();
        try {
            peer = String.valueOf(channel.getRemoteAddress());
            serve();
        } catch (IOException e) {
            ctx.counters().errors.increment();
            if (aborted) {
                LOG.debug("gpfdist connection from {} closed by the server", peer);
            } else {
                LOG.warn("gpfdist connection from {} failed: {}", peer, e.toString());
            }
        } catch (RuntimeException e) {
            ctx.counters().errors.increment();
            LOG.error("gpfdist connection from {} failed", peer, e);
        } finally {
            closeQuietly();
            onDone.run(); // frees the peer's slot before the connection stops counting as active
            ctx.counters().activeConnections.decrementAndGet();
        }
    }

    /** Aborts the connection from another thread (shutdown, release of a stuck reader). */
    @Override
    public void close() {
        aborted = true;
        closeQuietly();
    }

    private void serve() throws IOException {
        RequestHead head;
        try {
            // one deadline for the whole head, checked before the path is even looked at
            head =
                    RequestHead.read(
                            new HeadDeadlineInput(channel.socket(), ctx.headTimeoutMillis()),
                            MAX_HEAD_BYTES);
        } catch (SocketTimeoutException e) {
            ctx.counters().headTimeouts.increment();
            answerError(new HttpStatusException(408, "time out", "no complete request head"));
            return;
        } catch (EOFException e) {
            LOG.debug("gpfdist connection from {} closed before a request", peer);
            return;
        } catch (HttpStatusException e) {
            answerError(e);
            return;
        }
        ctx.counters().getRequests.increment();
        SegmentRequest request;
        try {
            request = SegmentRequest.from(head);
        } catch (HttpStatusException e) {
            answerError(e);
            return;
        }
        Publication publication = ctx.publications().apply(request.path());
        ServedBatch batch = publication == null ? null : publication.attach(this);
        if (batch == null) {
            answerError(
                    new HttpStatusException(
                            404, "file not found", "no published batch at " + request.path()));
            return;
        }
        try {
            stream(request, publication, batch);
        } finally {
            publication.detach(this);
        }
    }

    private void stream(SegmentRequest request, Publication publication, ServedBatch batch)
            throws IOException {
        String failure = publication.failure();
        if (failure != null) {
            write(ByteBuffer.wrap(GpfdistWire.okHead(ctx.serverVersion())));
            sendFailure(request, failure);
            return;
        }
        ReadSession session =
                publication.session(
                        request.session(), batch.blockCount(), ctx.counters().sessions::increment);
        if (session.hasEnded()) {
            // gpfdist's http_empty: the scan is complete, this segment reads zero rows.
            write(ByteBuffer.wrap(GpfdistWire.emptyAnswer(ctx.serverVersion())));
            finish();
            return;
        }
        if (request.tableDeclaresHeader()) {
            // gpfdist would skip the file's first line; a batch has no header line: serve all rows.
            LOG.debug("{} declares HEADER; batches carry no header line", request.path());
        }
        write(ByteBuffer.wrap(GpfdistWire.okHead(ctx.serverVersion())));
        int block;
        while (publication.failure() == null
                && (block = session.take()) != ReadSession.NO_MORE_BLOCKS) {
            ByteBuffer header =
                    GpfdistWire.blockHeader(
                            publication.fileName(),
                            batch.blockOffset(block),
                            batch.blockFirstRow(block),
                            batch.blockLength(block),
                            ctx.blockMetadata());
            writeBlock(header, batch.blockData(block));
            ctx.counters().blocksServed.increment();
            ctx.counters().bytesServed.add(batch.blockLength(block));
            ctx.counters().rowsServed.add(batch.blockRowCount(block));
        }
        failure = publication.failure(); // checked last: a failed load must not look complete
        if (failure != null) {
            sendFailure(request, failure);
            return;
        }
        write(ByteBuffer.wrap(GpfdistWire.END_OF_DATA));
        finish();
    }

    private void sendFailure(SegmentRequest request, String message) throws IOException {
        ctx.counters().errors.increment();
        LOG.warn(
                "gpfdist {} segment {} from {}: sending error: {}",
                request.path(),
                request.segmentId(),
                peer,
                message);
        write(GpfdistWire.errorFrame(message));
        finish();
    }

    private void answerError(HttpStatusException e) throws IOException {
        ctx.counters().errors.increment();
        LOG.warn("gpfdist request from {} answered {}", peer, e.getMessage());
        write(
                ByteBuffer.wrap(
                        GpfdistWire.errorAnswer(e.status(), e.reason(), ctx.serverVersion())));
        finish();
    }

    /**
     * Writes the frame headers and the rows in slices: the JDK copies a heap buffer into a
     * temporary direct buffer before each write, and a slice that stays in the CPU cache for the
     * kernel's copy is faster than one 1 MiB copy (the JDK's socket streams slice at 128 KiB too).
     */
    private void writeBlock(ByteBuffer header, ByteBuffer data) throws IOException {
        int end = data.limit();
        data.limit(Math.min(end, data.position() + WRITE_SLICE));
        write(header, data);
        while (data.limit() < end) {
            data.limit(Math.min(end, data.limit() + WRITE_SLICE));
            write(data);
        }
    }

    private void write(ByteBuffer... buffers) throws IOException {
        ByteBuffer last = buffers[buffers.length - 1];
        while (last.hasRemaining()) {
            channel.write(buffers);
        }
    }

    /** Half-closes so the segment sees every byte, then an orderly end of stream. */
    private void finish() throws IOException {
        channel.shutdownOutput();
    }

    private void closeQuietly() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to do with a connection that cannot even close
        }
    }
}
