package io.pg2gp.local;

import io.pg2gp.testutils.PostgresServer;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The chaos loop shared by {@code ./pg2gp chaos} and ChaosITCase: a source and a warehouse
 * PostgreSQL, the local session cluster running both shaded jars, seed-shaped demo traffic, and a
 * cycle of faults one after the other ({@code kill -9} of the TaskManager, {@code pg_ctl -m
 * immediate} of the source and of the warehouse, poison values) until the time is up; then it stops
 * the traffic, waits for the pipeline to catch up and compares.
 *
 * <p>The poison: one TRUNCATE of the requests (with the default {@code source.truncate: ignore} the
 * warehouse keeps the rows, so they are copied, in the truncating transaction, to a table outside
 * the publication and stay expected), a widening of {@code tokens_used} to bigint and per round a
 * value out of the warehouse column's range (dead-lettered, then repaired on the source), ±infinity
 * timestamps (carried), and after the faults a dropped column (later changes carry NULL).
 */
final class Chaos {

    /** One fault of the cycle, in this order. */
    enum Fault {
        POISON,
        KILL_TASK_MANAGER,
        RESTART_SOURCE,
        RESTART_WAREHOUSE
    }

    static final Fault[] CYCLE = {
        Fault.POISON,
        Fault.KILL_TASK_MANAGER,
        Fault.RESTART_SOURCE,
        Fault.POISON,
        Fault.KILL_TASK_MANAGER,
        Fault.RESTART_WAREHOUSE,
        Fault.POISON,
        Fault.KILL_TASK_MANAGER
    };

    /** Where and how long. {@code duration} zero: one cycle. */
    record Settings(
            Path repo,
            Path dir,
            List<String> overrides,
            Map<String, String> flink,
            Duration duration,
            Duration pause,
            Duration taskManagerDown,
            Duration sourceDown,
            Duration warehouseDown,
            Duration quiesce,
            int rate,
            int seedUsers,
            int seedRequests,
            int sourcePort,
            int warehousePort) {}

    /** What happened and what the comparison found. */
    record Report(
            long minutes,
            int kills,
            int sourceRestarts,
            int warehouseRestarts,
            long trafficChanges,
            int poisonChanges,
            long expectedDeadLetters,
            long deadLetters,
            long otherDeadLetters,
            RowComparison rows,
            long rollupRows,
            boolean rollupsEqual,
            Map<String, String> jobStates,
            Map<String, Long> restarts) {

        boolean ok() {
            return rows.equal()
                    && rollupsEqual
                    && deadLetters == expectedDeadLetters
                    && otherDeadLetters == 0
                    && jobStates.values().stream().allMatch("RUNNING"::equals);
        }

        void print(PrintStream out) {
            out.println("chaos run: " + minutes + " min");
            out.printf(
                    "  faults:      %d TaskManager kills (kill -9), %d source restarts, %d warehouse"
                            + " restarts (pg_ctl -m immediate)%n",
                    kills, sourceRestarts, warehouseRestarts);
            out.printf(
                    "  traffic:     %d demo changes; %d poison changes%n",
                    trafficChanges, poisonChanges);
            out.println("  comparison:  " + rows);
            out.printf(
                    "  dead letters: %d (expected %d: the TRUNCATE and each out-of-range value),"
                            + " %d other%n",
                    deadLetters, expectedDeadLetters, otherDeadLetters);
            out.printf(
                    "  rollups:     %d hourly agent rows %s SQL over the facts%n",
                    rollupRows, rollupsEqual ? "equal to" : "DIFFER from");
            for (Map.Entry<String, String> job : jobStates.entrySet()) {
                out.printf(
                        "  job %-30s %s, %d restarts%n",
                        job.getKey(), job.getValue(), restarts.get(job.getKey()));
            }
            out.println(ok() ? "RESULT: equal" : "RESULT: NOT equal");
        }
    }

    static final String TRUNCATED = "public.chaos_truncated_requests";

