package io.pg2gp.jobs.rollup;

import io.pg2gp.jobs.ingest.IngestPipelineITCase;
import io.pg2gp.jobs.ingest.PipelineTestEnvironment;
import io.pg2gp.jobs.settings.PipelineConfig;
import io.pg2gp.testutils.SeedWorkload;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ingest and rollup jobs together on a MiniCluster against real PostgreSQL: after a randomized
 * workload (inserts into past hours, updates that move rows between hours and agents, deletes, late
 * rows) every rollup row equals the seed's SQL over the fact table, the rollup job survives a stop
 * with savepoint and restore, and a backfill rebuilds exactly what the job maintained.
 */
class RollupJobITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    private static final Duration CONVERGE = Duration.ofSeconds(120);

    /** Scenario 2 of the seed, as written there, over the warehouse's fact table. */
    private static final String SEED_AGENT_STATS =
            "SELECT DATE_TRUNC('hour', created_at) AS hour,"
                    + " JSONB_EXTRACT_PATH_TEXT(response, 'agent_used') AS agent, COUNT(*),"
                    + " AVG(execution_time_ms), SUM(tokens_used), COUNT(DISTINCT user_id),"
                    + " PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY execution_time_ms)"
                    + " FROM public.requests_analytical WHERE NOT _deleted GROUP BY 1, 2"
                    + " ORDER BY 1, 2";

    private static final String ROLLUP_AGENT_STATS =
            "SELECT hour, agent, requests_count, avg_execution_time, total_tokens, unique_users,"
                    + " p95_latency FROM public.rollup_hourly_agent_stats ORDER BY 1, 2";

    /** Per-user activity computed independently of the rollup's own SELECT. */
    private static final String EXPECTED_USER_ACTIVITY =
            "SELECT date_trunc('hour', created_at), user_id, count(*), sum(tokens_used),"
                    + " count(*) FILTER (WHERE status = 'error'),"
                    + " count(*) FILTER (WHERE execution_time_ms > 5000)"
                    + " FROM public.requests_analytical WHERE NOT _deleted GROUP BY 1, 2"
                    + " ORDER BY 1, 2";

    private static final String ROLLUP_USER_ACTIVITY =
            "SELECT hour, user_id, requests, total_tokens, errors, slow_requests"
                    + " FROM public.rollup_hourly_user_activity ORDER BY 1, 2";

    private static final String DAU_FROM_FACTS =
            "SELECT (created_at AT TIME ZONE 'UTC')::date, count(DISTINCT user_id)"
                    + " FROM public.requests_analytical WHERE NOT _deleted GROUP BY 1 ORDER BY 1";

    private static JobClient startRollups(PipelineConfig config, String savepoint)
            throws Exception {
        RollupPipeline.prepare(config);
        var conf = RollupPipeline.flinkConfiguration(config);
        if (savepoint != null) {
            conf.setString("execution.savepoint.path", savepoint);
        }
        StreamExecutionEnvironment see = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        RollupPipeline.build(see, config);
        return see.executeAsync(RollupPipeline.jobName(config));
    }

    /** Changes that move rows between hours and agents, delete, and add late rows. */
    private static void shuffle(SeedWorkload w, Connection src, Random random, int rounds)
            throws SQLException {
        List<String> ids = w.requestIds();
        try (Statement s = src.createStatement()) {
            for (int i = 0; i < rounds; i++) {
                w.step();
                String id = ids.get(random.nextInt(ids.size()));
                switch (random.nextInt(4)) {
                    case 0 ->
                            s.execute(
                                    "UPDATE public.requests SET created_at = created_at - interval '"
                                            + (1 + random.nextInt(72))
                                            + " hours' WHERE id = '"
                                            + id
                                            + "'");
                    case 1 ->
                            s.execute(
                                    "UPDATE public.requests SET response = jsonb_build_object("
                                            + "'agent_used', 'agent-"
                                            + random.nextInt(3)
                                            + "', 'text', 'moved'), execution_time_ms = "
                                            + random.nextInt(9000)
                                            + ", status = 'success' WHERE id = '"
                                            + id
                                            + "'");
                    case 2 ->
                            s.execute(
                                    "INSERT INTO public.requests (id, user_id, query, response,"
                                            + " model, tokens_used, execution_time_ms, status,"
                                            + " created_at) SELECT gen_random_uuid(), user_id,"
                                            + " 'late', '{\"agent_used\": \"late-agent\"}', 'm',"
                                            + " 7, 120, 'success', now() - interval '"
                                            + (24 + random.nextInt(48))
                                            + " hours' FROM public.requests WHERE id = '"
                                            + id
                                            + "'");
                    default -> w.deleteRequest();
                }
            }
        }
    }

    private static void awaitRollupsMatchFacts(PipelineTestEnvironment env) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (true) {
            List<String> expected =
                    PipelineTestEnvironment.rows(env.warehouseConnection(), SEED_AGENT_STATS);
            List<String> actual =
                    PipelineTestEnvironment.rows(env.warehouseConnection(), ROLLUP_AGENT_STATS);
            List<String> expectedUsers =
                    PipelineTestEnvironment.rows(env.warehouseConnection(), EXPECTED_USER_ACTIVITY);
            List<String> actualUsers =
                    PipelineTestEnvironment.rows(env.warehouseConnection(), ROLLUP_USER_ACTIVITY);
            if (expected.equals(actual) && expectedUsers.equals(actualUsers)) {
                assertThat(expected).isNotEmpty();
                return;
            }
            if (System.nanoTime() > deadline) {
                assertThat(actual).as("hourly agent stats").isEqualTo(expected);
                assertThat(actualUsers).as("hourly user activity").isEqualTo(expectedUsers);
            }
            Thread.sleep(500);
        }
    }

    /** Terminates the rollup job's warehouse sessions (an injected failure). */
    private static long killRollupSessions(PipelineTestEnvironment env) {
        try {
            return env.count(
                    env.warehouseConnection(),
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE"
                            + " application_name LIKE 'pg2gp rollup%'");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void seed(SeedWorkload w) throws SQLException {
        for (int i = 0; i < 15; i++) {
            w.addUser();
        }
        for (int i = 0; i < 300; i++) {
            w.addRequest();
        }
        for (int i = 0; i < 200; i++) {
            w.completeRequest();
        }
    }

    @Test
    void rollupsEqualTheSeedSqlOverTheFactsThroughRestartsAndBackfill(@TempDir Path savepoints)
            throws Exception {
        try (PipelineTestEnvironment env = new PipelineTestEnvironment();
                Connection src = env.sourceConnection()) {
            env.settings.put("rollup.poll-interval", "500ms");
            PipelineConfig config = env.config();
            SeedWorkload w = new SeedWorkload(src, 7);
            Random random = new Random(7);
            seed(w);
            JobClient ingest = IngestPipelineITCase.start(env, config, null);
            JobClient rollups = startRollups(config, null);
            try {
                shuffle(w, src, random, 150);
                env.awaitWarehouseEqualsSource(CONVERGE);
                awaitRollupsMatchFacts(env);

                // Failures: the recompute's warehouse sessions die under it while hours change;
                // the job restarts from its last checkpoint and loses no dirty hour.
                for (int i = 0; i < 3; i++) {
                    shuffle(w, src, random, 40);
                    PipelineTestEnvironment.await(
                            "a rollup session to kill",
                            CONVERGE,
                            () -> killRollupSessions(env) > 0);
                }
                env.awaitWarehouseEqualsSource(CONVERGE);
                awaitRollupsMatchFacts(env);
                assertThat(IngestPipelineITCase.restarts(FLINK, rollups))
                        .as("failures the rollup job recovered from")
                        .isPositive();

                // Stop the rollup job with a savepoint, change hours while it is away, restore.
                String savepoint = Savepoints.stopWithSavepoint(rollups, savepoints);
                shuffle(w, src, random, 150);
                env.awaitWarehouseEqualsSource(CONVERGE);
                rollups = startRollups(config, savepoint);
                awaitRollupsMatchFacts(env);

                // Daily active users from the hourly rollup equal the count over the facts.
                assertThat(
                                PipelineTestEnvironment.rows(
                                        env.warehouseConnection(),
                                        "SELECT day, active_users FROM"
                                                + " public.dashboard_daily_active_users ORDER BY 1"))
                        .isEqualTo(
                                PipelineTestEnvironment.rows(
                                        env.warehouseConnection(), DAU_FROM_FACTS));

                // A backfill from scratch rebuilds exactly what the job maintained.
                List<String> maintained =
                        PipelineTestEnvironment.rows(env.warehouseConnection(), ROLLUP_AGENT_STATS);
                try (Connection wh = env.warehouseConnection();
                        Statement s = wh.createStatement()) {
                    s.execute("TRUNCATE public.rollup_hourly_agent_stats");
                    s.execute("TRUNCATE public.rollup_hourly_user_activity");
                }
                List<String> range =
                        PipelineTestEnvironment.rows(
                                env.warehouseConnection(),
                                "SELECT to_char(min(created_at), 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
                                        + " to_char(max(created_at) + interval '1 hour',"
                                        + " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM"
                                        + " public.requests_analytical");
                String[] bounds = range.get(0).split(" \\| ");
                long hours =
                        RollupJob.backfill(
                                config, Instant.parse(bounds[0]), Instant.parse(bounds[1]));
                assertThat(hours).isGreaterThan(24);
                assertThat(
                                PipelineTestEnvironment.rows(
                                        env.warehouseConnection(), ROLLUP_AGENT_STATS))
                        .isEqualTo(maintained);
                awaitRollupsMatchFacts(env);
            } finally {
                for (JobClient job : List.of(ingest, rollups)) {
                    if (!job.getJobStatus().get().isGloballyTerminalState()) {
                        job.cancel().get();
                    }
                }
            }
        }
    }
}
