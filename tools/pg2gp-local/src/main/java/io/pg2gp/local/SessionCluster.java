package io.pg2gp.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local Flink session cluster of {@code deploy/local-cluster}, driven through its scripts and
 * the Flink CLI exactly as an operator types them, plus the REST API the web UI reads.
 */
public final class SessionCluster implements AutoCloseable {

    private static final Pattern JOB_ID = Pattern.compile("JobID ([0-9a-f]{32})");
    private static final Pattern SQL_JOB_ID = Pattern.compile("Job ID: ([0-9a-f]{32})");
    private static final Pattern SAVEPOINT = Pattern.compile("Savepoint completed\\. Path: (\\S+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path scripts;
    private final Map<String, String> environment;
    private final int restPort;
    private final HttpClient http = HttpClient.newHttpClient();

    private SessionCluster(Path scripts, Map<String, String> environment, int restPort) {
        this.scripts = scripts;
        this.environment = environment;
        this.restPort = restPort;
    }

    /**
     * Starts the cluster ({@code flink-cluster start}) with its files under {@code home}. {@code
     * settings} are the scripts' {@code PG2GP_FLINK_*} variables (ports, slots, memory).
     */
    public static SessionCluster start(Path repo, Path home, Map<String, String> settings)
            throws IOException {
        Map<String, String> env = new HashMap<>(settings);
        env.put("PG2GP_FLINK_HOME", home.toAbsolutePath().toString());
        env.put("FLINK", repo.resolve("deploy/local-cluster/flink").toString());
        int rest = Integer.parseInt(env.getOrDefault("PG2GP_FLINK_REST_PORT", "8081"));
        SessionCluster cluster =
                new SessionCluster(repo.resolve("deploy/local-cluster"), env, rest);
        cluster.exec(Duration.ofMinutes(5), "flink-cluster", "start");
        return cluster;
    }

    /** Stops a cluster a previous run may have left running with its files under {@code home}. */
    public static void stopIfRunning(Path repo, Path home) throws IOException {
        if (Files.exists(home.resolve("jobmanager.pid"))
                || Files.exists(home.resolve("taskmanager.pid"))) {
            new SessionCluster(
                            repo.resolve("deploy/local-cluster"),
                            Map.of("PG2GP_FLINK_HOME", home.toAbsolutePath().toString()),
                            0)
                    .close();
        }
    }

    /** {@code flink run -d <jar> <args>}; returns the job id. */
    public String submit(Path jar, List<String> args) throws IOException {
        return submit(null, jar, args);
    }

    /** {@code flink run -d [-s <savepoint>] <jar> <args>}; returns the job id. */
    public String submit(String savepoint, Path jar, List<String> args) throws IOException {
        List<String> cli = new ArrayList<>(List.of("flink", "run", "-d"));
        if (savepoint != null) {
            cli.add("-s");
            cli.add(savepoint);
        }
        cli.add(jar.toAbsolutePath().toString());
        cli.addAll(args);
        return find(JOB_ID, exec(Duration.ofMinutes(3), cli.toArray(String[]::new)), "job id");
    }

    /**
     * {@code deploy/pg2gp-job <args>}, the runbook's job commands (submit, redeploy, recover),
     * against this cluster; returns the id of the job it started.
     */
    public String runbook(String... args) throws IOException {
        String[] command = new String[args.length + 1];
        command[0] = "../pg2gp-job";
        System.arraycopy(args, 0, command, 1, args.length);
        return find(JOB_ID, exec(Duration.ofMinutes(5), command), "job id");
    }

    /**
     * {@code sql-client -f <script>}: Flink's SQL client with pg2gp's SQL connector jar; returns
     * the id of the job the script's last INSERT submitted.
     */
    public String sqlClient(Path script) throws IOException {
        String out = exec(Duration.ofMinutes(5), "sql-client", "-f", script.toString());
        Matcher m = SQL_JOB_ID.matcher(out);
        String job = null;
        while (m.find()) {
            job = m.group(1);
        }
        if (job == null || out.contains("[ERROR]")) {
            throw new IOException("the SQL client submitted no job:\n" + out);
        }
        return job;
    }

    /** {@code flink stop --savepointPath <dir> <job>}; returns the savepoint's path. */
    public String stopWithSavepoint(String jobId, Path dir) throws IOException {
        String out =
                exec(
                        Duration.ofMinutes(3),
                        "flink",
                        "stop",
                        "--savepointPath",
                        dir.toUri().toString(),
                        jobId);
        return find(SAVEPOINT, out, "savepoint path");
    }

    public void cancel(String jobId) throws IOException {
        exec(Duration.ofMinutes(1), "flink", "cancel", jobId);
    }

    /** GET on the REST API (what the web UI shows). */
    public JsonNode rest(String path) throws IOException {
        HttpRequest request =
                HttpRequest.newBuilder(URI.create("http://localhost:" + restPort + path))
                        .timeout(Duration.ofSeconds(10))
                        .build();
        try {
            HttpResponse<String> response =
                    http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException(
                        "GET "
                                + path
                                + " answered "
                                + response.statusCode()
                                + ": "
                                + response.body());
            }
            return JSON.readTree(response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /**
     * {@code flink-cluster taskmanager start|stop|kill}: the TaskManager alone, the JobManager and
     * its jobs stay ({@code kill} is a {@code kill -9}, as a crash).
     */
    public String taskManager(String action) throws IOException {
        return exec(Duration.ofMinutes(3), "flink-cluster", "taskmanager", action);
    }

    /** The job's name, as submitted. */
    public String jobName(String jobId) throws IOException {
        return rest("/jobs/" + jobId).path("name").asText();
    }

    /** The job's state, e.g. RUNNING, as the web UI shows it. */
    public String jobState(String jobId) throws IOException {
        return rest("/jobs/" + jobId).path("state").asText();
    }

    /** True when the job and every one of its tasks run. */
    public boolean fullyRunning(String jobId) throws IOException {
        JsonNode job = rest("/jobs/" + jobId);
        if (!"RUNNING".equals(job.path("state").asText())) {
            return false;
        }
        for (JsonNode v : job.path("vertices")) {
            if (!"RUNNING".equals(v.path("status").asText())) {
                return false;
            }
        }
        return true;
    }

    /** The files the cluster logs to. */
    public Path logDirectory() {
        return Path.of(environment.get("PG2GP_FLINK_HOME"), "log");
    }

    @Override
    public void close() throws IOException {
        exec(Duration.ofMinutes(2), "flink-cluster", "stop");
    }

    private static String find(Pattern p, String output, String what) throws IOException {
        Matcher m = p.matcher(output);
        if (!m.find()) {
            throw new IOException("no " + what + " in the Flink CLI's output:\n" + output);
        }
        return m.group(1);
    }

    /** Runs one of the scripts; its output is returned, or thrown with the exit code. */
    String exec(Duration timeout, String... scriptAndArgs) throws IOException {
        List<String> command = new ArrayList<>(List.of(scriptAndArgs));
        command.set(0, scripts.resolve(scriptAndArgs[0]).toString());
        // Output to a file, so the timeout holds even when the command never closes its output.
        Path output = Files.createTempFile("pg2gp-cluster-", ".out");
        ProcessBuilder pb =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(environment);
        Process p = pb.start();
        String text;
        try {
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            text = Files.readString(output, StandardCharsets.UTF_8);
            if (!done) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " timed out:\n" + text);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            Files.deleteIfExists(output);
        }
        if (p.exitValue() != 0) {
            throw new IOException(
                    String.join(" ", command) + " exited with " + p.exitValue() + ":\n" + text);
        }
        return text;
    }
}
