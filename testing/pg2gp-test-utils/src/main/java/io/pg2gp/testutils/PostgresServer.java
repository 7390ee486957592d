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
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server started from the machine's PostgreSQL binaries in a temporary directory
 * on a free port. Used by the tests and by the local run.
 *
 * <p>PostgreSQL refuses to run as root; when this JVM runs as root the server runs as the {@code
 * postgres} system user that the server package creates.
 */
public final class PostgresServer implements DatabaseServer, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresServer.class);
    public static final String SUPERUSER = "pg2gp";

    private final String name;
    private final Path binDir;
    private final Path baseDir;
    private final Path dataDir;
    private final int port;
    private final boolean asPostgresUser;
    private final boolean keepData;
    private final String password;
    private volatile boolean running;

    private PostgresServer(Builder b) throws IOException {
        this.name = b.name;
        this.binDir = PostgresBinaries.locate();
        this.asPostgresUser = isRoot();
        this.baseDir =
                b.baseDir != null
                        ? Files.createDirectories(b.baseDir)
                        : Files.createTempDirectory("pg2gp-" + b.name + "-");
        this.dataDir = baseDir.resolve("data");
        this.port = b.port > 0 ? b.port : freePort();
        this.keepData = b.keepData;
        this.password = b.password;
        boolean fresh = !Files.exists(dataDir.resolve("PG_VERSION"));
        Path pwFile = baseDir.resolve("pwfile");
        if (fresh && password != null) {
            Files.writeString(pwFile, password + "\n");
        }
        if (asPostgresUser) {
            run(List.of("chown", "-R", "postgres", baseDir.toString()), false);
            run(List.of("chmod", "755", baseDir.toString()), false);
        }
        if (fresh) {
            List<String> initdb =
                    new ArrayList<>(
                            List.of(
                                    bin("initdb"),
                                    "-D",
                                    dataDir.toString(),
                                    "-U",
                                    SUPERUSER,
                                    "-E",
                                    "UTF8",
                                    "--locale=C",
                                    "--no-sync"));
            if (password == null) {
                initdb.add("--auth=trust");
            } else {
                // Connections are TCP only (no unix socket), so all of them need the password.
                initdb.addAll(
                        List.of(
                                "--auth-local=trust",
                                "--auth-host=scram-sha-256",
                                "--pwfile=" + pwFile));
            }
            try {
                run(initdb, true);
            } finally {
                Files.deleteIfExists(pwFile);
            }
        }
        List<String> opts = new ArrayList<>();
        opts.add("-p " + port);
        opts.add("-c listen_addresses=127.0.0.1");
        opts.add("-c unix_socket_directories=''");
        opts.add("-c max_connections=200");
        opts.add("-c shared_buffers=" + b.sharedBuffers);
        opts.add("-c TimeZone=UTC");
        if (b.logicalReplication) {
            opts.add("-c wal_level=logical");
            opts.add("-c max_replication_slots=32");
            opts.add("-c max_wal_senders=32");
            opts.add("-c wal_sender_timeout=10s");
        }
        if (b.fastUnsafe) {
            // Tests and benchmarks throw the cluster away: durability buys nothing here.
            opts.add("-c fsync=off");
            opts.add("-c synchronous_commit=off");
            opts.add("-c full_page_writes=off");
        }
        opts.add("-c max_wal_size=4GB");
        opts.addAll(b.extraSettings.stream().map(s -> "-c " + s).toList());
        run(
                List.of(
                        bin("pg_ctl"),
                        "-D",
                        dataDir.toString(),
                        "-l",
                        baseDir.resolve("postgres.log").toString(),
                        "-o",
                        String.join(" ", opts),
                        "-w",
                        "-t",
                        "60",
                        "start"),
                true);
        running = true;
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopQuietly, "stop-pg-" + name));
        LOG.info("PostgreSQL '{}' running on 127.0.0.1:{} (data {})", name, port, dataDir);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public String host() {
        return "127.0.0.1";
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path logFile() {
        return baseDir.resolve("postgres.log");
    }

    @Override
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    @Override
    public String user() {
        return SUPERUSER;
    }

    @Override
    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(
                jdbcUrl(database), SUPERUSER, password == null ? "" : password);
    }

    @Override
    public String maintenanceDatabase() {
        return "postgres";
    }

    @Override
    public String toString() {
        return "PostgreSQL '" + name + "' on 127.0.0.1:" + port;
    }

    /** Path of a binary next to the server (psql, pg_recvlogical, ...). */
    public String bin(String program) {
        return binDir.resolve(program).toString();
    }

    @Override
    public void close() {
        stopQuietly();
    }

    private synchronized void stopQuietly() {
        if (!running) {
            return;
        }
        running = false;
        try {
            run(
                    List.of(
                            bin("pg_ctl"),
                            "-D",
                            dataDir.toString(),
                            "-m",
                            "immediate",
                            "-w",
                            "stop"),
                    true);
        } catch (RuntimeException e) {
            LOG.warn("could not stop PostgreSQL '{}': {}", name, e.getMessage());
        }
        if (!keepData) {
            deleteRecursively(baseDir);
        }
    }

    private void run(List<String> command, boolean asServerUser) {
        List<String> full = new ArrayList<>();
        if (asServerUser && asPostgresUser) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        try {
            Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                String log = "";
                Path logFile = baseDir.resolve("postgres.log");
                if (Files.exists(logFile)) {
                    log = "\n--- postgres.log ---\n" + Files.readString(logFile);
                }
                throw new IllegalStateException(
                        "command failed: "
                                + String.join(" ", full)
                                + "\n"
                                + new String(out, StandardCharsets.UTF_8)
                                + log);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.debug("could not delete {}", dir, e);
        }
    }

    /** Settings of a server to start. */
    public static final class Builder {
        private final String name;
        private Path baseDir;
        private int port;
        private boolean logicalReplication;
        private boolean fastUnsafe = true;
        private boolean keepData;
        private String sharedBuffers = "128MB";
        private String password;
        private final List<String> extraSettings = new ArrayList<>();

        private Builder(String name) {
            this.name = name;
        }

        /** A fixed directory (reused when it already holds a cluster); default a temp dir. */
        public Builder baseDir(Path dir) {
            this.baseDir = dir;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder logicalReplication(boolean on) {
            this.logicalReplication = on;
            return this;
        }

        /** fsync off and friends; on by default because tests discard the cluster. */
        public Builder fastUnsafe(boolean on) {
            this.fastUnsafe = on;
            return this;
        }

        public Builder keepData(boolean keep) {
            this.keepData = keep;
            return this;
        }

        /**
         * Gives {@link #SUPERUSER} this password and makes every connection authenticate with it
         * (scram-sha-256). Default: no password, every connection trusted. Applies when the cluster
         * is created, not to a reused {@link #baseDir}.
         */
        public Builder password(String value) {
            this.password = value;
            return this;
        }

        public Builder sharedBuffers(String value) {
            this.sharedBuffers = value;
            return this;
        }

        public Builder setting(String nameEqualsValue) {
            this.extraSettings.add(nameEqualsValue);
            return this;
        }

        public PostgresServer start() {
            try {
                return new PostgresServer(this);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
