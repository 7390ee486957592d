package io.pg2gp.connector.warehouse.table;

import org.apache.flink.table.functions.ScalarFunction;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code passes(t)}: true, except that the first time a job of this JVM (the MiniCluster) sees the
 * text {@code 'boom'} it throws, to fail the job once between two checkpoints; and the first time
 * it sees {@code 'hold'} it blocks its task until {@link #release()}, which holds back the
 * checkpoints and notifications of that task while its source keeps fetching.
 */
public class FailOnce extends ScalarFunction {

    static final AtomicBoolean FAILED = new AtomicBoolean();
    private static final AtomicBoolean HELD = new AtomicBoolean();
    private static volatile CountDownLatch holding = new CountDownLatch(1);
    private static volatile CountDownLatch released = new CountDownLatch(1);

    public boolean eval(String text) throws InterruptedException {
        if ("boom".equals(text) && FAILED.compareAndSet(false, true)) {
            throw new IllegalStateException("injected failure (test)");
        }
        if ("hold".equals(text) && HELD.compareAndSet(false, true)) {
            holding.countDown();
            released.await(2, TimeUnit.MINUTES);
        }
        return true;
    }

    static void reset() {
        FAILED.set(false);
        HELD.set(false);
        holding = new CountDownLatch(1);
        released = new CountDownLatch(1);
    }

    static boolean awaitHolding() throws InterruptedException {
        return holding.await(2, TimeUnit.MINUTES);
    }

    static void release() {
        released.countDown();
    }
}
