package io.pg2gp.local;

import io.pg2gp.jobs.ingest.IngestJob;
import io.pg2gp.jobs.ingest.IngestPipeline;
import io.pg2gp.jobs.rollup.RollupPipeline;
import io.pg2gp.jobs.settings.FlinkSettings;
import io.pg2gp.jobs.settings.Pg2gpOptions;
import io.pg2gp.jobs.settings.PipelineConfig;
import io.pg2gp.jobs.settings.SettingException;
import io.pg2gp.testutils.PostgresServer;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * The local end-to-end run: a source and a warehouse PostgreSQL started from the machine's
 * binaries, a local Flink session cluster (web UI on :8081) running the ingest and rollup jobs'
 * shaded jars as a production cluster would, seed-shaped demo traffic, and a progress line every
 * few seconds. Ctrl-C stops everything and leaves the data in place.
 */
public final class LocalPipeline {

    static final String INGEST_JAR =
            "jobs/pg2gp-ingest-job/target/pg2gp-ingest-job-0.1.0-SNAPSHOT-job.jar";
    static final String ROLLUP_JAR =
            "jobs/pg2gp-rollup-job/target/pg2gp-rollup-job-0.1.0-SNAPSHOT-job.jar";

    public static void main(String[] args) throws Exception {
        SettingException.exitOnUserError("pg2gp run", () -> run(args));
    }