    private static final String REQUEST_COLUMNS =
            "id, user_id, query, response, %s tokens_used, execution_time_ms, status, created_at";

    private static final String SEED_AGENT_STATS =
            "SELECT DATE_TRUNC('hour', created_at), JSONB_EXTRACT_PATH_TEXT(response, 'agent_used'),"
                    + " COUNT(*), AVG(execution_time_ms), SUM(tokens_used), COUNT(DISTINCT user_id),"
                    + " PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY execution_time_ms)"
                    + " FROM public.requests_analytical WHERE isfinite(created_at)"
                    + " GROUP BY 1, 2 ORDER BY 1, 2";
    private static final String ROLLUP_AGENT_STATS =
            "SELECT hour, agent, requests_count, avg_execution_time, total_tokens, unique_users,"
                    + " p95_latency FROM public.rollup_hourly_agent_stats ORDER BY 1, 2";

    private final Settings s;
    private final PrintStream log;
    private final long started = System.nanoTime();
    private PostgresServer source;
    private PostgresServer warehouse;
    private SessionCluster cluster;
    private final Map<String, String> jobs = new HashMap<>();
    private int kills;
    private int sourceRestarts;
    private int warehouseRestarts;
    private int poisonChanges;
    private long outOfRange;
    private boolean widened;

    Chaos(Settings settings, PrintStream log) {
        this.s = settings;
        this.log = log;
    }

    /** Runs the loop and compares; always stops what it started. */
    Report run() throws Exception {
        DemoTraffic traffic = null;
        try {
            source = startSource();
            warehouse = startWarehouse();
            source.createDatabase("app");
            warehouse.createDatabase("warehouse");
            source.execute("app", LocalPipeline.resource("/sql/source/01_schema.sql"));
            source.execute("app", LocalPipeline.resource("/sql/source/02_publication.sql"));
            sql(source, "CREATE TABLE " + TRUNCATED + " (LIKE public.requests)");
            traffic = new DemoTraffic(source, "app", s.rate());
            traffic.seed(s.seedUsers(), s.seedRequests());

            List<String> args =
                    new ArrayList<>(
                            List.of(
                                    "--config",
                                    s.repo().resolve("deploy/local/pipeline.yaml").toString()));
            List<String> overrides = new ArrayList<>();
            overrides.add("source.port=" + source.port());
            overrides.add("warehouse.url=" + warehouse.jdbcUrl("warehouse"));
            overrides.add("pipeline.checkpoint-dir=" + s.dir().resolve("checkpoints").toUri());
            overrides.addAll(s.overrides());
            for (String o : overrides) {
                args.add("--set");
                args.add(o);
            }
            cluster = SessionCluster.start(s.repo(), s.dir().resolve("flink"), s.flink());
            for (String jar : List.of(LocalPipeline.INGEST_JAR, LocalPipeline.ROLLUP_JAR)) {
                String id = cluster.submit(s.repo().resolve(jar), args);
                jobs.put(cluster.jobName(id), id);
            }
            say("jobs submitted: " + jobs);
            awaitJobsRunning();
            await("the snapshot in the warehouse", () -> compare(true).equal());
            traffic.start();
            Thread.sleep(s.pause().toMillis());
            truncate();

            for (int i = 0; i < CYCLE.length || elapsed().compareTo(s.duration()) < 0; i++) {
                Thread.sleep(s.pause().toMillis());
                switch (CYCLE[i % CYCLE.length]) {
                    case POISON -> poison();
                    case KILL_TASK_MANAGER -> killTaskManager();
                    case RESTART_SOURCE -> restartSource();
                    case RESTART_WAREHOUSE -> restartWarehouse();
                }
            }
            traffic.stop();
            say("traffic stopped after " + traffic.changes() + " changes; quiescing");
            awaitJobsRunning();
            await("the warehouse equal to the source", () -> compare(true).equal());
            RowComparison before = compare(true);
            dropColumn();
            await("the changes after the dropped column", () -> compare(false).equal());
            RowComparison rows = before.plus(compare(false));
            List<String> facts = rows(warehouse, SEED_AGENT_STATS);
            await("the rollups equal to SQL over the facts", this::rollupsEqual);
            long poisoned =
                    count(
                            warehouse,
                            "SELECT count(*) FROM pg2gp.dead_letters WHERE reason LIKE 'TRUNCATE%'"
                                    + " OR reason LIKE '%tokens_used value % is out of range%'");
            Map<String, String> states = new HashMap<>();
            Map<String, Long> restarts = new HashMap<>();
            for (Map.Entry<String, String> job : jobs.entrySet()) {
                states.put(job.getKey(), cluster.jobState(job.getValue()));
                restarts.put(job.getKey(), restarts(job.getValue()));
            }
            return new Report(
                    elapsed().toMinutes(),
                    kills,
                    sourceRestarts,
                    warehouseRestarts,
                    traffic.changes(),
                    poisonChanges,
                    outOfRange + 1,
                    poisoned,
                    count(warehouse, "SELECT count(*) FROM pg2gp.dead_letters") - poisoned,
                    rows,
                    facts.size(),
                    rollupsEqual(),
                    states,
                    restarts);
        } finally {
            if (traffic != null) {
                traffic.stop();
            }
            stop();
        }
    }

