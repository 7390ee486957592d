package io.pg2gp.jobs.rollup.features;

import io.pg2gp.jobs.ingest.IngestPipelineITCase;
import io.pg2gp.jobs.ingest.PipelineTestEnvironment;
import io.pg2gp.jobs.rollup.RollupJob;
import io.pg2gp.jobs.rollup.RollupPipeline;
import io.pg2gp.jobs.rollup.Savepoints;
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
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ingest and rollup jobs together on a MiniCluster against real PostgreSQL: after a randomized
 * workload (late rows, deletes, user changes, requests moving between users and hours, rows placed
 * seconds before they leave the 1-year, 30-day and 7-day windows) the feature view equals the
 * seed's query over the fact table at the same instant, user by user; through injected failures, a
 * stop with savepoint and restore, and a backfill.
 */
class FeatureJobITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    private static final Duration CONVERGE = Duration.ofSeconds(120);

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

    /**
     * Changes that move requests between users and hours (some to seconds before a window's edge),
     * delete, add users and late rows. (A user's role change is left out: the warehouse keeps the
     * role as of each request, which the source comparison does not model.)
     */
    private static void shuffle(SeedWorkload w, Connection src, Random random, int rounds)
            throws SQLException {
        List<String> ids = w.requestIds();
        List<String> users = w.userIds();
        try (Statement s = src.createStatement()) {
            for (int i = 0; i < rounds; i++) {
                w.step();
                String id = ids.get(random.nextInt(ids.size()));
                switch (random.nextInt(6)) {
                    case 0 ->
                            s.execute(
                                    "UPDATE public.requests SET created_at = now() - interval '"
                                            + random.nextInt(400)
                                            + " days' - interval '"
                                            + random.nextInt(86_400)
                                            + " seconds' WHERE id = '"
                                            + id
                                            + "'");
                    case 1 ->
                            s.execute(
                                    "UPDATE public.requests SET user_id = '"
                                            + users.get(random.nextInt(users.size()))
                                            + "' WHERE id = '"
                                            + id
                                            + "'");
                    case 2 ->
                            s.execute(
                                    "INSERT INTO public.requests (id, user_id, query, response,"
                                            + " model, tokens_used, execution_time_ms, status,"
                                            + " created_at) SELECT gen_random_uuid(), user_id,"
                                            + " 'late', '{\"agent_used\": \"QA\", \"confidence\":"
                                            + " 0.25}', 'm', 7, "
                                            + random.nextInt(9000)
                                            + ", 'error', now() - interval '"
                                            + random.nextInt(60)
                                            + " days' FROM public.requests WHERE id = '"
                                            + id
                                            + "'");
                    case 3 ->
                            // leaves a window a few seconds from now
                            s.execute(
                                    "UPDATE public.requests SET created_at = now() - interval '"
                                            + List.of("1 year", "30 days", "7 days")
                                                    .get(random.nextInt(3))
                                            + "' + interval '"
                                            + (3 + random.nextInt(8))
                                            + " seconds' WHERE id = '"
                                            + id
                                            + "'");
                    case 4 -> w.addUser();
                    default -> w.deleteRequest();
                }
            }
        }
    }

    private static void awaitFeaturesMatchFacts(PipelineTestEnvironment env) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (true) {
            try (Connection wh = env.warehouseConnection()) {
                assertThat(FeatureFacts.assertViewEqualsSeed(wh, "public")).isPositive();
                return;
            } catch (AssertionError e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
            Thread.sleep(500);
        }
    }

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
        for (int i = 0; i < 20; i++) {
            w.addUser();
        }
        for (int i = 0; i < 300; i++) {
            w.addRequest();
        }
        for (int i = 0; i < 250; i++) {
            w.completeRequest();
        }
    }

    @Test
    void theFeatureViewEqualsTheSeedQueryThroughRestartsSavepointsAndBackfill(
            @TempDir Path savepoints) throws Exception {
        try (PipelineTestEnvironment env = new PipelineTestEnvironment();
                Connection src = env.sourceConnection()) {
            env.settings.put("rollup.poll-interval", "500ms");
            env.settings.put("rollup.max-users-per-transaction", "7");
            PipelineConfig config = env.config();
            SeedWorkload w =
                    new SeedWorkload(src, 11).startingAt(Instant.now().minus(200, ChronoUnit.DAYS));
            Random random = new Random(11);
            seed(w);
            w.onWallClock();
            JobClient ingest = IngestPipelineITCase.start(env, config, null);
            JobClient rollups = startRollups(config, null);
            try {
                shuffle(w, src, random, 150);
                env.awaitWarehouseEqualsSource(CONVERGE);
                awaitFeaturesMatchFacts(env);

                // Failures: the job's warehouse sessions die under it while users change.
                for (int i = 0; i < 3; i++) {
                    shuffle(w, src, random, 40);
                    PipelineTestEnvironment.await(
                            "a rollup session to kill",
                            CONVERGE,
                            () -> killRollupSessions(env) > 0);
                }
                env.awaitWarehouseEqualsSource(CONVERGE);
                awaitFeaturesMatchFacts(env);
                assertThat(IngestPipelineITCase.restarts(FLINK, rollups))
                        .as("failures the rollup job recovered from")
                        .isPositive();

                // Stop with a savepoint, change users while it is away, restore.
                String savepoint = Savepoints.stopWithSavepoint(rollups, savepoints);
                shuffle(w, src, random, 150);
                env.awaitWarehouseEqualsSource(CONVERGE);
                rollups = startRollups(config, savepoint);
                awaitFeaturesMatchFacts(env);

                // A backfill from scratch rebuilds every user's features.
                try (Connection wh = env.warehouseConnection();
                        Statement s = wh.createStatement()) {
                    s.execute("TRUNCATE public.user_features");
                }
                assertThat(RollupJob.backfillFeatures(config)).isPositive();
                awaitFeaturesMatchFacts(env);
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
