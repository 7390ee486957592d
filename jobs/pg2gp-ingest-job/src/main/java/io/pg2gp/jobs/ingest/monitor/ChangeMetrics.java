package io.pg2gp.jobs.ingest.monitor;

import io.pg2gp.connector.cdc.ChangeOp;
import io.pg2gp.connector.cdc.PostgresCdcOptions;
import io.pg2gp.connector.cdc.SlotLagProbe;
import io.pg2gp.jobs.ingest.model.SourceChange;
import io.pg2gp.jobs.ingest.model.SourceTable;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

import java.time.Duration;

/**
 * Passes changes through unchanged, counting them per table and op ({@code pg2gpChangesRead} with
 * labels {@code table} and {@code op}), and on subtask 0 reports the replication slot's lag: the
 * source only knows its own offsets, not how much WAL the server keeps for it.
 */
public final class ChangeMetrics extends RichMapFunction<SourceChange, SourceChange> {

    private static final long serialVersionUID = 1L;

    private final PostgresCdcOptions source;
    private final Duration slotLagInterval;
    private transient Counter[][] counters;
    private transient SlotLagProbe probe;

    /** {@code slotLagInterval} zero disables the slot-lag probe. */
    public ChangeMetrics(PostgresCdcOptions source, Duration slotLagInterval) {
        this.source = source;
        this.slotLagInterval = slotLagInterval;
    }

    @Override
    public void open(OpenContext context) {
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        counters = new Counter[SourceTable.values().length][ChangeOp.values().length];
        for (SourceTable t : SourceTable.values()) {
            MetricGroup table = metrics.addGroup("table", t.name().toLowerCase());
            for (ChangeOp op : ChangeOp.values()) {
                counters[t.ordinal()][op.ordinal()] =
                        table.addGroup("op", String.valueOf(op.code())).counter("pg2gpChangesRead");
            }
        }
        if (!slotLagInterval.isZero()
                && getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
            probe = new SlotLagProbe(source, slotLagInterval);
            metrics.gauge("pg2gpSlotLagBytes", probe::lagBytes);
            metrics.gauge("pg2gpSlotRetainedWalBytes", probe::retainedBytes);
            metrics.gauge("pg2gpSlotActive", probe::active);
        }
    }

    @Override
    public SourceChange map(SourceChange change) {
        counters[change.table.ordinal()][change.op.ordinal()].inc();
        return change;
    }

    @Override
    public void close() {
        if (probe != null) {
            probe.close();
        }
    }
}