    private static void run(String[] args) throws Exception {
        LocalSettings s = LocalSettings.parse(args);
        // Settings first: a typo must not cost a database start and a seed.
        List<String> checked = new ArrayList<>(s.overrides());
        checked.add(0, "source.port=" + s.sourcePort());
        checked.add(
                0, "warehouse.url=jdbc:postgresql://127.0.0.1:" + s.warehousePort() + "/warehouse");
        PipelineConfig.load(s.config(), checked);
        SessionCluster.stopIfRunning(Path.of("").toAbsolutePath(), s.dir().resolve("flink"));
        if (!s.keep()) {
            wipe(s.dir());
        }
        Files.createDirectories(s.dir());
        System.out.println("pg2gp local run; data under " + s.dir());
        PostgresServer source =
                PostgresServer.builder("source")
                        .baseDir(s.dir().resolve("source"))
                        .port(s.sourcePort())
                        .logicalReplication(true)
                        .fastUnsafe(false)
                        .keepData(true)
                        .start();
        PostgresServer warehouse =
                PostgresServer.builder("warehouse")
                        .baseDir(s.dir().resolve("warehouse"))
                        .port(s.warehousePort())
                        .fastUnsafe(false)
                        .keepData(true)
                        .start();
        source.createDatabase("app");
        warehouse.createDatabase("warehouse");
        source.execute("app", resource("/sql/source/01_schema.sql"));
        source.execute("app", resource("/sql/source/02_publication.sql"));

        DemoTraffic traffic = new DemoTraffic(source, "app", s.rate());
        long kept = s.keep() ? requests(source) : 0;
        if (kept > 0) {
            // The jobs are new (no savepoint): they snapshot the kept rows again, and the
            // warehouse converges to them (snapshot reads replace what a previous run left).
            System.out.println(
                    "--keep: the source keeps its "
                            + kept
                            + " requests (no new seed); the jobs start anew and snapshot them");
            traffic.resume();
        } else {
            traffic.seed(s.seedUsers(), s.seedRequests());
        }

        List<String> overrides = new ArrayList<>(s.overrides());
        overrides.add(0, "source.port=" + source.port());
        overrides.add(0, "warehouse.url=" + warehouse.jdbcUrl("warehouse"));
        overrides.add(0, "pipeline.checkpoint-dir=" + s.dir().resolve("checkpoints").toUri());
        PipelineConfig config = PipelineConfig.load(s.config(), overrides);
        // Made before the jobs start, so the run's totals count their first commits.
        AtomicReference<Jobs> running = new AtomicReference<>();
        Progress progress =
                new Progress(
                        source,
                        "app",
                        warehouse,
                        "warehouse",
                        config,
                        () -> running.get().status(),
                        s.webPort());
        Jobs jobs = s.embedded() ? embedded(config, s) : onSessionCluster(s, overrides);
        running.set(jobs);
        System.out.println("source:    psql -h 127.0.0.1 -p " + source.port() + " -U pg2gp app");
        System.out.println(
                "warehouse: psql -h 127.0.0.1 -p " + warehouse.port() + " -U pg2gp warehouse");

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    System.out.println(
                                            "\nstopping: demo traffic, jobs, Flink, databases (data"
                                                    + " stays under "
                                                    + s.dir()
                                                    + ")");
                                    traffic.stop();
                                    progress.stop();
                                    jobs.stop();
                                    warehouse.close();
                                    source.close();
                                    stopped.countDown();
                                },
                                "pg2gp-local-stop"));
        traffic.start();
        progress.start(s.progressSeconds());
        if (s.seconds() > 0) {
            Thread.sleep(s.seconds() * 1000L);
            System.exit(0);
        }
        stopped.await();
    }

    /** The running jobs, however they run. */
    interface Jobs {
        String status() throws Exception;

        void stop();
    }

    /**
     * What production runs: a session cluster (JobManager and TaskManager in their own JVMs,
     * deploy/local-cluster) and both shaded jars submitted with the Flink CLI.
     */
    private static Jobs onSessionCluster(LocalSettings s, List<String> overrides)
            throws IOException {
        Path repo = Path.of("").toAbsolutePath();
        SessionCluster cluster =
                SessionCluster.start(
                        repo,
                        s.dir().resolve("flink"),
                        Map.of("PG2GP_FLINK_REST_PORT", String.valueOf(s.webPort())));
        List<String> args = new ArrayList<>(List.of("--config", s.config().toString()));
        for (String o : overrides) {
            args.add("--set");
            args.add(o);
        }
        String ingest = cluster.submit(repo.resolve(INGEST_JAR), args);
        String rollups = cluster.submit(repo.resolve(ROLLUP_JAR), args);
        System.out.println("Flink web UI: http://localhost:" + s.webPort());
        System.out.println("  ingest job " + ingest);
        System.out.println("  rollup job " + rollups);
        System.out.println("  CLI: deploy/local-cluster/flink list");
        System.out.println("       with PG2GP_FLINK_HOME=" + s.dir().resolve("flink"));
        FollowedJob ingestJob = new FollowedJob(cluster.jobName(ingest), ingest);
        FollowedJob rollupJob = new FollowedJob(cluster.jobName(rollups), rollups);
        return new Jobs() {
            @Override
            public String status() throws IOException {
                // by name: after recover or a redeploy the jobs have new ids
                JsonNode overview = cluster.rest("/jobs/overview");
                String ingestState = ingestJob.state(overview);
                return "ingest "
                        + ingestState
                        + checkpoint(cluster.rest("/jobs/" + ingestJob.id() + "/checkpoints"))
                        + " · rollups "
                        + rollupJob.state(overview);
            }

            @Override
            public void stop() {
                for (FollowedJob job : List.of(ingestJob, rollupJob)) {
                    try {
                        cluster.cancel(job.id());
                    } catch (IOException e) {
                        // already gone
                    }
                }
                try {
                    cluster.close();
                } catch (IOException e) {
                    System.err.println("stopping the Flink cluster: " + e.getMessage());
                }
            }
        };
    }

    /** Flink inside this JVM with its web UI: ingest and rollups as one job. */
    private static Jobs embedded(PipelineConfig config, LocalSettings s) throws Exception {
        IngestJob.prepare(config);
        Configuration flink = FlinkSettings.of(config);
        flink.set(RestOptions.PORT, s.webPort());
        flink.set(
                TaskManagerOptions.NUM_TASK_SLOTS,
                Math.max(
                        config.get(Pg2gpOptions.PARALLELISM),
                        config.get(Pg2gpOptions.SOURCE_PARALLELISM)));
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(flink);
        IngestPipeline.build(env, config);
        RollupPipeline.prepare(config);
        RollupPipeline.build(env, config);
        JobClient job = env.executeAsync(config.get(Pg2gpOptions.NAME));
        System.out.println(
                "Flink web UI: http://localhost:" + s.webPort() + "  (job " + job.getJobID() + ")");
        job.getJobExecutionResult()
                .whenComplete(
                        (result, failure) -> {
                            if (failure != null) {
                                System.err.println("the job failed: " + rootMessage(failure));
                                System.exit(1);
                            }
                        });
        return new Jobs() {
            @Override
            public String status() throws Exception {
                return "job " + job.getJobStatus().get(5, TimeUnit.SECONDS);
            }

            @Override
            public void stop() {
                try {
                    job.cancel().get();
                } catch (Exception e) {
                    // the job may already be gone
                }
            }
        };
    }

    /** The last completed checkpoint of the job being followed, from Flink's REST answer. */
    static String checkpoint(JsonNode checkpoints) {
        JsonNode completed = checkpoints.path("latest").path("completed");
        if (completed.isMissingNode() || completed.isNull()) {
            return " (no checkpoint yet)";
        }
        long ago =
                (System.currentTimeMillis() - completed.path("latest_ack_timestamp").asLong())
                        / 1000;
        return " (checkpoint #" + completed.path("id").asLong() + ", " + ago + "s ago)";
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.toString();
    }

    private static long requests(PostgresServer source) throws SQLException {
        try (Connection c = source.connect("app");
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM public.requests")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String resource(String path) throws IOException {
        try (InputStream in = LocalPipeline.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException("missing resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Removes a run's data directory (the local run, the SQL example and chaos runs own one). */
    static void wipe(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
