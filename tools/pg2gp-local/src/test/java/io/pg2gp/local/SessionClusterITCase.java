package io.pg2gp.local;

import io.pg2gp.jobs.ingest.PipelineTestEnvironment;
import io.pg2gp.testutils.SeedWorkload;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator's day on a real session cluster: the cluster started by deploy/local-cluster's
 * scripts (JobManager and TaskManager in their own JVMs), both shaded jars submitted with the Flink
 * CLI, custom metrics read over the REST API and the Prometheus endpoints, stop with a savepoint,
 * writes while stopped, and a restore with another parallelism. The warehouse must end equal to the
 * source: no gap, no duplicate.
 */
class SessionClusterITCase {

    private static final Path REPO = Path.of("../..").toAbsolutePath().normalize();
    private static final Path INGEST_JAR =
            REPO.resolve("jobs/pg2gp-ingest-job/target/pg2gp-ingest-job-0.1.0-SNAPSHOT-job.jar");
    private static final Path ROLLUP_JAR =
            REPO.resolve("jobs/pg2gp-rollup-job/target/pg2gp-rollup-job-0.1.0-SNAPSHOT-job.jar");
    private static final Duration CONVERGE = Duration.ofMinutes(3);

    private static final String SEED_AGENT_STATS =
            "SELECT DATE_TRUNC('hour', created_at), JSONB_EXTRACT_PATH_TEXT(response, 'agent_used'),"
                    + " COUNT(*), AVG(execution_time_ms), SUM(tokens_used), COUNT(DISTINCT user_id),"
                    + " PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY execution_time_ms)"
                    + " FROM public.requests_analytical GROUP BY 1, 2 ORDER BY 1, 2";
    private static final String ROLLUP_AGENT_STATS =
            "SELECT hour, agent, requests_count, avg_execution_time, total_tokens, unique_users,"
                    + " p95_latency FROM public.rollup_hourly_agent_stats ORDER BY 1, 2";

    private static final String SECRET = "pg2gp-cluster-secret-7f3a";

    @TempDir Path tmp;

