package io.pg2gp.jobs.ingest.monitor;

import io.pg2gp.connector.cdc.ChangeOp;
import io.pg2gp.connector.cdc.PostgresCdcOptions;
import io.pg2gp.connector.cdc.SlotLagProbe;
import io.pg2gp.connector.cdc.TruncateHandling;
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
 *
 * <p>Also counts what the source could not carry as it was: changes it rejected (to the dead
 * letters, {@code pg2gpSourceRejected}), changes with columns missing on the source ({@code
 * pg2gpSourceMissingColumns}), rows read back from the source ({@code pg2gpSourceRowsReadBack}) and
 * truncates ({@code pg2gpSourceTruncates}); and applies {@code source.truncate}: with {@link
 * TruncateHandling#FAIL} a truncate fails the job here, downstream of the source.
 */
public final class ChangeMetrics extends RichMapFunction<SourceChange, SourceChange> {

    private static final long serialVersionUID = 1L;

    private final PostgresCdcOptions source;
    private final Duration slotLagInterval;
    private transient Counter[][] counters;
    private final TruncateHandling truncate;
    private transient SlotLagProbe probe;
    private transient Counter rejected;
    private transient Counter missingColumns;
    private transient Counter readBack;
    private transient Counter truncates;

    /** {@code slotLagInterval} zero disables the slot-lag probe. */
    public ChangeMetrics(
            PostgresCdcOptions source, Duration slotLagInterval, TruncateHandling truncate) {
        this.source = source;
        this.slotLagInterval = slotLagInterval;
        this.truncate = truncate;
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
        rejected = metrics.counter("pg2gpSourceRejected");
        missingColumns = metrics.counter("pg2gpSourceMissingColumns");
        readBack = metrics.counter("pg2gpSourceRowsReadBack");
        truncates = metrics.counter("pg2gpSourceTruncates");
        if (!slotLagInterval.isZero()
                && getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
            probe = new SlotLagProbe(source, slotLagInterval);
            metrics.gauge("pg2gpSlotLagBytes", probe::lagBytes);
            metrics.gauge("pg2gpSlotRetainedWalBytes", probe::retainedBytes);
            metrics.gauge("pg2gpSlotActive", probe::active);
            metrics.gauge("pg2gpSourceTablesWithoutFullIdentity", probe::tablesWithoutFullIdentity);
        }
    }

    @Override
    public SourceChange map(SourceChange change) {
        counters[change.table.ordinal()][change.op.ordinal()].inc();
        if (change.rejectReason != null) {
            rejected.inc();
        } else if (change.op == ChangeOp.TRUNCATE) {
            truncates.inc();
            if (truncate == TruncateHandling.FAIL) {
                throw new IllegalStateException(
                        "TRUNCATE of the source "
                                + change.table.name().toLowerCase()
                                + " table at LSN "
                                + change.lsn
                                + " and source.truncate is fail: the warehouse still holds its rows."
                                + " Either set source.truncate: ignore and restart (the truncate is"
                                + " recorded in the dead letters, the rows stay), or empty the"
                                + " warehouse table, drop the replication slot and start the"
                                + " pipeline anew (a fresh snapshot)");
            }
        }
        if (change.missingColumns != null) {
            missingColumns.inc();
        }
        if (change.readBack) {
            readBack.inc();
        }
        return change;
    }

    @Override
    public void close() {
        if (probe != null) {
            probe.close();
        }
    }
}