    private void stop() {
        if (cluster != null) {
            for (String id : jobs.values()) {
                try {
                    cluster.cancel(id);
                } catch (IOException e) {
                    // already gone
                }
            }
            try {
                cluster.close();
            } catch (IOException e) {
                log.println("stopping the Flink cluster: " + e.getMessage());
            }
        }
        if (warehouse != null) {
            warehouse.close();
        }
        if (source != null) {
            source.close();
        }
    }

    /** The Flink logs, for a failed run. */
    Path logDirectory() {
        return s.dir().resolve("flink").resolve("log");
    }

    private PostgresServer startSource() {
        return PostgresServer.builder("source")
                .baseDir(s.dir().resolve("source"))
                .port(s.sourcePort())
                .logicalReplication(true)
                .fastUnsafe(false)
                .keepData(true)
                .start();
    }

    private PostgresServer startWarehouse() {
        return PostgresServer.builder("warehouse")
                .baseDir(s.dir().resolve("warehouse"))
                .port(s.warehousePort())
                .fastUnsafe(false)
                .keepData(true)
                .start();
    }

    /**
     * TRUNCATE with the default {@code ignore}: the warehouse keeps the rows, so they stay
     * expected.
     */
    private void truncate() throws SQLException {
        try (Connection c = source.connect("app");
                Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("LOCK public.requests");
            st.execute("INSERT INTO " + TRUNCATED + " SELECT * FROM public.requests");
            st.execute("TRUNCATE public.requests");
            c.commit();
        }
        poisonChanges++;
        say("TRUNCATE public.requests (rows kept as expected in " + TRUNCATED + ")");
    }

    /** ±infinity (carried) and a value out of the warehouse column's range (dead-lettered). */
    private void poison() throws SQLException {
        if (!widened) {
            sql(source, "ALTER TABLE public.requests ALTER tokens_used TYPE bigint");
            widened = true;
            say("ALTER TABLE public.requests ALTER tokens_used TYPE bigint");
        }
        List<String> ids =
                rows(
                        source.connect("app"),
                        "SELECT id FROM public.requests WHERE isfinite(created_at)"
                                + " ORDER BY random() LIMIT 3");
        if (ids.size() < 3) {
            say("poison skipped: fewer than 3 requests");
            return;
        }
        sql(
                source,
                "UPDATE public.requests SET created_at = 'infinity' WHERE id = '"
                        + ids.get(0)
                        + "'");
        sql(
                source,
                "UPDATE public.requests SET created_at = '-infinity' WHERE id = '"
                        + ids.get(1)
                        + "'");
        long huge = 5_000_000_001L + outOfRange;
        sql(
                source,
                "UPDATE public.requests SET tokens_used = "
                        + huge
                        + " WHERE id = '"
                        + ids.get(2)
                        + "'");
        // the operator's repair: the next change of the row lands
        sql(source, "UPDATE public.requests SET tokens_used = 5 WHERE id = '" + ids.get(2) + "'");
        outOfRange++;
        poisonChanges += 4;
        say("poison: ±infinity created_at, tokens_used " + huge + " then repaired");
    }

