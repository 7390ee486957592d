package io.pg2gp.connector.warehouse.table;

import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SharedPostgres;

import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The postgres-cdc restart defect of Flink CDC 3.5.0, end to end with checkpoints triggered by
 * hand: a checkpoint taken during the snapshot phase (no stream split, offset {@code null})
 * completes, and {@code scan.lsn-commit.checkpoints-num-delay} (3) makes the reader commit it three
 * notifications later, in the stream phase, as the stream's live position. Here that commit happens
 * while the reader's task is held, so its fetcher has read changes A beyond the checkpoint being
 * completed; a failure then restores that checkpoint, PostgreSQL streams from the slot's confirmed
 * position, and A never arrives. Passes with {@code pg2gp-postgres-cdc} (commit filter); fails with
 * {@code -Dpg2gp.it.cdc-connector=postgres-cdc} (Flink CDC's own factory).
 */
class SnapshotPhaseCheckpointRestoreITCase {

    /**
     * {@code scan.lsn-commit.checkpoints-num-delay}: more than the default 3, so that the commit
     * due at the held checkpoint is surely one of the snapshot phase (any delay shows the defect).
     */
    private static final int DELAY = 8;

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    @Test
    void aRestoreAfterASnapshotPhaseCheckpointLosesNoChange(@InjectMiniCluster MiniCluster flink)
            throws Exception {
        PostgresServer source = SharedPostgres.source();
        String sourceDb = source.createDatabase(SharedPostgres.uniqueDatabase("sqlrestore"));
        SqlPipelineFixture.createSource(source, sourceDb, "all_types");
        PostgresServer warehouse = SharedPostgres.warehouse();
        String db = warehouse.createDatabase(SharedPostgres.uniqueDatabase("sqlrestore"));
        String slot = "slot_" + sourceDb;
        FailOnce.reset();

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.enableCheckpointing(TimeUnit.HOURS.toMillis(1)); // only the checkpoints triggered here
        env.setParallelism(2);
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
        tEnv.createTemporarySystemFunction("passes", FailOnce.class);
        tEnv.executeSql(
                SqlPipelineFixture.cdcSourceDdl(
                        source,
                        sourceDb,
                        "all_types",
                        slot,
                        Map.of("scan.lsn-commit.checkpoints-num-delay", String.valueOf(DELAY))));
        tEnv.executeSql(
                SqlPipelineFixture.sinkDdl(
                        "gp_all_types",
                        SqlPipelineFixture.FLINK_COLUMNS + ", PRIMARY KEY (id) NOT ENFORCED",
                        warehouse,
                        db,
                        "mirror.all_types",
                        Map.of("sink.create-table", "true")));
        JobID job =
                SqlPipelineFixture.start(
                                tEnv,
                                "INSERT INTO gp_all_types SELECT * FROM pg_all_types"
                                        + " WHERE passes(t)")
                        .getJobID();
        try (Connection src = source.connect(sourceDb);
                Connection dst = warehouse.connect(db);
                Statement s = src.createStatement()) {
            // Checkpoints until the stream split is read (the split is assigned only after a
            // checkpoint that follows the snapshot splits); all of them hold no stream split.
            int taken = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!slotActive(src, slot)) {
                assertThat(System.nanoTime()).as("stream phase reached").isLessThan(deadline);
                taken += checkpoint(flink, job) ? 1 : 0;
                Thread.sleep(300);
            }
            // then enough for a commit at the next one; the oldest pending commit is then one of a
            // checkpoint without the stream split (the slot turns active a few checkpoints after
            // the split arrives, fewer than DELAY)
            for (; taken < DELAY; taken++) {
                flink.triggerCheckpoint(job).get(1, TimeUnit.MINUTES);
            }

            s.execute("UPDATE all_types SET t = 'hold' WHERE id = 1");
            assertThat(FailOnce.awaitHolding()).isTrue();
            CompletableFuture<String> held = flink.triggerCheckpoint(job);
            // changes A, one transaction each: PostgreSQL resends the transaction at the slot's
            // confirmed position, so only those before the last would be lost
            s.execute("UPDATE all_types SET i4 = 2000 WHERE id = 2");
            s.execute("INSERT INTO all_types (id, t) VALUES (9, 'after the held checkpoint')");
            s.execute("DELETE FROM all_types WHERE id = 3");
            s.execute("INSERT INTO all_types (id, t) VALUES (10, 'last')");
            awaitSent(src, slot); // the reader's fetcher has them, its task has not
            Thread.sleep(500);
            FailOnce.release();
            held.get(1, TimeUnit.MINUTES);
            Thread.sleep(1000); // the notification of the held checkpoint reaches the reader
            s.execute("INSERT INTO all_types (id, t) VALUES (7, 'boom')");
            // no checkpoint before the failure: the job restores the held one
            deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (!FailOnce.FAILED.get() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(FailOnce.FAILED).as("the injected failure happened").isTrue();

            List<String> expected = rows(src, "all_types");
            List<String> actual = List.of();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!actual.equals(expected) && System.nanoTime() < deadline) {
                checkpoint(flink, job);
                actual = rows(dst, "mirror.all_types");
                Thread.sleep(200);
            }
            assertThat(actual).isEqualTo(expected);
        } finally {
            flink.cancelJob(job).get();
        }
    }

    /** {@code id|i4|t} of each row: enough to see a lost change. */
    private static List<String> rows(Connection c, String table) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, i4, t FROM " + table + " ORDER BY id")) {
            while (rs.next()) {
                rows.add(rs.getLong(1) + "|" + rs.getObject(2) + "|" + rs.getString(3));
            }
        }
        return rows;
    }

    /** Triggers a checkpoint; false when it could not complete (e.g. tasks not yet running). */
    private static boolean checkpoint(MiniCluster flink, JobID job) throws InterruptedException {
        try {
            flink.triggerCheckpoint(job).get(1, TimeUnit.MINUTES);
            return true;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                throw (InterruptedException) e;
            }
            Thread.sleep(200);
            return false;
        }
    }

    private static boolean slotActive(Connection c, String slot) throws SQLException {
        try (PreparedStatement p =
                c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
            p.setString(1, slot);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** Waits until the slot's sender has sent everything written so far. */
    private static void awaitSent(Connection c, String slot) throws Exception {
        try (PreparedStatement p =
                c.prepareStatement(
                        "SELECT r.sent_lsn >= pg_current_wal_lsn() FROM pg_replication_slots s"
                                + " JOIN pg_stat_replication r ON r.pid = s.active_pid"
                                + " WHERE s.slot_name = ?")) {
            p.setString(1, slot);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = p.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        return;
                    }
                }
                Thread.sleep(100);
            }
        }
    }
}
