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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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
        // Taken now, before the jobs start: the ledger dates a commit by the start of its
        // transaction, and the first ones (the snapshot) start before the first print.
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
            String block = render();
            if (!stopped) {
                System.out.print(block);
            }
        } catch (Exception e) {
            // a print under way when the run stops finds the databases going away
            if (stopped) {
                return;
            }
            System.out.println(
                    TIME.format(LocalTime.now()) + " progress unavailable: " + shortMessage(e));
        }
    }

    /** Reads what the block shows, from Flink's REST API, the warehouse and the source. */
    private String render() throws Exception {
        String time = TIME.format(LocalTime.now());
        String jobs = jobStatus.call();
        List<StatusBlock.TableLine> tables = new ArrayList<>();
        Long requests = null;
        double freshness = 0;
        long deadLetters = 0;
        try (Connection c = warehouse.connect(warehouseDb);
                Statement s = c.createStatement()) {
            if (runStart == null) {
                runStart = scalar(s, "SELECT now()::text");
            }
            try (PreparedStatement ledger =
                            c.prepareStatement(
                                    "SELECT target_table, sum(rows_staged + dead_letters),"
                                            + " sum(rows_upserted), sum(rows_deleted) FROM "
                                            + bookkeeping.ledger()
                                            + " WHERE job = ? AND committed_at >= ?::timestamptz"
                                            + " GROUP BY 1 ORDER BY 1");
                    ResultSet rs = bind(ledger, job, runStart).executeQuery()) {
                while (rs.next()) {
                    String table = rs.getString(1);
                    long changes = rs.getLong(2);
                    long before = lastChanges.getOrDefault(table, 0L);
                    lastChanges.put(table, changes);
                    tables.add(
                            new StatusBlock.TableLine(
                                    table, changes - before, rs.getLong(3), rs.getLong(4)));
                }
            } catch (SQLException e) {
                // the ledger appears with the first commit
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
                requests = rs.getLong(1);
                freshness = rs.getDouble(2);
                deadLetters = rs.getLong(3);
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
            return new StatusBlock(
                            time,
                            jobs,
                            tables,
                            requests,
                            freshness,
                            deadLetters,
                            rs.getLong(1),
                            rs.getString(2))
                    .render();
        }
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
