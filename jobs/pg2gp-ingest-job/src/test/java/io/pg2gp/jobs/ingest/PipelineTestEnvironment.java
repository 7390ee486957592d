package io.pg2gp.jobs.ingest;

import io.pg2gp.jobs.settings.PipelineConfig;
import io.pg2gp.testutils.DatabaseServer;
import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SharedGreenplum;
import io.pg2gp.testutils.SharedPostgres;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A source database (schema, publication) and a warehouse database of their own on the shared test
 * servers (the warehouse on PostgreSQL or on the shared Greenplum cluster), plus the pipeline
 * settings that connect them, and the queries that say what the warehouse must hold.
 */
public final class PipelineTestEnvironment implements AutoCloseable {

    private static final AtomicInteger SLOTS = new AtomicInteger();

    public final PostgresServer source;
    public final DatabaseServer warehouse;
    public final String sourceDb;
    public final String warehouseDb;
    public final String slot =
            "it_" + ProcessHandle.current().pid() + "_" + SLOTS.incrementAndGet();
    public final Map<String, String> settings = new HashMap<>();

    public PipelineTestEnvironment() {
        this(SharedPostgres.source(), SharedPostgres.warehouse());
    }

    /** On servers of the caller's; {@code source} needs {@code wal_level=logical}. */
    public PipelineTestEnvironment(PostgresServer source, DatabaseServer warehouse) {
        this(source, warehouse, warehouse.createDatabase(SharedPostgres.uniqueDatabase("wh")));
    }

    /** As above, into the caller's (empty) {@code warehouseDb} on {@code warehouse}. */
    public PipelineTestEnvironment(
            PostgresServer source, DatabaseServer warehouse, String warehouseDb) {
        this.source = source;
        this.warehouse = warehouse;
        this.sourceDb = source.createDatabase(SharedPostgres.uniqueDatabase("src"));
        this.warehouseDb = warehouseDb;
        source.execute(sourceDb, resource("/sql/source/01_schema.sql"));
        source.execute(sourceDb, resource("/sql/source/02_publication.sql"));
        settings.put("pipeline.name", "it");
        settings.put("pipeline.parallelism", "2");
        settings.put("pipeline.checkpoint-interval", "1s");
        settings.put("pipeline.restart.attempts", "20");
        settings.put("pipeline.restart.initial-delay", "1s");
        settings.put("pipeline.restart.max-delay", "2s");
        settings.put("pipeline.restart.reset-after", "30s");
        settings.put("source.host", "127.0.0.1");
        settings.put("source.port", String.valueOf(source.port()));
        settings.put("source.database", sourceDb);
        settings.put("source.user", PostgresServer.SUPERUSER);
        settings.put("source.slot-name", slot);
        settings.put("source.parallelism", "2");
        settings.put("source.snapshot.split-size", "1000");
        settings.put("source.heartbeat.interval", "1s");
        settings.put("source.heartbeat.table", "public.pg2gp_heartbeat");
        settings.put("warehouse.url", warehouse.jdbcUrl(warehouseDb));
        settings.put("warehouse.user", warehouse.user());
        settings.put("warehouse.create-tables", "true");
        settings.put("enrichment.max-wait", "2s");
    }

    /**
     * A warehouse database of its own on the shared Greenplum cluster (skips the test where there
     * is none); {@code warehouseDb} null for a fresh one.
     */
    public static PipelineTestEnvironment onGreenplum(String warehouseDb) {
        GreenplumCluster gp = SharedGreenplum.cluster();
        PipelineTestEnvironment env =
                warehouseDb == null
                        ? new PipelineTestEnvironment(SharedPostgres.source(), gp)
                        : new PipelineTestEnvironment(SharedPostgres.source(), gp, warehouseDb);
        if (gp.password() != null) {
            env.settings.put("warehouse.password-env", GreenplumCluster.ENV_PASSWORD);
        }
        return env;
    }

    public PipelineConfig config() {
        return PipelineConfig.fromMap(settings);
    }

    public Connection sourceConnection() throws SQLException {
        return source.connect(sourceDb);
    }

    public Connection warehouseConnection() throws SQLException {
        return warehouse.connect(warehouseDb);
    }

