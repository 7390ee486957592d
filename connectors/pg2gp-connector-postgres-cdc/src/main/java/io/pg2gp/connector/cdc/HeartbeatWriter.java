package io.pg2gp.connector.cdc;

import org.apache.flink.annotation.PublicEvolving;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Updates the heartbeat table every interval from its own connection, whatever the stream reader
 * does. Debezium's {@code heartbeat.action.query} cannot do this job: it runs only after the stream
 * has seen a message since it (re)started, and PostgreSQL 15's pgoutput sends none for transactions
 * on tables outside the publication, so an idle source never beats and its slot holds every WAL
 * segment written since the job started. Each update here is a change on a captured table: the
 * stream reads it, the next checkpoint commits its LSN to the slot.
 *
 * <p>A failed update is logged (once per outage) and retried next interval; it never fails the job,
 * whose own connections report a source outage.
 */
@PublicEvolving
final class HeartbeatWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HeartbeatWriter.class);

    private final PostgresCdcOptions options;
    private final String update;
    private final ScheduledExecutorService timer;
    private Connection connection;
    private boolean failing;
    private long beats;

    HeartbeatWriter(PostgresCdcOptions options) {
        this.options = options;
        this.update = "UPDATE " + options.heartbeatTable() + " SET beat_at = now()";
        this.timer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "pg2gp-cdc-heartbeat");
                            t.setDaemon(true);
                            return t;
                        });
    }

    void start() {
        long every = options.heartbeatInterval().toMillis();
        timer.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
        LOG.info("heartbeat: '{}' every {}", update, options.heartbeatInterval());
    }

    /** Updates done so far. */
    synchronized long beats() {
        return beats;
    }

    private synchronized void beat() {
        try {
            if (connection == null) {
                connection = options.connect("pg2gp heartbeat");
                connection.setAutoCommit(true);
            }
            try (Statement s = connection.createStatement()) {
                s.setQueryTimeout(30);
                if (s.executeUpdate(update) == 0) {
                    // an emptied table: beat_at needs its one row back
                    s.executeUpdate(
                            "INSERT INTO "
                                    + options.heartbeatTable()
                                    + " (id, beat_at) VALUES (1, now())");
                }
            }
            beats++;
            if (failing) {
                LOG.info("heartbeat: updating {} again", options.heartbeatTable());
                failing = false;
            }
        } catch (SQLException | RuntimeException e) {
            if (!failing) {
                LOG.warn(
                        "heartbeat: cannot update {} ({}); retrying every {}",
                        options.heartbeatTable(),
                        e.getMessage(),
                        options.heartbeatInterval());
                failing = true;
            }
            closeConnection();
        }
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // broken anyway
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        synchronized (this) {
            closeConnection();
        }
    }
}
