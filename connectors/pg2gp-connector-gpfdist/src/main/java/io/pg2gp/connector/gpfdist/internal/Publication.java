package io.pg2gp.connector.gpfdist.internal;

import io.pg2gp.connector.gpfdist.ServedBatch;
import io.pg2gp.connector.gpfdist.internal.SegmentRequest.SessionKey;

import org.apache.flink.annotation.Internal;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Server-side state of one published batch: its path, its read sessions, its failure, and the
 * connections currently reading it.
 *
 * <p>The batch stays until {@link #release}: a retried statement (new XID/CID) is a new session and
 * is served everything again. Releasing drops the reference to the rows, so they are freed as soon
 * as the last reader lets go of them.
 */
@Internal
public final class Publication {

    private final String path;
    private final byte[] fileName;
    private final ConcurrentHashMap<SessionKey, ReadSession> sessions = new ConcurrentHashMap<>();
    private final Set<Closeable> readers = new HashSet<>(); // guarded by this
    private ServedBatch batch; // guarded by this; null once released
    private volatile String failure;

    public Publication(String path, ServedBatch batch) {
        this.path = path;
        this.fileName = GpfdistWire.fileName(path);
        this.batch = batch;
    }

    public String path() {
        return path;
    }

    /** The {@code F} frame payload. */
    public byte[] fileName() {
        return fileName;
    }

    /** The failure message sent to readers as an {@code E} frame, or null. */
    public String failure() {
        return failure;
    }

    public synchronized boolean isReleased() {
        return batch == null;
    }

    /** Marks the batch failed; readers send an {@code E} frame at their next block. First wins. */
    public synchronized void fail(String message) {
        if (failure == null) {
            failure = message;
        }
    }

    /**
     * Registers a reader and returns the rows to serve, or null when the batch was released (the
     * request then gets 404).
     */
    public synchronized ServedBatch attach(Closeable reader) {
        if (batch != null) {
            readers.add(reader);
        }
        return batch;
    }

    public synchronized void detach(Closeable reader) {
        if (readers.remove(reader) && readers.isEmpty()) {
            notifyAll();
        }
    }

    /** The session of {@code key}, created on first use ({@code onCreate} runs then). */
    public ReadSession session(SessionKey key, int blockCount, Runnable onCreate) {
        return sessions.computeIfAbsent(
                key,
                k -> {
                    onCreate.run();
                    return new ReadSession(blockCount);
                });
    }

    /**
     * Fails the batch with {@code message}, forgets its rows and sessions, gives current readers up
     * to {@code graceMillis} to send their {@code E} frame, then closes those still connected (a
     * segment that stopped reading would otherwise pin the rows in memory).
     */
    public void release(String message, long graceMillis) {
        List<Closeable> stuck;
        synchronized (this) {
            fail(message);
            batch = null;
            sessions.clear();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
            long left;
            while (!readers.isEmpty() && (left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            stuck = new ArrayList<>(readers);
        }
        for (Closeable c : stuck) {
            try {
                c.close();
            } catch (IOException ignored) {
                // best effort: the reader thread sees the closed channel and ends
            }
        }
    }
}
