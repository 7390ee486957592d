package io.pg2gp.connector.cdc;

import org.apache.flink.annotation.PublicEvolving;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Polls {@code pg_replication_slots} for the pipeline's slot in the background, so metric gauges
 * read a cached value and never block the reporter on the source database. The slot only advances
 * after checkpoints complete, so this is the WAL the source keeps for the pipeline.
 *
 * <p>Each poll also re-checks the replica identity of the captured tables (when the options require
 * {@code FULL}): an {@code ALTER TABLE ... REPLICA IDENTITY DEFAULT} while the job runs is warned
 * about and shown in a gauge, before updates of TOASTed rows have to be read back.
 */
@PublicEvolving
public final class SlotLagProbe implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SlotLagProbe.class);
    private static final String QUERY =
            "SELECT active,"
                    + " pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint,"
                    + " pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint"
                    + " FROM pg_replication_slots WHERE slot_name = ?";
    private static final String IDENTITY_QUERY =
            "SELECT c.relreplident FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE n.nspname = ? AND c.relname = ?";

    private final PostgresCdcOptions options;
    private final ScheduledExecutorService timer;
    private Connection connection;
    private volatile long lagBytes = -1;
    private volatile long retainedBytes = -1;
    private volatile int active = -1;
    private boolean warned;
    private volatile int tablesWithoutFullIdentity = -1;
    private String lastWithoutFull = "";

    public SlotLagProbe(PostgresCdcOptions options, Duration interval) {
        this.options = options;
        this.timer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "pg2gp-slot-lag-" + options.slotName());
                            t.setDaemon(true);
                            return t;
                        });
        timer.scheduleWithFixedDelay(this::poll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * WAL bytes between the server's current position and what the pipeline confirmed; -1 unknown.
     */
    public long lagBytes() {
        return lagBytes;
    }

    /** WAL bytes the slot keeps on the source's disk (from its restart LSN); -1 unknown. */
    public long retainedBytes() {
        return retainedBytes;
    }

    /** 1 when a walsender streams from the slot, 0 when none does, -1 when unknown. */
    public int active() {
        return active;
    }

    /**
     * Captured tables whose replica identity is not {@code FULL} (though the options require it);
     * -1 when unknown, 0 when the check is off.
     */
    public int tablesWithoutFullIdentity() {
        return tablesWithoutFullIdentity;
    }

    void poll() {
        try {
            if (connection == null || connection.isClosed()) {
                connection = options.connect("pg2gp slot lag");
            }
            try (PreparedStatement s = connection.prepareStatement(QUERY)) {
                s.setString(1, options.slotName());
                try (ResultSet rs = s.executeQuery()) {
                    if (rs.next()) {
                        active = rs.getBoolean(1) ? 1 : 0;
                        lagBytes = rs.getLong(2);
                        retainedBytes = rs.getLong(3);
                    } else {
                        active = 0;
                        lagBytes = -1;
                        retainedBytes = -1;
                    }
                }
            }
            checkReplicaIdentity();
            warned = false;
        } catch (SQLException e) {
            lagBytes = -1;
            retainedBytes = -1;
            active = -1;
            tablesWithoutFullIdentity = -1;
            if (!warned) {
                LOG.warn("cannot read slot lag of {}: {}", options.slotName(), e.getMessage());
                warned = true;
            }
            closeConnection();
        }
    }

    private void checkReplicaIdentity() throws SQLException {
        if (!options.requireReplicaIdentityFull()) {
            tablesWithoutFullIdentity = 0;
            return;
        }
        List<String> notFull = new ArrayList<>();
        try (PreparedStatement s = connection.prepareStatement(IDENTITY_QUERY)) {
            for (String table : options.tables()) {
                String[] st = table.split("\\.");
                s.setString(1, st[0]);
                s.setString(2, st[1]);
                try (ResultSet rs = s.executeQuery()) {
                    if (rs.next() && !"f".equals(rs.getString(1))) {
                        notFull.add(table);
                    }
                }
            }
        }
        String now = String.join(", ", notFull);
        if (!notFull.isEmpty() && !now.equals(lastWithoutFull)) {
            LOG.warn(
                    "replica identity of {} is no longer FULL: an UPDATE that leaves a TOASTed value"
                            + " unchanged arrives without it, and pg2gp must read the row back from"
                            + " the source (or dead-letter it when it is gone); run ALTER TABLE ..."
                            + " REPLICA IDENTITY FULL",
                    now);
        }
        lastWithoutFull = now;
        tablesWithoutFullIdentity = notFull.size();
    }

    private void closeConnection() {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException ignored) {
            // closing a broken connection
        }
        connection = null;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeConnection();
    }
}
