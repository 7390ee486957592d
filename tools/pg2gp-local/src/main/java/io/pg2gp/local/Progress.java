package io.pg2gp.local;

import io.pg2gp.jobs.ingest.config.PipelineConfig;
import io.pg2gp.jobs.ingest.config.PipelineOptions;
import io.pg2gp.testutils.PostgresServer;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Prints one line every few seconds: job status, rows read and applied per table, replication slot
 * lag, freshness of the warehouse and the last applied checkpoint, read from the databases the
 * pipeline writes (its commit ledger) rather than from Flink's internals.
 */
final class Progress {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final PostgresServer source;
    private final String sourceDb;
    private final PostgresServer warehouse;
    private final String warehouseDb;
    private final String slot;
    private final String job;
    private final Callable<String> jobStatus;
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(
                    r -> {
                        Thread t = new Thread(r, "pg2gp-progress");
                        t.setDaemon(true);
                        return t;
                    });
    private long lastRequests;
    private volatile boolean stopped;

    Progress(
            PostgresServer source,
            String sourceDb,
            PostgresServer warehouse,
            String warehouseDb,
            PipelineConfig config,
            Callable<String> jobStatus,
            int webPort) {
        this.source = source;
        this.sourceDb = sourceDb;
        this.warehouse = warehouse;
        this.warehouseDb = warehouseDb;
        this.slot = config.get(PipelineOptions.SOURCE_SLOT);
        this.job = config.get(PipelineOptions.NAME);
        this.jobStatus = jobStatus;
    }

    void start(int everySeconds) {
        timer.scheduleAtFixedRate(this::print, everySeconds, everySeconds, TimeUnit.SECONDS);
    }

    void stop() {
        stopped = true;
        timer.shutdownNow();
    }

    private void print() {
        if (stopped) {
            return;
        }
        try {
            String status = jobStatus.call();
            String lag;
            try (Connection c = source.connect(sourceDb);
                    Statement s = c.createStatement();
                    ResultSet rs =
                            s.executeQuery(
                                    "SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)),"
                                            + " (SELECT count(*) FROM public.requests) FROM pg_replication_slots"
                                            + " WHERE slot_name = '"
                                            + slot
                                            + "'")) {
                lag =
                        rs.next()
                                ? rs.getString(1) + " (source has " + rs.getLong(2) + " requests)"
                                : "no slot yet";
            }
            StringBuilder line =
                    new StringBuilder(TIME.format(LocalTime.now())).append(" | ").append(status);
            try (Connection c = warehouse.connect(warehouseDb);
                    Statement s = c.createStatement()) {
                long requests = 0;
                try (ResultSet rs =
                        s.executeQuery(
                                "SELECT target_table, sum(rows_staged + dead_letters), sum(rows_upserted), sum(rows_deleted),"
                                        + " max(checkpoint_id), extract(epoch FROM now() - max(committed_at))"
                                        + " FROM pg2gp.commit_ledger WHERE job = '"
                                        + job
                                        + "' GROUP BY 1 ORDER BY 1")) {
                    while (rs.next()) {
                        String t = rs.getString(1).replaceFirst("^public\\.", "");
                        line.append(" | ")
                                .append(t)
                                .append(": read ")
                                .append(rs.getLong(2))
                                .append(", upserted ")
                                .append(rs.getLong(3))
                                .append(", deleted ")
                                .append(rs.getLong(4))
                                .append(", checkpoint #")
                                .append(rs.getLong(5))
                                .append(String.format(" %.1fs ago", rs.getDouble(6)));
                        if (t.equals("requests_analytical")) {
                            requests = rs.getLong(2);
                        }
                    }
                } catch (SQLException e) {
                    line.append(" | warehouse: waiting for the first commit");
                }
                try (ResultSet rs =
                        s.executeQuery(
                                "SELECT extract(epoch FROM max(_synced_at) - max(_cdc_committed_at)),"
                                        + " (SELECT count(*) FROM pg2gp.dead_letters) FROM public.requests_analytical")) {
                    if (rs.next()) {
                        line.append(
                                String.format(
                                        " | freshness %.1fs | dead letters %d",
                                        rs.getDouble(1), rs.getLong(2)));
                    }
                } catch (SQLException e) {
                    // tables appear with the first commit
                }
                line.append(" | +")
                        .append(Math.max(0, requests - lastRequests))
                        .append(" request changes");
                lastRequests = requests;
            }
            line.append(" | slot lag ").append(lag);
            System.out.println(line);
        } catch (Exception e) {
            System.out.println(
                    TIME.format(LocalTime.now()) + " | progress unavailable: " + shortMessage(e));
        }
    }

    /**
     * The first line of an error's message, at most 160 characters: a REST error's body holds the
     * server's whole stack trace, which must not fill the terminal every few seconds.
     */
    static String shortMessage(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        m = m.strip();
        int eol = m.indexOf('\n');
        if (eol >= 0) {
            m = m.substring(0, eol).strip() + " ...";
        }
        return m.length() > 160 ? m.substring(0, 157) + "..." : m;
    }
}
