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
    record StatementTime(double stagingMillis, long stagingCalls, double otherMillis) {}

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
            return new StatementTime(rs.getDouble(1), rs.getLong(2), rs.getDouble(3));
        }
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

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }
}