    @Test
    void submitWatchStopWithSavepointAndRestoreRescaledOnASessionCluster() throws Exception {
        try (PipelineTestEnvironment env = new PipelineTestEnvironment()) {
            SeedWorkload workload = new SeedWorkload(env.sourceConnection(), 42);
            for (int i = 0; i < 40; i++) {
                workload.addUser();
            }
            for (int i = 0; i < 400; i++) {
                workload.addRequest();
            }
            env.settings.put("pipeline.name", "it-cluster");
            env.settings.put(
                    "pipeline.checkpoint-dir", tmp.resolve("checkpoints").toUri().toString());
            Path pipeline = tmp.resolve("pipeline.yaml");
            Files.writeString(
                    pipeline,
                    env.settings.entrySet().stream()
                            .map(e -> e.getKey() + ": \"" + e.getValue() + "\"")
                            .sorted()
                            .collect(Collectors.joining("\n", "", "\n")));
            List<String> args = List.of("--config", pipeline.toString());

            int promBase = freePortRange(4);
            Map<String, String> settings =
                    Map.of(
                            "PG2GP_FLINK_REST_PORT",
                            String.valueOf(freePort()),
                            "PG2GP_FLINK_RPC_PORT",
                            String.valueOf(freePort()),
                            "PG2GP_FLINK_PROMETHEUS_PORTS",
                            promBase + "-" + (promBase + 3),
                            "PG2GP_FLINK_SLOTS",
                            "4",
                            "PG2GP_FLINK_TM_MEMORY",
                            "1536m");
            SessionCluster cluster = SessionCluster.start(REPO, tmp.resolve("flink"), settings);
            List<String> jobs = new ArrayList<>();
            boolean passed = false;
            try {
                String ingest = cluster.submit(INGEST_JAR, args);
                jobs.add(ingest);
                awaitRunning(cluster, ingest);
                String rollups = cluster.submit(ROLLUP_JAR, args);
                jobs.add(rollups);
                awaitRunning(cluster, rollups);

                for (int i = 0; i < 300; i++) {
                    workload.step();
                }
                env.awaitWarehouseEqualsSource(CONVERGE);

                assertThat(vertexNames(cluster, ingest))
                        .anyMatch(n -> n.startsWith("Source: PostgreSQL CDC: users, requests"))
                        .anyMatch(n -> n.startsWith("Enrich requests with users"))
                        .contains(
                                "Warehouse sink: requests_analytical: Committer",
                                "Warehouse sink: users_dim: Committer");
                // The REST API serves metrics its fetcher collected (every 10 s by default), and
                // the reporters export what is registered: poll until they show up.
                awaitMetric(cluster, ingest, "requests_analytical: Committer", "pg2gpCommits", 1);
                awaitMetric(cluster, ingest, "Count changes", "pg2gpChangesRead", 440);
                long scrapeDeadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
                while (!scrapedMetricNames(promBase)
                                .containsAll(MonitoringFilesTest.METRIC_CONTRACT)
                        && System.nanoTime() < scrapeDeadline) {
                    Thread.sleep(1000);
                }
                assertThat(scrapedMetricNames(promBase))
                        .containsAll(MonitoringFilesTest.METRIC_CONTRACT);

                String savepoint = cluster.stopWithSavepoint(ingest, tmp.resolve("savepoints"));
                jobs.remove(ingest);
                PipelineTestEnvironment.await(
                        "the stopped job to finish",
                        Duration.ofMinutes(1),
                        () -> {
                            try {
                                return cluster.jobState(ingest).equals("FINISHED");
                            } catch (IOException e) {
                                return false;
                            }
                        });
                for (int i = 0; i < 200; i++) {
                    workload.step();
                }
                List<String> rescaled = new ArrayList<>(args);
                rescaled.addAll(List.of("--set", "pipeline.parallelism=3"));
                String restored = cluster.submit(savepoint, INGEST_JAR, rescaled);
                jobs.add(restored);
                awaitRunning(cluster, restored);
                assertThat(
                                cluster.rest("/jobs/" + restored).findValues("parallelism").stream()
                                        .map(JsonNode::asInt))
                        .contains(3);
                for (int i = 0; i < 100; i++) {
                    workload.step();
                }
                env.awaitWarehouseEqualsSource(CONVERGE);
                awaitRollupsEqualFacts(env);

                // The runbook's scripted commands: redeploy the rollups through a savepoint, and
                // after the ingest job is gone (cancelled: its checkpoints stay), recover it from
                // its newest retained checkpoint while the source kept changing.
                jobs.remove(rollups);
                jobs.add(cluster.runbook("redeploy", rollups, "rollup", pipeline.toString()));
                cluster.cancel(restored);
                jobs.remove(restored);
                for (int i = 0; i < 100; i++) {
                    workload.step();
                }
                String recovered =
                        cluster.runbook(
                                "recover",
                                "ingest",
                                tmp.resolve("checkpoints").toString(),
                                pipeline.toString(),
                                "--set",
                                "pipeline.parallelism=3");
                jobs.add(recovered);
                awaitRunning(cluster, recovered);
                env.awaitWarehouseEqualsSource(CONVERGE);
                awaitRollupsEqualFacts(env);

                // The progress line follows the jobs by name: the ingest job it knew is gone.
                FollowedJob followed = new FollowedJob(cluster.jobName(recovered), restored);
                assertThat(followed.state(cluster.rest("/jobs/overview")))
                        .startsWith("RUNNING (now job " + recovered.substring(0, 8));

                // The TaskManager alone: killed as in a crash while the source changes, then
                // started again; the jobs come back on it and nothing is lost.
                cluster.taskManager("kill");
                for (int i = 0; i < 100; i++) {
                    workload.step();
                }
                assertThat(cluster.exec(Duration.ofSeconds(30), "flink-cluster", "status"))
                        .contains("TaskManager: not running");
                cluster.taskManager("start");
                awaitRunning(cluster, recovered);
                env.awaitWarehouseEqualsSource(CONVERGE);
                cluster.taskManager("stop");
                cluster.taskManager("start");
                awaitRunning(cluster, recovered);

                for (String path :
                        List.of(
                                "/jobmanager/config",
                                "/jobs/" + recovered + "/config",
                                "/jobs/" + recovered + "/jobmanager/config",
                                "/taskmanagers")) {
                    assertThat(cluster.rest(path).toString()).as(path).doesNotContain(SECRET);
                }
                try (Stream<Path> files = Files.list(cluster.logDirectory())) {
                    List<Path> logs = files.toList();
                    assertThat(logs.stream().map(p -> p.getFileName().toString()))
                            .contains(
                                    "flink-jobmanager.log",
                                    "flink-taskmanager.log",
                                    "flink-client.log");
                    for (Path log : logs) {
                        assertThat(Files.readString(log)).as(log.toString()).doesNotContain(SECRET);
                    }
                }
                passed = true;
            } finally {
                for (String job : jobs) {
                    try {
                        cluster.cancel(job);
                    } catch (IOException e) {
                        // already gone
                    }
                }
                if (!passed) {
                    printLogs(cluster.logDirectory());
                }
                cluster.close();
            }
        }
    }