    private void killTaskManager() throws Exception {
        cluster.taskManager("kill");
        kills++;
        say("TaskManager killed (kill -9)");
        Thread.sleep(s.taskManagerDown().toMillis());
        cluster.taskManager("start");
        say("TaskManager started");
    }

    private void restartSource() throws InterruptedException {
        source.close();
        sourceRestarts++;
        say("source stopped (pg_ctl -m immediate), down for " + s.sourceDown().toSeconds() + " s");
        Thread.sleep(s.sourceDown().toMillis());
        source = startSource();
        say("source started");
    }

    private void restartWarehouse() throws InterruptedException {
        warehouse.close();
        warehouseRestarts++;
        say(
                "warehouse stopped (pg_ctl -m immediate), down for "
                        + s.warehouseDown().toSeconds()
                        + " s");
        Thread.sleep(s.warehouseDown().toMillis());
        warehouse = startWarehouse();
        say("warehouse started");
    }

    /** DROP COLUMN model on the source: the changes after it carry NULL. */
    private void dropColumn() throws SQLException {
        sql(source, "ALTER TABLE public.requests DROP COLUMN model");
        sql(
                source,
                "UPDATE public.requests SET status = 'after-drop' WHERE id IN (SELECT id FROM"
                        + " public.requests ORDER BY id LIMIT 5)");
        sql(
                source,
                "INSERT INTO public.requests (id, user_id, query, status) SELECT"
                        + " '00000000-0000-0000-0000-0000000d0d0d', id, 'after the drop',"
                        + " 'after-drop' FROM public.users ORDER BY id LIMIT 1");
        poisonChanges += 7;
        say("DROP COLUMN model, then 5 updates and 1 insert");
    }

    /**
     * Requests and users: expected computed by the source (the live rows and the truncated ones),
     * against the warehouse. {@code withModel} false after the column is dropped: then the rows
     * changed after the drop must hold NULL there (counted as differing otherwise).
     */
    private RowComparison compare(boolean withModel) {
        try {
            String columns = String.format(REQUEST_COLUMNS, withModel ? "model," : "");
            String expected =
                    "SELECT r.id, r.user_id, r.query, r.response::text, "
                            + (withModel ? "r.model, " : "")
                            + "r.tokens_used, r.execution_time_ms, r.status, r.created_at, u.email,"
                            + " u.role,"
                            + " CASE WHEN jsonb_typeof(r.response) = 'object' THEN r.response->>'agent_used' END,"
                            + " CASE WHEN jsonb_typeof(r.response) = 'object' THEN r.response->>'query_type' END,"
                            + " CASE WHEN isfinite(r.created_at) THEN EXTRACT(HOUR FROM r.created_at)::int END,"
                            + " CASE WHEN isfinite(r.created_at) THEN EXTRACT(DOW FROM r.created_at)::int END,"
                            + " CASE WHEN isfinite(r.created_at) THEN EXTRACT(DOW FROM r.created_at) IN (0, 6) END,"
                            + " CASE WHEN isfinite(r.created_at) THEN r.created_at::date END"
                            + " FROM (SELECT "
                            + columns
                            + " FROM public.requests UNION ALL SELECT "
                            + columns
                            + " FROM "
                            + TRUNCATED
                            + ") r LEFT JOIN public.users u ON u.id = r.user_id";
            String actual =
                    "SELECT id, user_id, query, response::text, "
                            + (withModel ? "model, " : "")
                            + "tokens_used, execution_time_ms, status, created_at, user_email,"
                            + " user_role, agent_used, query_type, hour_of_day, day_of_week,"
                            + " is_weekend, created_date FROM public.requests_analytical";
            RowComparison requests =
                    RowComparison.of(
                            source.connect("app"),
                            expected,
                            warehouse.connect("warehouse"),
                            actual);
            RowComparison users =
                    RowComparison.of(
                            source.connect("app"),
                            "SELECT id, email, role, registered_at FROM public.users",
                            warehouse.connect("warehouse"),
                            "SELECT id, email, role, registered_at FROM public.users_dim");
            RowComparison all = requests.plus(users);
            if (!withModel) {
                long notNull =
                        count(
                                warehouse,
                                "SELECT count(*) FROM public.requests_analytical WHERE status ="
                                        + " 'after-drop' AND model IS NOT NULL");
                all = all.plus(new RowComparison(0, 0, 0, 0, notNull, List.of()));
            }
            return all;
        } catch (SQLException e) {
            // a database restarting: not equal yet
            return new RowComparison(0, 0, 0, 0, 1, List.of(e.getMessage()));
        }
    }

