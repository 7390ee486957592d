package io.pg2gp.testutils;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real Greenplum 6 cluster for tests: either one the user names ({@value #ENV_URL}, optionally
 * {@value #ENV_USER} and {@value #ENV_PASSWORD}), or a single-host cluster (coordinator + 2
 * primaries) that {@code gp-cluster} creates from the open-source build beside the project ({@code
 * ../shared/greenplum/gp-cluster}, or {@value #ENV_SCRIPT}). The managed cluster lives in {@value
 * #ENV_DATA} (default: a directory under the temporary directory) and is created once: test JVMs of
 * later modules find it running and reuse it; {@code ./pg2gp test} stops it at the end.
 */
public final class GreenplumCluster implements DatabaseServer {

    private static final Logger LOG = LoggerFactory.getLogger(GreenplumCluster.class);

    /** JDBC URL of an existing cluster's coordinator, e.g. jdbc:postgresql://gp:5432/postgres. */
    public static final String ENV_URL = "PG2GP_GREENPLUM_URL";

    public static final String ENV_USER = "PG2GP_GREENPLUM_USER";
    public static final String ENV_PASSWORD = "PG2GP_GREENPLUM_PASSWORD";

    /** Path of the gp-cluster script, when it is not at ../shared/greenplum/gp-cluster. */
    public static final String ENV_SCRIPT = "PG2GP_GP_CLUSTER";

    /** Data directory of the managed cluster; one cluster per directory. */
    public static final String ENV_DATA = "PG2GP_GREENPLUM_DATA";

    private static final String OS_USER = "gpadmin";

    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final String maintenanceDatabase;
    private final Path script;
    private final Path dataDir;
    private final Path home;

    private GreenplumCluster(
            String host,
            int port,
            String user,
            String password,
            String maintenanceDatabase,
            Path script,
            Path dataDir,
            Path home) {
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        this.maintenanceDatabase = maintenanceDatabase;
        this.script = script;
        this.dataDir = dataDir;
        this.home = home;
    }

    /**
     * The cluster outside JUnit (e.g. for a benchmark): the user's ({@value #ENV_URL}), else the
     * managed one of the gp-cluster script in {@value #ENV_DATA}, started or created as needed;
     * empty when there is neither.
     */
    public static Optional<GreenplumCluster> locate() {
        Optional<GreenplumCluster> fromEnv = fromEnvironment();
        if (fromEnv.isPresent()) {
            return fromEnv;
        }
        return locateScript().map(script -> managed(script, defaultDataDir()));
    }

    /** The user's cluster from {@value #ENV_URL}, if set. */
    static Optional<GreenplumCluster> fromEnvironment() {
        String url = System.getenv(ENV_URL);
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        var m =
                java.util.regex.Pattern.compile("jdbc:postgresql://([^:/]+)(?::(\\d+))?/([^?]+).*")
                        .matcher(url.trim());
        if (!m.matches()) {
            throw new IllegalStateException(
                    ENV_URL + "=" + url + " is not jdbc:postgresql://host[:port]/database");
        }
        String user = Optional.ofNullable(System.getenv(ENV_USER)).orElse("gpadmin");
        return Optional.of(
                new GreenplumCluster(
                        m.group(1),
                        m.group(2) == null ? 5432 : Integer.parseInt(m.group(2)),
                        user,
                        System.getenv(ENV_PASSWORD),
                        m.group(3),
                        null,
                        null,
                        null));
    }

    /** The gp-cluster script: {@value #ENV_SCRIPT}, or shared/greenplum/ beside an ancestor. */
    static Optional<Path> locateScript() {
        String env = System.getenv(ENV_SCRIPT);
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            if (!Files.isRegularFile(p)) {
                throw new IllegalStateException(ENV_SCRIPT + "=" + env + " is not a file");
            }
            return Optional.of(p.toAbsolutePath());
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("shared/greenplum/gp-cluster");
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    static Path defaultDataDir() {
        String env = System.getenv(ENV_DATA);
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath();
        }
        return Path.of(System.getProperty("java.io.tmpdir"))
                .resolve("pg2gp-greenplum-" + System.getProperty("user.name"));
    }

    /**
     * Starts (or finds running) the cluster of {@code script} in {@code dataDir}, under a file lock
     * so that concurrent test JVMs create it once.
     */
    static GreenplumCluster managed(Path script, Path dataDir) {
        Path lockFile = dataDir.resolveSibling(dataDir.getFileName() + ".lock");
        try (var channel =
                        java.nio.channels.FileChannel.open(
                                lockFile,
                                java.nio.file.StandardOpenOption.CREATE,
                                java.nio.file.StandardOpenOption.WRITE);
                var lock = channel.lock()) {
            if (isRoot()) {
                ensureOsUser();
            }
            Map<String, String> env = Map.of("GP_DATA", dataDir.toString());
            Path clusterEnv = dataDir.resolve("cluster.env");
            boolean up = false;
            if (Files.isRegularFile(clusterEnv)) {
                up = run(script, env, 300, "status") == 0;
                if (!up) {
                    LOG.info("Greenplum in {} is not running; starting it", dataDir);
                    up = run(script, env, 600, "start") == 0;
                }
            }
            if (!up) {
                long t0 = System.nanoTime();
                check(run(script, Map.of(), 900, "install"), "install", dataDir);
                Map<String, String> create = new HashMap<>(env);
                List<Integer> ports = freePorts(3);
                create.put("GP_COORD_PORT", String.valueOf(ports.get(0)));
                create.put("GP_SEG_PORTS", ports.get(1) + " " + ports.get(2));
                check(run(script, create, 900, "create"), "create", dataDir);
                LOG.info(
                        "Greenplum cluster created in {} s in {}",
                        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0),
                        dataDir);
            }
            Map<String, String> settings = readEnvFile(clusterEnv);
            return new GreenplumCluster(
                    "127.0.0.1",
                    Integer.parseInt(settings.get("GP_COORD_PORT")),
                    settings.get("GP_USER"),
                    null,
                    "postgres",
                    script,
                    dataDir,
                    Path.of(settings.get("GP_HOME")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    @Override
    public String user() {
        return user;
    }

    /** The password, or null for trust authentication. */
    public String password() {
        return password;
    }

    /** The Greenplum install of the managed cluster ($GPHOME: bin/gpfdist, bin/psql). */
    public Optional<Path> home() {
        return Optional.ofNullable(home);
    }

    /** The managed cluster's data directory (coordinator/gpseg-1, primary/gpseg0..N). */
    public Optional<Path> dataDirectory() {
        return Optional.ofNullable(dataDir);
    }

    /** Whether this build created the cluster (and so may restart it). */
    public boolean managed() {
        return script != null;
    }

    @Override
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    @Override
    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(
                jdbcUrl(database), user, password == null ? "" : password);
    }

    @Override
    public String maintenanceDatabase() {
        return maintenanceDatabase;
    }

    /**
     * The psql that runs SQL files against this cluster: Greenplum's own for the managed cluster,
     * else the machine's.
     */
    public List<String> psql(String database) {
        List<String> cmd = new ArrayList<>();
        cmd.add(home != null ? home.resolve("bin/psql").toString() : "psql");
        cmd.addAll(
                List.of(
                        "-X",
                        "-q",
                        "-v",
                        "ON_ERROR_STOP=1",
                        "-h",
                        host,
                        "-p",
                        String.valueOf(port),
                        "-U",
                        user,
                        "-d",
                        database));
        return cmd;
    }

    /** Stops the managed cluster ({@code fast} or {@code immediate}); for outage tests. */
    public void stop(String mode) {
        requireManaged("stop");
        check(
                run(script, Map.of("GP_DATA", dataDir.toString()), 600, "stop", mode),
                "stop",
                dataDir);
    }

    /** Starts the managed cluster again after {@link #stop}. */
    public void start() {
        requireManaged("start");
        check(run(script, Map.of("GP_DATA", dataDir.toString()), 600, "start"), "start", dataDir);
    }

    private void requireManaged(String what) {
        if (!managed()) {
            throw new IllegalStateException(
                    "cannot " + what + " a cluster this build did not create");
        }
    }

    @Override
    public String toString() {
        return "Greenplum at "
                + host
                + ":"
                + port
                + (managed() ? " (gp-cluster, data " + dataDir + ")" : " (" + ENV_URL + ")");
    }

    private static void check(int rc, String command, Path dataDir) {
        if (rc != 0) {
            throw new IllegalStateException(
                    "gp-cluster "
                            + command
                            + " failed (exit "
                            + rc
                            + ", GP_DATA="
                            + dataDir
                            + "); its output is in the test log");
        }
    }

    /** Runs the script; its output goes to this JVM's log so a failure can be read there. */
    private static int run(
            Path script, Map<String, String> env, int timeoutSeconds, String... args) {
        List<String> cmd = new ArrayList<>(List.of("bash", script.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        try {
            Path out = Files.createTempFile("gp-cluster-", ".log");
            pb.redirectOutput(out.toFile());
            Process p = pb.start();
            boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            String text = Files.readString(out, StandardCharsets.UTF_8);
            Files.deleteIfExists(out);
            if (!done) {
                p.destroyForcibly();
                LOG.error("gp-cluster {} timed out after {} s:\n{}", args[0], timeoutSeconds, text);
                return -1;
            }
            if (p.exitValue() == 0 || "status".equals(args[0])) {
                LOG.info("gp-cluster {} exited {}", String.join(" ", args), p.exitValue());
            } else {
                LOG.error(
                        "gp-cluster {} exited {}:\n{}",
                        String.join(" ", args),
                        p.exitValue(),
                        text);
            }
            return p.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * gp-cluster runs the cluster as {@value #OS_USER} when started by root, and (6.24.3's script)
     * exits silently when that user does not exist yet: create it first.
     */
    private static void ensureOsUser() throws IOException {
        try {
            Process id = new ProcessBuilder("id", OS_USER).start();
            if (id.waitFor() == 0) {
                return;
            }
            Process add =
                    new ProcessBuilder("useradd", "-m", "-s", "/bin/bash", OS_USER)
                            .redirectErrorStream(true)
                            .start();
            String out = new String(add.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (add.waitFor() != 0) {
                throw new IllegalStateException("useradd " + OS_USER + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> readEnvFile(Path file) throws IOException {
        Map<String, String> out = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            int eq = line.indexOf('=');
            if (!line.startsWith("#") && eq > 0) {
                out.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return out;
    }

    private static List<Integer> freePorts(int n) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                sockets.add(new ServerSocket(0));
            }
            return sockets.stream().map(ServerSocket::getLocalPort).toList();
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
