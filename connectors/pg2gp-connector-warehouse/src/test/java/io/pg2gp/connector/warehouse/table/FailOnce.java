package io.pg2gp.connector.warehouse.table;

import org.apache.flink.table.functions.ScalarFunction;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code passes(t)}: true, except that the first time a job of this JVM (the MiniCluster) sees the
 * text {@code 'boom'} it throws, to fail the job once between two checkpoints.
 */
public class FailOnce extends ScalarFunction {

    static final AtomicBoolean FAILED = new AtomicBoolean();

    public boolean eval(String text) {
        if ("boom".equals(text) && FAILED.compareAndSet(false, true)) {
            throw new IllegalStateException("injected failure (test)");
        }
        return true;
    }
}
