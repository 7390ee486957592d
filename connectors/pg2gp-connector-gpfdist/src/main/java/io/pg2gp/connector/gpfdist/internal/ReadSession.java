package io.pg2gp.connector.gpfdist.internal;

import org.apache.flink.annotation.Internal;

/**
 * One scan of a batch by one statement: the cursor that all GETs of the scan share.
 *
 * <p>Each block goes to exactly one GET, first come first served. The session "ends" (gpfdist's
 * {@code session_end} on EOF) when a GET asks for a block and none is left; that GET then sends the
 * empty {@code D} frame, and any GET arriving later gets gpfdist's empty answer. So the first GET
 * of an empty batch gets an immediate empty {@code D}, like gpfdist serving an empty file.
 */
@Internal
public final class ReadSession {

    /** What {@link #take()} returns when no block is left. */
    public static final int NO_MORE_BLOCKS = -1;

    private final int blockCount;
    private int next;
    private boolean ended;

    public ReadSession(int blockCount) {
        this.blockCount = blockCount;
    }

    /** True once a GET of this session has seen the end of the data. */
    public synchronized boolean hasEnded() {
        return ended;
    }

    /** The index of the next block for the calling GET, or {@link #NO_MORE_BLOCKS}. */
    public synchronized int take() {
        if (next < blockCount) {
            return next++;
        }
        ended = true;
        return NO_MORE_BLOCKS;
    }
}