    public static String resource(String path) {
        try (InputStream in = PipelineTestEnvironment.class.getResourceAsStream(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("missing resource " + path, e);
        }
    }

    /** What requests_analytical must hold, computed by PostgreSQL itself from the source rows. */
    public List<String> expectedRequests() throws SQLException {
        return rows(
                sourceConnection(),
                "SELECT r.id, r.user_id, r.query, r.response::text, r.model, r.tokens_used,"
                        + " r.execution_time_ms, r.status, r.created_at, u.email, u.role,"
                        + " CASE WHEN jsonb_typeof(r.response) = 'object' THEN r.response->>'agent_used' END,"
                        + " CASE WHEN jsonb_typeof(r.response) = 'object' THEN r.response->>'query_type' END,"
                        // ±infinity: no hour, day or date (the pipeline leaves them NULL)
                        + " CASE WHEN isfinite(r.created_at) THEN EXTRACT(HOUR FROM r.created_at)::int END,"
                        + " CASE WHEN isfinite(r.created_at) THEN EXTRACT(DOW FROM r.created_at)::int END,"
                        + " CASE WHEN isfinite(r.created_at) THEN EXTRACT(DOW FROM r.created_at) IN (0, 6) END,"
                        + " CASE WHEN isfinite(r.created_at) THEN r.created_at::date END"
                        + " FROM public.requests r LEFT JOIN public.users u ON u.id = r.user_id ORDER BY r.id");
    }

    public List<String> actualRequests() throws SQLException {
        return rows(
                warehouseConnection(),
                "SELECT id, user_id, query, response::text, model, tokens_used, execution_time_ms,"
                        + " status, created_at, user_email, user_role, agent_used, query_type,"
                        + " hour_of_day, day_of_week, is_weekend, created_date"
                        + " FROM public.requests_analytical ORDER BY id");
    }

    public List<String> expectedUsers() throws SQLException {
        return rows(
                sourceConnection(),
                "SELECT id, email, role, registered_at FROM public.users ORDER BY id");
    }

    public List<String> actualUsers() throws SQLException {
        return rows(
                warehouseConnection(),
                "SELECT id, email, role, registered_at FROM public.users_dim ORDER BY id");
    }

    public static List<String> rows(Connection c, String sql) throws SQLException {
        try (c;
                Statement s = c.createStatement()) {
            s.execute("SET TIME ZONE 'UTC'");
            List<String> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery(sql)) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    StringBuilder sb = new StringBuilder();
                    for (int i = 1; i <= n; i++) {
                        sb.append(i > 1 ? " | " : "").append(rs.getString(i));
                    }
                    out.add(sb.toString());
                }
            }
            return out;
        }
    }

    public long count(Connection c, String sql) throws SQLException {
        try (c;
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Polls until the warehouse equals the source, or fails with the first difference. */
    public void awaitWarehouseEqualsSource(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> lastExpected = List.of();
        List<String> lastActual = List.of();
        while (System.nanoTime() < deadline) {
            lastExpected = expectedRequests();
            lastActual = actualRequests();
            if (lastExpected.equals(lastActual) && expectedUsers().equals(actualUsers())) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError(describeDifference(lastExpected, lastActual));
    }

    public static String describeDifference(List<String> expected, List<String> actual) {
        List<String> missing = new ArrayList<>(expected);
        missing.removeAll(actual);
        List<String> extra = new ArrayList<>(actual);
        extra.removeAll(expected);
        return "warehouse differs from source: expected "
                + expected.size()
                + " rows, found "
                + actual.size()
                + "\n  missing or wrong (first 5): "
                + missing.subList(0, Math.min(5, missing.size()))
                + "\n  extra or wrong (first 5): "
                + extra.subList(0, Math.min(5, extra.size()));
    }

    public static void await(String what, Duration timeout, Supplier<Boolean> condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    /** Terminates the warehouse sessions of the pipeline (an injected failure of the sink). */
    public int killWarehouseSessions() throws SQLException {
        return (int)
                count(
                        warehouseConnection(),
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name LIKE 'pg2gp%'"
                                + " AND datname = current_database()");
    }

    /** Sessions the pipeline holds in the warehouse (writers and committers). */
    public long warehouseSessions() {
        try {
            return count(
                    warehouseConnection(),
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'pg2gp%'"
                            + " AND datname = current_database()");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Terminates the walsender streaming this test's slot (an injected failure of the source). */
    public int killWalSender() throws SQLException {
        return (int)
                count(
                        sourceConnection(),
                        "SELECT count(pg_terminate_backend(active_pid)) FROM pg_replication_slots WHERE slot_name = '"
                                + slot
                                + "' AND active_pid IS NOT NULL");
    }

    @Override
    public void close() throws Exception {
        // A cancelled job's walsender can hold the slot a moment after the cancel returns, and a
        // check of pg_replication_slots.active races the drop: retry the drop while the slot is in
        // use (55006), and fail rather than leave the slot behind.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try (Connection c = sourceConnection();
                Statement s = c.createStatement()) {
            while (true) {
                try {
                    s.execute(
                            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                                    + " WHERE slot_name = '"
                                    + slot
                                    + "'");
                    return;
                } catch (SQLException e) {
                    if (!"55006".equals(e.getSQLState()) || System.nanoTime() > deadline) {
                        throw e;
                    }
                }
                Thread.sleep(200);
            }
        }
    }
}
