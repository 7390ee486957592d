package io.pg2gp.benchmarks;

import io.pg2gp.testutils.PostgresServer;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a sink measurement cost, besides its wall time, which a loaded 2-core machine bends: WAL
 * bytes written per row, CPU-seconds of this JVM and of the warehouse server (postmaster and every
 * backend, from {@code /proc}) per million rows, and with pg_stat_statements the server's time in
 * staging statements versus everything else. Those do not depend on what else the machine runs.
 */
final class SinkCost {

    /** The warehouse settings that decide how much a write costs, printed once per benchmark. */
    static final List<String> SETTINGS =
            List.of(
                    "shared_buffers",
                    "wal_buffers",
                    "wal_level",
                    "wal_compression",
                    "max_wal_size",
                    "min_wal_size",
                    "checkpoint_timeout",
                    "checkpoint_completion_target",
                    "synchronous_commit",
                    "fsync",
                    "full_page_writes",
                    "temp_buffers",
                    "autovacuum");

    /** Server-side statement time, from pg_stat_statements (reset at {@link #start}). */
    record StatementTime(
            double stagingMillis, long stagingCalls, double otherMillis, List<String> top) {}

    /** One measurement's figures. */
    record Figures(
            double walBytesPerRow,
            double jvmCpuPerMillion,
            double serverCpuPerMillion,
            StatementTime statements,
            String loadAverage) {

        String describe() {
            return String.format(
                    "WAL %.0f B/row; CPU-s per 1M rows: JVM %.2f, server %.2f; load %s",
                    walBytesPerRow, jvmCpuPerMillion, serverCpuPerMillion, loadAverage);
        }
    }

    private final PostgresServer server;
    private final Optional<CoordinatorCpu> serverCpu;
    private long logStart;
    private long walStart;
    private double serverCpuStart;
    private double jvmCpuStart;

    private SinkCost(PostgresServer server) {
        this.server = server;
        this.serverCpu = CoordinatorCpu.postgres(server.dataDir());
    }