    private static void awaitRunning(SessionCluster cluster, String job) throws Exception {
        PipelineTestEnvironment.await(
                "job " + job + " running",
                Duration.ofMinutes(2),
                () -> {
                    try {
                        return cluster.fullyRunning(job);
                    } catch (IOException e) {
                        return false;
                    }
                });
    }

    private static List<String> vertexNames(SessionCluster cluster, String job) throws IOException {
        List<String> names = new ArrayList<>();
        for (JsonNode v : cluster.rest("/jobs/" + job).path("vertices")) {
            names.add(v.path("name").asText());
        }
        return names;
    }

    private static void awaitMetric(
            SessionCluster cluster, String job, String task, String metric, long atLeast)
            throws InterruptedException {
        PipelineTestEnvironment.await(
                metric + " >= " + atLeast + " on " + task + " over REST",
                Duration.ofMinutes(1),
                () -> {
                    try {
                        return restMetric(cluster, job, task, metric) >= atLeast;
                    } catch (IOException e) {
                        return false;
                    }
                });
    }

    /**
     * Sums a metric over every subtask and matching metric id of the vertex named {@code task}; -1
     * while the REST API does not list it yet.
     */
    private static long restMetric(SessionCluster cluster, String job, String task, String metric)
            throws IOException {
        for (JsonNode v : cluster.rest("/jobs/" + job).path("vertices")) {
            if (!v.path("name").asText().contains(task)) {
                continue;
            }
            String base = "/jobs/" + job + "/vertices/" + v.path("id").asText();
            List<String> ids = new ArrayList<>();
            for (JsonNode m : cluster.rest(base + "/subtasks/metrics")) {
                if (m.path("id").asText().endsWith("." + metric)) {
                    ids.add(m.path("id").asText());
                }
            }
            if (ids.isEmpty()) {
                return -1;
            }
            long sum = 0;
            for (String id : ids) {
                for (JsonNode m :
                        cluster.rest(base + "/subtasks/metrics?agg=sum&get=" + encode(id))) {
                    sum += (long) m.path("sum").asDouble();
                }
            }
            return sum;
        }
        throw new AssertionError("no task named " + task);
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Metric names the JobManager's and TaskManager's Prometheus reporters expose. */
    private static Set<String> scrapedMetricNames(int base) {
        Pattern name = Pattern.compile("^(flink_[A-Za-z0-9_]+)", Pattern.MULTILINE);
        HttpClient http = HttpClient.newHttpClient();
        Set<String> names = new HashSet<>();
        for (int port = base; port < base + 4; port++) {
            try {
                String body =
                        http.send(
                                        HttpRequest.newBuilder(
                                                        URI.create(
                                                                "http://localhost:"
                                                                        + port
                                                                        + "/metrics"))
                                                .timeout(Duration.ofSeconds(10))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString())
                                .body();
                Matcher m = name.matcher(body);
                while (m.find()) {
                    names.add(m.group(1));
                }
            } catch (IOException e) {
                // no reporter on this port of the range
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return names;
            }
        }
        return names;
    }

    private static void awaitRollupsEqualFacts(PipelineTestEnvironment env) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (true) {
            List<String> expected =
                    PipelineTestEnvironment.rows(env.warehouseConnection(), SEED_AGENT_STATS);
            List<String> actual =
                    PipelineTestEnvironment.rows(env.warehouseConnection(), ROLLUP_AGENT_STATS);
            if (!expected.isEmpty() && expected.equals(actual)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                assertThat(actual).as("hourly agent stats").isEqualTo(expected);
            }
            Thread.sleep(500);
        }
    }

    private static void printLogs(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                List<String> lines = Files.readAllLines(f);
                System.err.println("==> " + f + " (last 80 lines)");
                lines.subList(Math.max(0, lines.size() - 80), lines.size())
                        .forEach(System.err::println);
            }
        } catch (IOException e) {
            System.err.println("no cluster logs: " + e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static int freePortRange(int n) throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = freePort();
            if (base + n > 65535) {
                continue;
            }
            boolean free = true;
            for (int p = base; p < base + n && free; p++) {
                try (ServerSocket s = new ServerSocket(p)) {
                    free = true;
                } catch (IOException e) {
                    free = false;
                }
            }
            if (free) {
                return base;
            }
        }
        throw new IOException("no " + n + " consecutive free ports");
    }
}
