package io.pg2gp.jobs.ingest;

import io.pg2gp.connector.cdc.PostgresPreflight;
import io.pg2gp.jobs.ingest.config.IngestSettings;
import io.pg2gp.jobs.settings.FlinkSettings;
import io.pg2gp.jobs.settings.JobArguments;
import io.pg2gp.jobs.settings.PipelineConfig;
import io.pg2gp.jobs.settings.SettingException;
import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SeedWorkload;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.InstantiationUtil;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Passwords come from the environment where connections are opened: they are in no program
 * argument, Flink configuration, job graph, REST answer or log line, and the pipeline still reaches
 * a source and a warehouse that refuse connections without them.
 */
public class SecretsITCase {

    /** Set by failsafe (see this module's pom), never written anywhere by the test. */
    private static final String SECRET_VAR = "PG2GP_TEST_SECRET";

    private static final String SECRET = System.getenv(SECRET_VAR);

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    /** Source and warehouse databases on one server that wants the password (scram-sha-256). */
    private static PostgresServer server;

    @BeforeAll
    static void startServer() {
        assertThat(SECRET).as(SECRET_VAR + " in the test environment").hasSizeGreaterThan(8);
        server =
                PostgresServer.builder("secrets").logicalReplication(true).password(SECRET).start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private static PipelineTestEnvironment environment() {
        PipelineTestEnvironment env = new PipelineTestEnvironment(server, server);
        env.settings.put("source.password-env", SECRET_VAR);
        env.settings.put("warehouse.password-env", SECRET_VAR);
        return env;
    }

    /** The job's command line for these settings. */
    private static String[] programArgs(Map<String, String> settings) {
        List<String> args = new ArrayList<>();
        settings.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
        return args.toArray(String[]::new);
    }

    @Test
    void theServerRefusesAMissingOrWrongPassword() throws Exception {
        try (PipelineTestEnvironment env = environment()) {
            String url = server.jdbcUrl(env.sourceDb);
            // pgjdbc refuses to send an empty password; the server refuses a wrong one.
            assertThatThrownBy(
                            () ->
                                    DriverManager.getConnection(url, PostgresServer.SUPERUSER, "")
                                            .close())
                    .isInstanceOf(SQLException.class);
            assertThatThrownBy(
                            () ->
                                    DriverManager.getConnection(
                                                    url, PostgresServer.SUPERUSER, SECRET + "x")
                                            .close())
                    .hasMessageContaining("password authentication failed");
            env.settings.put("source.password-env", "PG2GP_TEST_NO_SUCH_VARIABLE");
            env.settings.put("warehouse.password-env", "PG2GP_TEST_NO_SUCH_VARIABLE");
            PipelineConfig config = env.config();
            assertThatThrownBy(
                            () -> new PostgresPreflight(IngestSettings.cdcOptions(config)).check(1))
                    .hasMessageContaining("PG2GP_TEST_NO_SUCH_VARIABLE");
            assertThatThrownBy(() -> config.warehouseConnection().open("pg2gp test").close())
                    .hasStackTraceContaining("password");
            // Start-up names the variable and the setting before anything else runs.
            assertThatThrownBy(() -> IngestJob.prepare(config))
                    .isInstanceOf(SettingException.class)
                    .hasMessageStartingWith("the source asks for a password for")
                    .hasMessageContaining(
                            "the environment variable PG2GP_TEST_NO_SUCH_VARIABLE (named by"
                                    + " source.password-env) is not set");
        }
    }

    @Test
    void noPasswordInProgramArgumentsFlinkConfigurationOrJobGraph() throws Exception {
        try (PipelineTestEnvironment env = environment()) {
            String[] args = programArgs(env.settings);
            assertThat(String.join(" ", args)).doesNotContain(SECRET);
            PipelineConfig config = JobArguments.parse(args);
            Configuration flinkConf = FlinkSettings.of(config);
            assertThat(flinkConf.toMap().toString()).doesNotContain(SECRET);

            StreamExecutionEnvironment see =
                    StreamExecutionEnvironment.getExecutionEnvironment(flinkConf);
            IngestPipeline.build(see, config);
            assertThat(see.getConfiguration().toString()).doesNotContain(SECRET);
            JobGraph jobGraph = see.getStreamGraph().getJobGraph();

            // Everything the client ships: the graph with its user code (operators, coordinator
            // providers, execution config), each part also on its own.
            List<byte[]> shipped = new ArrayList<>();
            shipped.add(InstantiationUtil.serializeObject(jobGraph));
            shipped.add(InstantiationUtil.serializeObject(jobGraph.getJobConfiguration()));
            shipped.add(jobGraph.getSerializedExecutionConfig().getByteArray());
            for (JobVertex v : jobGraph.getVertices()) {
                shipped.add(InstantiationUtil.serializeObject(v.getConfiguration()));
                v.getOperatorCoordinators().forEach(c -> shipped.add(c.getByteArray()));
            }
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (byte[] b : shipped) {
                all.write(b);
            }
            String bytes = latin1(all.toByteArray());
            // What the CDC source and the sinks do hold: the bytes scanned are the real ones.
            assertThat(bytes).contains(latin1(env.slot)).contains(latin1(SECRET_VAR));
            assertThat(bytes).doesNotContain(latin1(SECRET));
        }
    }

    @Test
    void thePipelineReadsThePasswordsFromTheEnvironmentAndLogsThemNowhere() throws Exception {
        String logged;
        List<String> rest = new ArrayList<>();
        try (PipelineTestEnvironment env = environment();
                Connection src = env.sourceConnection()) {
            SeedWorkload w = new SeedWorkload(src, 7);
            for (int i = 0; i < 10; i++) {
                w.addUser();
            }
            for (int i = 0; i < 100; i++) {
                w.addRequest();
            }
            try (LogCapture logs = new LogCapture()) {
                JobClient job = IngestPipelineITCase.start(env, env.config(), null);
                try {
                    // Snapshot: the enumerator (JobManager) lists tables, splits chunks and
                    // creates the slot; the readers (TaskManager) read the chunks.
                    env.awaitWarehouseEqualsSource(Duration.ofSeconds(120));
                    // Stream: the reader's replication connection.
                    String u = w.addUser();
                    w.changeUserRole(u);
                    for (int i = 0; i < 30; i++) {
                        w.step();
                    }
                    w.completeRequest();
                    w.deleteRequest();
                    env.awaitWarehouseEqualsSource(Duration.ofSeconds(120));
                    for (String path :
                            List.of(
                                    "/jobmanager/config",
                                    "/jobs/" + job.getJobID(),
                                    "/jobs/" + job.getJobID() + "/config",
                                    "/jobs/" + job.getJobID() + "/jobmanager/config",
                                    "/jobs/" + job.getJobID() + "/exceptions")) {
                        rest.add(path + " " + get(path));
                    }
                } finally {
                    if (!job.getJobStatus().get().isGloballyTerminalState()) {
                        job.cancel().get();
                    }
                }
                logged = logs.text();
            }
        }
        // Kept for reading (the console gets WARN and above only).
        Files.writeString(Path.of("target", "SecretsITCase-run.log"), logged);
        assertThat(rest).allSatisfy(r -> assertThat(r).contains("{").doesNotContain(SECRET));
        // The capture saw the CDC source at work, including Debezium's own logging.
        assertThat(logged).contains("io.debezium").contains("org.apache.flink.cdc");
        assertThat(logged).doesNotContain(SECRET);
    }

    private static String latin1(String s) {
        return latin1(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static String get(String path) throws Exception {
        var conf = FLINK.getClientConfiguration();
        URI uri =
                URI.create(
                        "http://"
                                + conf.get(RestOptions.ADDRESS)
                                + ":"
                                + conf.get(RestOptions.PORT)
                                + path);
        return HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /**
     * Collects what is logged while open: INFO and above from everything, DEBUG from the CDC
     * source, Debezium and the connection pool, which handle the password. The console keeps
     * getting WARN and above only.
     */
    private static final class LogCapture implements AutoCloseable {
        private static final List<String> DEBUG =
                List.of("io.debezium", "org.apache.flink.cdc", "com.zaxxer.hikari");

        private final StringWriter out = new StringWriter();
        private final LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        private final org.apache.logging.log4j.core.config.Configuration config =
                ctx.getConfiguration();
        private final LoggerConfig root = config.getRootLogger();
        private final Level rootLevel = root.getLevel();
        private final Map<String, Appender> consoles = Map.copyOf(root.getAppenders());
        private final Appender appender;

        LogCapture() {
            appender =
                    WriterAppender.newBuilder()
                            .setName("secrets-capture")
                            .setTarget(out)
                            .setLayout(
                                    PatternLayout.newBuilder().withPattern("%p %c %m%n%ex").build())
                            .build();
            appender.start();
            config.addAppender(appender);
            consoles.keySet().forEach(root::removeAppender);
            consoles.values().forEach(a -> root.addAppender(a, Level.WARN, null));
            root.addAppender(appender, Level.ALL, null);
            root.setLevel(Level.INFO);
            for (String name : DEBUG) {
                LoggerConfig lc = new LoggerConfig(name, Level.DEBUG, true);
                config.addLogger(name, lc);
            }
            ctx.updateLoggers();
        }

        String text() {
            synchronized (out) {
                return out.toString();
            }
        }

        @Override
        public void close() {
            DEBUG.forEach(config::removeLogger);
            root.removeAppender(appender.getName());
            consoles.keySet().forEach(root::removeAppender);
            consoles.values().forEach(a -> root.addAppender(a, null, null));
            root.setLevel(rootLevel);
            ctx.updateLoggers();
            appender.stop();
        }
    }
}
