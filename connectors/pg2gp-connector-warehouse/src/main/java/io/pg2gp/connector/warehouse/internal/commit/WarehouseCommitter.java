package io.pg2gp.connector.warehouse.internal.commit;

import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.connector.warehouse.WarehouseSession;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.SinkCommitterMetricGroup;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Applies each completed checkpoint's batch to the target table, oldest checkpoint first. A commit
 * already in the ledger (a retry after a failure, or a restore) is recognised and skipped.
 */
@Internal
public final class WarehouseCommitter implements Committer<WarehouseCommittable> {

    private static final Logger LOG = LoggerFactory.getLogger(WarehouseCommitter.class);

    private final WarehouseSession session;
    private final BatchApplier applier;
    private final WarehouseHousekeeper housekeeper;
    private final Counter commits;
    private final Counter rowsUpserted;
    private final Counter rowsDeleted;
    private final Counter deadLetters;
    private volatile long lastApplyMillis;
    private volatile long lastCheckpointApplied = -1;
    private volatile long lastBatchRows;

    public WarehouseCommitter(
            WarehouseConnectionOptions connection,
            BatchApplier applier,
            WarehouseHousekeeper housekeeper,
            String applicationName,
            SinkCommitterMetricGroup metrics) {
        this.session = new WarehouseSession(connection, applicationName, applier::prepareSession);
        this.applier = applier;
        this.housekeeper = housekeeper;
        this.commits = metrics.counter("pg2gpCommits");
        this.rowsUpserted = metrics.counter("pg2gpRowsUpserted");
        this.rowsDeleted = metrics.counter("pg2gpRowsDeleted");
        this.deadLetters = metrics.counter("pg2gpDeadLetters");
        metrics.gauge("pg2gpLastApplyMillis", () -> lastApplyMillis);
        metrics.gauge("pg2gpLastCheckpointApplied", () -> lastCheckpointApplied);
        metrics.gauge("pg2gpLastBatchRows", () -> lastBatchRows);
    }

    @Override
    public void commit(Collection<CommitRequest<WarehouseCommittable>> requests)
            throws IOException {
        List<CommitRequest<WarehouseCommittable>> ordered = new ArrayList<>(requests);
        ordered.sort(Comparator.comparingLong(r -> r.getCommittable().checkpointId()));
        for (CommitRequest<WarehouseCommittable> request : ordered) {
            WarehouseCommittable c = request.getCommittable();
            try {
                BatchApplier.Result r = applier.apply(session.get(), c);
                if (r.alreadyApplied()) {
                    LOG.info(
                            "checkpoint {} of {} was applied before (commit_seq {}); skipped",
                            c.checkpointId(),
                            c.targetTable(),
                            r.commitSeq());
                    request.signalAlreadyCommitted();
                } else {
                    commits.inc();
                    rowsUpserted.inc(r.upserted());
                    rowsDeleted.inc(r.deleted());
                    deadLetters.inc(r.deadLetters());
                    lastApplyMillis = r.millis();
                    lastBatchRows = c.rows();
                    housekeep(c);
                }
                lastCheckpointApplied = c.checkpointId();
            } catch (SQLException e) {
                session.discard();
                // Fail the job: the committable stays in Flink's state and is applied again,
                // exactly once thanks to the ledger, after the restart.
                throw new IOException(
                        "applying checkpoint "
                                + c.checkpointId()
                                + " to "
                                + c.targetTable()
                                + " failed: "
                                + e.getMessage(),
                        e);
            }
        }
    }

    /** After the apply committed, outside its transaction; never fails the job. */
    private void housekeep(WarehouseCommittable c) {
        try {
            housekeeper.afterApply(session.get(), c.rows() + c.deadLetters());
        } catch (SQLException | RuntimeException e) {
            LOG.warn(
                    "housekeeping after checkpoint {} skipped: {}",
                    c.checkpointId(),
                    e.getMessage());
        }
    }

    @Override
    public void close() {
        session.close();
    }
}
