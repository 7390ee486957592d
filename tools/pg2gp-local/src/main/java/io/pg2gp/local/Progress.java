package io.pg2gp.local;

import io.pg2gp.connector.warehouse.BookkeepingSchema;
import io.pg2gp.jobs.settings.Pg2gpOptions;
import io.pg2gp.jobs.settings.PipelineConfig;
import io.pg2gp.testutils.PostgresServer;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Prints a small status block every few seconds: the jobs and the ingest job's last checkpoint
 * (from Flink's REST API), per table the changes and versions applied in this run (from the
 * warehouse's commit ledger), freshness, dead letters and the replication slot's lag.
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
    private final BookkeepingSchema bookkeeping;
    private final String requestsTable;
    private final String sourceRequests;
    private final Map<String, Long> lastChanges = new HashMap<>();
    private String runStart;
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
        this.slot = config.get(Pg2gpOptions.SOURCE_SLOT);
        this.job = config.get(Pg2gpOptions.NAME);
        this.bookkeeping =
                new BookkeepingSchema(config.get(Pg2gpOptions.WAREHOUSE_BOOKKEEPING_SCHEMA));
        this.sourceRequests = config.get(Pg2gpOptions.SOURCE_REQUESTS_TABLE);
        this.requestsTable = config.get(Pg2gpOptions.WAREHOUSE_SCHEMA) + ".requests_analytical";
        this.jobStatus = jobStatus;
        // Taken now, before the jobs' first checkpoint: the ledger dates a commit by the start of
        // its transaction, and the first one (the snapshot) starts before the first print.
        try (Connection c = warehouse.connect(warehouseDb);
                Statement s = c.createStatement()) {
            this.runStart = scalar(s, "SELECT now()::text");
        } catch (SQLException e) {
            // the first print takes it
        }
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
            System.out.print(render());
        } catch (Exception e) {
            System.out.println(
                    TIME.format(LocalTime.now()) + " progress unavailable: " + shortMessage(e));
        }
    }

    /**
     * A small block that fits 80 columns: the jobs and the ingest job's last completed checkpoint,
     * one line per table (rows now, changes since the last print, versions written and removed
     * since this run started), the requests in warehouse and source, then freshness, dead letters
     * and the slot.
     */
    private String render() throws Exception {
        StringBuilder out = new StringBuilder(TIME.format(LocalTime.now()));
        String requests = "-";
        String health = "";
        out.append(' ').append(jobStatus.call()).append('\n');
        try (Connection c = warehouse.connect(warehouseDb);
                Statement s = c.createStatement()) {
            if (runStart == null) {
                runStart = scalar(s, "SELECT now()::text");
            }
            boolean any = false;
            try (PreparedStatement ledger =
                            c.prepareStatement(
                                    "SELECT target_table, sum(rows_staged + dead_letters),"
                                            + " sum(rows_upserted), sum(rows_deleted) FROM "
                                            + bookkeeping.ledger()
                                            + " WHERE job = ? AND committed_at >= ?::timestamptz"
                                            + " GROUP BY 1 ORDER BY 1");
                    ResultSet rs = bind(ledger, job, runStart).executeQuery()) {
                while (rs.next()) {
                    any = true;
                    String table = rs.getString(1);
                    long changes = rs.getLong(2);
                    long before = lastChanges.getOrDefault(table, 0L);
                    lastChanges.put(table, changes);
                    out.append(
                            String.format(
                                    "  %-20s +%-6d changes  written %,d  removed %,d%n",
                                    table.replaceFirst("^public\\.", ""),
                                    changes - before,
                                    rs.getLong(3),
                                    rs.getLong(4)));
                }
            } catch (SQLException e) {
                // the ledger appears with the first commit
            }
            if (!any) {
                out.append("  warehouse: waiting for the first commit\n");
            }
            try (ResultSet rs =
                    s.executeQuery(
                            "SELECT count(*) FILTER (WHERE NOT _deleted),"
                                    + " extract(epoch FROM max(_synced_at) -"
                                    + " max(_cdc_committed_at)), (SELECT count(*) FROM "
                                    + bookkeeping.deadLetters()
                                    + ") FROM "
                                    + requestsTable)) {
                rs.next();
                requests = String.format("%,d", rs.getLong(1));
                health =
                        String.format(
                                "freshness %.1fs · dead letters %d · ",
                                rs.getDouble(2), rs.getLong(3));
            } catch (SQLException e) {
                // the tables appear with the first commit
            }
        }
        try (Connection c = source.connect(sourceDb);
                PreparedStatement s =
                        c.prepareStatement(
                                "SELECT (SELECT count(*) FROM "
                                        + sourceRequests
                                        + "), (SELECT pg_size_pretty(pg_wal_lsn_diff("
                                        + "pg_current_wal_lsn(), confirmed_flush_lsn))"
                                        + " FROM pg_replication_slots WHERE slot_name = ?)");
                ResultSet rs = bind(s, slot).executeQuery()) {
            rs.next();
            out.append(
                    String.format(
                            "  requests: warehouse %s · source %,d%n  %sslot lag %s%n",
                            requests,
                            rs.getLong(1),
                            health,
                            rs.getString(2) == null ? "(no slot yet)" : rs.getString(2)));
        }
        return out.toString();
    }

    private static PreparedStatement bind(PreparedStatement s, String... values)
            throws SQLException {
        for (int i = 0; i < values.length; i++) {
            s.setString(i + 1, values[i]);
        }
        return s;
    }

    private static String scalar(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
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
