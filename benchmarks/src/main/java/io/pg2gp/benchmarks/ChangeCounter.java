package io.pg2gp.benchmarks;

import io.pg2gp.connector.cdc.ChangeOp;
import io.pg2gp.jobs.ingest.model.SourceChange;

import org.apache.flink.api.common.functions.FilterFunction;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the changes the CDC source emits and drops them (a trivial sink). The MiniCluster runs in
 * this JVM, so static counters are visible to the benchmark, which notes the moment each phase's
 * last change arrived (the stream is ordered: one reader, WAL order).
 */
final class ChangeCounter implements FilterFunction<SourceChange> {

    private static final long serialVersionUID = 1L;

    static final AtomicLong INSERTS = new AtomicLong();
    static final AtomicLong UPDATES = new AtomicLong();
    static final AtomicLong OTHERS = new AtomicLong();
    static volatile long expectedInserts;
    static volatile long expectedUpdates;
    static volatile long insertsDoneNanos;
    static volatile long updatesDoneNanos;

    static void reset(long inserts, long updates) {
        INSERTS.set(0);
        UPDATES.set(0);
        OTHERS.set(0);
        expectedInserts = inserts;
        expectedUpdates = updates;
        insertsDoneNanos = 0;
        updatesDoneNanos = 0;
    }

    @Override
    public boolean filter(SourceChange c) {
        if (c.op == ChangeOp.INSERT) {
            if (INSERTS.incrementAndGet() == expectedInserts) {
                insertsDoneNanos = System.nanoTime();
            }
        } else if (c.op == ChangeOp.UPDATE) {
            if (UPDATES.incrementAndGet() == expectedUpdates) {
                updatesDoneNanos = System.nanoTime();
            }
        } else {
            OTHERS.incrementAndGet();
        }
        return false;
    }
}