    /**
     * Loads pg_stat_statements' view into the maintenance database (the preload is the server's).
     */
    static void prepare(PostgresServer server) {
        server.execute("postgres", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    }

    static String settings(PostgresServer server) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = server.connect("postgres");
                Statement s = c.createStatement()) {
            for (String name : SETTINGS) {
                try (ResultSet rs = s.executeQuery("SHOW " + name)) {
                    rs.next();
                    out.add(name + "=" + rs.getString(1));
                }
            }
        }
        return String.join(", ", out);
    }

    static SinkCost start(PostgresServer server) throws Exception {
        SinkCost cost = new SinkCost(server);
        try (Connection c = server.connect("postgres");
                Statement s = c.createStatement()) {
            s.execute("SELECT pg_stat_statements_reset()");
            cost.walStart = lsn(s);
        }
        cost.logStart = Files.exists(server.logFile()) ? Files.size(server.logFile()) : 0;
        cost.serverCpuStart = cost.serverSeconds();
        cost.jvmCpuStart = jvmSeconds();
        return cost;
    }

    Figures stop(long rows) throws Exception {
        double jvm = jvmSeconds() - jvmCpuStart;
        double srv = serverSeconds() - serverCpuStart;
        long wal;
        StatementTime statements;
        try (Connection c = server.connect("postgres");
                Statement s = c.createStatement()) {
            wal = lsn(s) - walStart;
            statements = statementTime(s);
        }
        double perMillion = 1e6 / rows;
        return new Figures(
                wal / (double) rows, jvm * perMillion, srv * perMillion, statements, loadAverage());
    }

    private static long lsn(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Staging statements: what the writers send into {@code pg2gp.stage_*} (COPY of rows, INSERT of
     * chunks or dead letters); the rest is the committers' apply and the bookkeeping around it.
     */
    private static StatementTime statementTime(Statement s) throws SQLException {
        try (ResultSet rs =
                s.executeQuery(
                        "SELECT coalesce(sum(total_exec_time) FILTER (WHERE staging), 0),"
                                + " coalesce(sum(calls) FILTER (WHERE staging), 0),"
                                + " coalesce(sum(total_exec_time) FILTER (WHERE NOT staging), 0)"
                                + " FROM (SELECT total_exec_time, calls, query ~*"
                                + " '^\\s*(COPY|INSERT INTO) pg2gp\\.stage_' AS staging FROM"
                                + " pg_stat_statements WHERE query !~* 'pg_stat_statements|"
                                + "pg_current_wal_lsn') q")) {
            rs.next();
            return new StatementTime(
                    rs.getDouble(1), rs.getLong(2), rs.getDouble(3), topStatements(s));
        }
    }

    /**
     * The statements that cost the server most, with their WAL: where a sink's time and WAL go
     * (autovacuum is no statement: see {@link #tableActivity}).
     */
    private static List<String> topStatements(Statement s) throws SQLException {
        List<String> out = new ArrayList<>();
        try (ResultSet rs =
                s.executeQuery(
                        "SELECT calls, total_exec_time, wal_bytes, rows,"
                                + " CASE WHEN length(q) <= 150 THEN q ELSE left(q, 75) || ' ... ' ||"
                                + " right(q, 70) END FROM (SELECT *, regexp_replace(query, '\\s+',"
                                + " ' ', 'g') AS q FROM pg_stat_statements) p"
                                + " WHERE query !~* 'pg_stat_statements|"
                                + "pg_current_wal_lsn' ORDER BY total_exec_time DESC LIMIT 14")) {
            while (rs.next()) {
                out.add(
                        String.format(
                                "%6d calls %9.0f ms %8.1f MB WAL %9d rows  %s",
                                rs.getLong(1),
                                rs.getDouble(2),
                                rs.getDouble(3) / 1e6,
                                rs.getLong(4),
                                rs.getString(5)));
            }
        }
        return out;
    }

    /**
     * Per table of {@code db}: rows inserted and deleted, and how often autovacuum and autoanalyze
     * ran on it during the measurement (fresh database per measurement).
     */
    static List<String> tableActivity(PostgresServer server, String db) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = server.connect(db);
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT schemaname || '.' || relname, n_tup_ins, n_tup_del,"
                                        + " autovacuum_count, autoanalyze_count,"
                                        + " pg_total_relation_size(relid) / 1048576 FROM"
                                        + " pg_stat_user_tables WHERE n_tup_ins > 0 ORDER BY"
                                        + " n_tup_ins DESC")) {
            while (rs.next()) {
                out.add(
                        String.format(
                                "%-44s ins %9d del %9d autovacuum %d autoanalyze %d, %d MB",
                                rs.getString(1),
                                rs.getLong(2),
                                rs.getLong(3),
                                rs.getLong(4),
                                rs.getLong(5),
                                rs.getLong(6)));
            }
        }
        return out;
    }

    private double serverSeconds() throws IOException {
        return serverCpu.isPresent() ? serverCpu.get().seconds() : Double.NaN;
    }

    private static double jvmSeconds() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }

    private static final java.util.regex.Pattern AUTOVACUUM =
            java.util.regex.Pattern.compile("automatic (vacuum|analyze) of table \"([^\"]+)\"");
    private static final java.util.regex.Pattern CPU =
            java.util.regex.Pattern.compile("CPU: user: ([0-9.]+) s, system: ([0-9.]+) s");

    /**
     * Autovacuum's and autoanalyze's CPU-seconds per table since {@link #start}, from the server
     * log ({@code log_autovacuum_min_duration = 0}): work no statement accounts for.
     */
    List<String> autovacuum() throws IOException {
        Path log = server.logFile();
        if (!Files.exists(log)) {
            return List.of();
        }
        byte[] all = Files.readAllBytes(log);
        String text =
                new String(
                        all,
                        (int) Math.min(logStart, all.length),
                        all.length - (int) Math.min(logStart, all.length),
                        java.nio.charset.StandardCharsets.UTF_8);
        java.util.Map<String, double[]> perTable = new java.util.TreeMap<>();
        String current = null;
        for (String line : text.split("\n")) {
            var m = AUTOVACUUM.matcher(line);
            if (m.find()) {
                current = m.group(1) + " " + m.group(2);
            }
            var cpu = CPU.matcher(line);
            if (current != null && cpu.find()) {
                double[] v = perTable.computeIfAbsent(current, k -> new double[2]);
                v[0] += Double.parseDouble(cpu.group(1)) + Double.parseDouble(cpu.group(2));
                v[1]++;
                current = null;
            }
        }
        List<String> out = new ArrayList<>();
        perTable.forEach(
                (k, v) ->
                        out.add(String.format("auto %-50s %3.0f runs %6.2f CPU-s", k, v[1], v[0])));
        return out;
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }
}