    private boolean rollupsEqual() {
        try {
            List<String> expected = rows(warehouse, SEED_AGENT_STATS);
            return !expected.isEmpty() && expected.equals(rows(warehouse, ROLLUP_AGENT_STATS));
        } catch (SQLException e) {
            return false;
        }
    }

    private void awaitJobsRunning() throws InterruptedException {
        await(
                "both jobs running",
                () -> {
                    try {
                        for (String id : jobs.values()) {
                            if (!cluster.fullyRunning(id)) {
                                return false;
                            }
                        }
                        return true;
                    } catch (IOException e) {
                        return false;
                    }
                });
    }

    /** Polls {@code condition} up to the quiesce time; says how long it took, never throws. */
    private void await(String what, Supplier<Boolean> condition) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + s.quiesce().toNanos();
        while (!condition.get()) {
            String ended = endedJob();
            if (ended != null) {
                say("not waiting for " + what + ": " + ended);
                return;
            }
            if (System.nanoTime() > deadline) {
                say("gave up waiting for " + what + " after " + s.quiesce().toSeconds() + " s");
                return;
            }
            Thread.sleep(1000);
        }
        say(what + " after " + (System.nanoTime() - start) / 1_000_000_000L + " s");
    }

    /** A job that ended (FAILED after its restart budget, say), or null while all live. */
    private String endedJob() {
        for (Map.Entry<String, String> job : jobs.entrySet()) {
            try {
                String state = cluster.jobState(job.getValue());
                if (List.of("FAILED", "CANCELED", "FINISHED").contains(state)) {
                    return "job " + job.getKey() + " is " + state;
                }
            } catch (IOException e) {
                // the REST API is busy or restarting: ask again next time
            }
        }
        return null;
    }

    private long restarts(String job) throws IOException {
        for (JsonNode m : cluster.rest("/jobs/" + job + "/metrics?get=numRestarts")) {
            return m.path("value").asLong();
        }
        return -1;
    }

    private Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - started);
    }

    private void say(String what) {
        long sec = elapsed().toSeconds();
        log.printf("[%02d:%02d] %s%n", sec / 60, sec % 60, what);
    }

    private static void sql(PostgresServer server, String statement) throws SQLException {
        try (Connection c = server.connect(databaseOf(server));
                Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    private static String databaseOf(PostgresServer server) {
        return server.name().equals("source") ? "app" : "warehouse";
    }

    private static long count(PostgresServer server, String sql) throws SQLException {
        try (Connection c = server.connect(databaseOf(server));
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<String> rows(PostgresServer server, String sql) throws SQLException {
        return rows(server.connect(databaseOf(server)), sql);
    }

    private static List<String> rows(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        for (String[] row : RowComparison.rows(c, sql)) {
            out.add(row[1]);
        }
        return out;
    }
}
