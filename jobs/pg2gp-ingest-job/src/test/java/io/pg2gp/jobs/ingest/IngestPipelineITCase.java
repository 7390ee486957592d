package io.pg2gp.jobs.ingest;

import io.pg2gp.jobs.settings.FlinkSettings;
import io.pg2gp.jobs.settings.PipelineConfig;
import io.pg2gp.testutils.SeedWorkload;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole ingest pipeline on a MiniCluster against real PostgreSQL source and warehouse. */
public class IngestPipelineITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    private static final Duration CONVERGE = Duration.ofSeconds(120);

    /**
     * Starts the ingest pipeline on the given MiniCluster-backed environment (also used by the
     * rollup job's tests).
     */
    public static JobClient start(
            PipelineTestEnvironment env, PipelineConfig config, String savepoint) throws Exception {
        IngestJob.prepare(config);
        var flinkConf = FlinkSettings.of(config);
        if (savepoint != null) {
            flinkConf.setString("execution.savepoint.path", savepoint);
        }
        StreamExecutionEnvironment see =
                StreamExecutionEnvironment.getExecutionEnvironment(flinkConf);
        IngestPipeline.build(see, config);
        return see.executeAsync(config.get(io.pg2gp.jobs.settings.Pg2gpOptions.NAME));
    }

    /** Failures the job recovered from, read from the REST API's exception history. */
    private static long restarts(JobClient job) throws Exception {
        return restarts(FLINK, job);
    }

    /** As above, on {@code flink} (also used by the rollup job's tests). */
    public static long restarts(MiniClusterExtension flink, JobClient job) throws Exception {
        var conf = flink.getClientConfiguration();
        String url =
                "http://"
                        + conf.get(RestOptions.ADDRESS)
                        + ":"
                        + conf.get(RestOptions.PORT)
                        + "/jobs/"
                        + job.getJobID()
                        + "/exceptions?maxExceptions=100";
        String body =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create(url)).build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
        int entries = body.indexOf("\"entries\"");
        assertThat(entries).as(body).isNotNegative();
        Matcher m = Pattern.compile("\"exceptionName\"").matcher(body.substring(entries));
        long n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static void stop(JobClient client) throws Exception {
        if (!client.getJobStatus().get().isGloballyTerminalState()) {
            client.cancel().get();
        }
        // cancel() returns once the cancel is accepted; the sources close after it.
        PipelineTestEnvironment.await(
                "the job to end",
                CONVERGE,
                () -> {
                    try {
                        return client.getJobStatus().get().isGloballyTerminalState();
                    } catch (Exception e) {
                        return true; // the cluster no longer knows the job: it ended
                    }
                });
    }

    @Test
    void snapshotThenStreamingInsertsUpdatesDeletes() throws Exception {
        try (PipelineTestEnvironment env = new PipelineTestEnvironment();
                Connection src = env.sourceConnection()) {
            SeedWorkload w = new SeedWorkload(src, 1);
            for (int i = 0; i < 20; i++) {
                w.addUser();
            }
            for (int i = 0; i < 400; i++) {
                w.addRequest();
            }
            for (int i = 0; i < 200; i++) {
                w.completeRequest();
            }
            for (int i = 0; i < 10; i++) {
                w.deleteRequest();
            }
            // A response that is valid jsonb but not an object: kept, derived columns NULL.
            try (Statement s = src.createStatement()) {
                s.execute(
                        "UPDATE public.requests SET response = '[1, 2, 3]' WHERE id = '"
                                + w.requestIds().get(0)
                                + "'");
                s.execute(
                        "UPDATE public.requests SET response = '\"just text\"' WHERE id = '"
                                + w.requestIds().get(1)
                                + "'");
            }
            JobClient job = start(env, env.config(), null);
            try {
                env.awaitWarehouseEqualsSource(CONVERGE);
                for (int i = 0; i < 5; i++) {
                    String u = w.addUser();
                    w.changeUserRole(u); // a user update before any of its requests
                }
                for (int i = 0; i < 300; i++) {
                    w.step();
                }
                for (int i = 0; i < 100; i++) {
                    w.completeRequest();
                }
                for (int i = 0; i < 15; i++) {
                    w.deleteRequest();
                }
                // An UPDATE that leaves a large, out-of-line (TOASTed) response untouched.
                String big = w.requestIds().get(5);
                try (Statement s = src.createStatement()) {
                    s.execute(
                            "UPDATE public.requests SET response = jsonb_build_object('agent_used', 'Docs',"
                                    + " 'answer', (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 400) i))"
                                    + " WHERE id = '"
                                    + big
                                    + "'");
                    s.execute(
                            "UPDATE public.requests SET status = 'archived' WHERE id = '"
                                    + big
                                    + "'");
                }
                env.awaitWarehouseEqualsSource(CONVERGE);
                assertThat(
                                env.count(
                                        env.warehouseConnection(),
                                        "SELECT count(*) FROM requests_analytical WHERE id = '"
                                                + big
                                                + "' AND status = 'archived' AND length(response::text) > 12000"))
                        .isEqualTo(1);
                assertThat(
                                env.count(
                                        env.warehouseConnection(),
                                        "SELECT count(*) FROM pg2gp.dead_letters"))
                        .isZero();
                assertThat(
                                env.count(
                                        env.warehouseConnection(),
                                        "SELECT count(*) FROM pg2gp.commit_ledger"))
                        .isPositive();
                assertThat(
                                env.count(
                                        env.warehouseConnection(),
                                        "SELECT count(*) FROM pg2gp.touched_hours"))
                        .isPositive();
            } finally {
                stop(job);
            }
        }
    }

    @Test
    void requestBeforeItsUserEndsEnriched() throws Exception {
        try (PipelineTestEnvironment env = new PipelineTestEnvironment();
                Connection src = env.sourceConnection();
                Statement s = src.createStatement()) {
            // Applications without foreign keys write requests before their users; so does the
            // snapshot, which reads both tables in parallel chunks with no order between them.
            s.execute("ALTER TABLE public.requests DROP CONSTRAINT requests_user_id_fkey");
            SeedWorkload w = new SeedWorkload(src, 2);
            for (int i = 0; i < 10; i++) {
                w.addUser();
            }
            for (int i = 0; i < 2000; i++) {
                w.addRequest();
            }
            String lateUser = "00000000-0000-0000-0000-00000000cafe";
            String early = w.addRequest(lateUser); // in the snapshot, user still unknown
            JobClient job = start(env, env.config(), null);
            try {
                PipelineTestEnvironment.await(
                        "the early request in the warehouse",
                        CONVERGE,
                        () -> {
                            try {
                                return env.count(
                                                env.warehouseConnection(),
                                                "SELECT count(*) FROM requests_analytical WHERE id = '"
                                                        + early
                                                        + "'")
                                        == 1;
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        });
                // Written without user fields after enrichment.max-wait...
                assertThat(
                                env.count(
                                        env.warehouseConnection(),
                                        "SELECT count(*) FROM requests_analytical WHERE id = '"
                                                + early
                                                + "' AND user_email IS NULL"))
                        .isEqualTo(1);
                String streamed = w.addRequest(lateUser); // streamed, user still unknown
                Thread.sleep(500);
                s.execute(
                        "INSERT INTO public.users (id, email, role) VALUES ('"
                                + lateUser
                                + "', 'late@example.com', 'admin')");
                // ...and repaired once the user arrives: every row equals the source join.
                env.awaitWarehouseEqualsSource(CONVERGE);
                assertThat(
                                env.count(
                                        env.warehouseConnection(),
                                        "SELECT count(*) FROM requests_analytical WHERE user_email = 'late@example.com' AND id IN ('"
                                                + early
                                                + "','"
                                                + streamed
                                                + "')"))
                        .isEqualTo(2);
            } finally {
                stop(job);
            }
        }
    }

    @Test
    void aNewPipelineOverAnExistingWarehouseResnapshotsToTheSourceState() throws Exception {
        try (PipelineTestEnvironment env = new PipelineTestEnvironment();
                Connection src = env.sourceConnection()) {
            SeedWorkload w = new SeedWorkload(src, 5);
            for (int i = 0; i < 300; i++) {
                w.step();
            }
            JobClient first = start(env, env.config(), null);
            try {
                env.awaitWarehouseEqualsSource(CONVERGE);
            } finally {
                stop(first);
            }
            for (int i = 0; i < 200; i++) {
                w.completeRequest(); // changes the pipeline never streams
                w.addRequest();
            }
            env.close(); // drops the slot: the next pipeline starts from nothing but a snapshot
            JobClient second = start(env, env.config(), null);
            try {
                env.awaitWarehouseEqualsSource(CONVERGE);
            } finally {
                stop(second);
            }
        }
    }

    @Test
    void failuresInTheMiddleOfStreamingLoseAndDuplicateNothing() throws Exception {
        try (PipelineTestEnvironment env = new PipelineTestEnvironment();
                Connection src = env.sourceConnection()) {
            SeedWorkload w = new SeedWorkload(src, 3);
            for (int i = 0; i < 300; i++) {
                w.step();
            }
            JobClient job = start(env, env.config(), null);
            try {
                env.awaitWarehouseEqualsSource(CONVERGE);
                for (int round = 0; round < 3; round++) {
                    for (int i = 0; i < 200; i++) {
                        w.step();
                    }
                    // Kill the sink's sessions mid-stream, then the source's walsender: Flink
                    // restarts from the last checkpoint and replays what was not committed.
                    PipelineTestEnvironment.await(
                            "the sink's sessions (after the previous restart)",
                            CONVERGE,
                            () -> env.warehouseSessions() >= 4);
                    assertThat(env.killWarehouseSessions()).isPositive();
                    for (int i = 0; i < 200; i++) {
                        w.step();
                    }
                    env.killWalSender();
                }
                for (int i = 0; i < 100; i++) {
                    w.completeRequest();
                }
                env.awaitWarehouseEqualsSource(CONVERGE);
                assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
                assertThat(restarts(job)).as("restarts from checkpoints").isGreaterThanOrEqualTo(3);
            } finally {
                stop(job);
            }
        }
    }

    @Test
    void stopWithSavepointWriteWhileStoppedRestoreWithOtherParallelism(@TempDir Path dir)
            throws Exception {
        try (PipelineTestEnvironment env = new PipelineTestEnvironment();
                Connection src = env.sourceConnection()) {
            SeedWorkload w = new SeedWorkload(src, 4);
            for (int i = 0; i < 300; i++) {
                w.step();
            }
            JobClient job = start(env, env.config(), null);
            String savepoint;
            try {
                env.awaitWarehouseEqualsSource(CONVERGE);
                for (int i = 0; i < 200; i++) {
                    w.step();
                }
                savepoint =
                        job.stopWithSavepoint(
                                        false,
                                        dir.toUri().toString(),
                                        SavepointFormatType.CANONICAL)
                                .get();
            } finally {
                stop(job);
            }
            for (int i = 0; i < 300; i++) {
                w.step(); // written while the pipeline is down
            }
            env.settings.put("pipeline.parallelism", "3");
            JobClient restored = start(env, env.config(), savepoint);
            try {
                for (int i = 0; i < 100; i++) {
                    w.step();
                }
                env.awaitWarehouseEqualsSource(CONVERGE);
            } finally {
                stop(restored);
            }
        }
    }
}
