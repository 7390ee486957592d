package io.pg2gp.jobs.rollup.recompute;

import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup;
import org.apache.flink.runtime.metrics.groups.UnregisteredMetricGroups;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.runtime.operators.testutils.MockInputSplitProvider;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The state the {@link DirtyHoursFunction} fixtures hold, shared by the generator and the restore
 * test. Add a version to {@link #VERSIONS} only with a deliberate state change (and a state
 * migration); the older fixtures stay and keep being restored.
 *
 * <p>At processing time 1 000 hours {@link #H1}, {@link #H2} (consecutive) and {@link #H3} become
 * dirty, which registers the recompute timer at {@link #TIMER}; at 2 000 {@link #H1} comes again
 * (no change). The savepoint is taken there, before the timer fires.
 *
 * <p>No warehouse is needed: the function's connection goes to a JDBC driver registered here that
 * records the SQL it is sent and answers every query with one row of zeros.
 */
final class DirtyHoursStateFixture {

    /** The fixture versions the restore test restores: every release's layout still loads. */
    static final List<String> VERSIONS = List.of("v1");

    /** The version the generator writes. */
    static final String VERSION = VERSIONS.get(VERSIONS.size() - 1);

    static final int MAX_PARALLELISM = 128;
    static final long DELAY_MILLIS = 60_000;

    /** Two hours per transaction: the three restored hours take two. */
    static final int MAX_HOURS = 2;

    static final long H1 = Instant.parse("2025-03-01T10:00:00Z").toEpochMilli();
    static final long H2 = Instant.parse("2025-03-01T11:00:00Z").toEpochMilli();
    static final long H3 = Instant.parse("2025-03-01T13:00:00Z").toEpochMilli();
    static final long SNAPSHOT_TIME = 2_000;
    static final long TIMER = 1_000 + DELAY_MILLIS;

    /** Nothing listens there, so the PostgreSQL driver refuses and the recorder answers. */
    static final String URL = "jdbc:postgresql://127.0.0.1:1/state-fixture-recorder";

    /** SQL the function sent to the recorder, in order. */
    static final List<String> SQL = new CopyOnWriteArrayList<>();

    enum Backend {
        HEAP,
        ROCKSDB;

        String fixture(String version) {
            return "state-fixtures/%s-%s-%s.snapshot"
                    .formatted("dirty-hours", name().toLowerCase(Locale.ROOT), version);
        }
    }

    /** One fixture file: the version of the build that wrote it and the backend it ran on. */
    record Fixture(String version, Backend backend) {
        static Stream<Fixture> all() {
            return VERSIONS.stream()
                    .flatMap(v -> Stream.of(Backend.values()).map(b -> new Fixture(v, b)));
        }

        String resource() {
            return backend.fixture(version);
        }

        @Override
        public String toString() {
            return version + " " + backend;
        }
    }

    private DirtyHoursStateFixture() {}

    static Path sourcePath(Backend backend) {
        return Path.of(System.getProperty("basedir", "."), "src", "test", "resources")
                .resolve(backend.fixture(VERSION));
    }

    static final class Metrics extends UnregisteredMetricGroups.UnregisteredTaskMetricGroup {
        final InterceptingOperatorMetricGroup operator = new InterceptingOperatorMetricGroup();

        @Override
        public InternalOperatorMetricGroup getOrAddOperator(OperatorID id, String name) {
            return operator;
        }

        Metric get(String name) {
            return operator.get(name);
        }

        long count(String name) {
            return ((Counter) operator.get(name)).getCount();
        }
    }

    /** The recompute operator on the current code, one subtask as in the job. */
    static final class Subtask implements AutoCloseable {
        final KeyedOneInputStreamOperatorTestHarness<Integer, Long, Long> harness;
        final Metrics metrics = new Metrics();
        private final MockEnvironment env;

        Subtask(Backend backend) throws Exception {
            RecordingDriver.register();
            env =
                    new MockEnvironmentBuilder()
                            .setTaskName("MockTask")
                            .setManagedMemorySize(3 * 1024 * 1024)
                            .setInputSplitProvider(new MockInputSplitProvider())
                            .setBufferSize(1024)
                            .setMaxParallelism(MAX_PARALLELISM)
                            .setParallelism(1)
                            .setSubtaskIndex(0)
                            .setMetricGroup(metrics)
                            .build();
            harness =
                    new KeyedOneInputStreamOperatorTestHarness<>(
                            new KeyedProcessOperator<>(
                                    new DirtyHoursFunction(
                                            new WarehouseConnectionOptions(URL, "pg2gp", null),
                                            new RollupRecomputer(List.of(), "analytics"),
                                            DELAY_MILLIS,
                                            MAX_HOURS)),
                            hour -> 0, // as RollupPipeline keys it
                            Types.INT,
                            env);
            if (backend == Backend.ROCKSDB) {
                harness.setStateBackend(new EmbeddedRocksDBStateBackend(false));
            }
        }

        OperatorSubtaskState savepoint(long id) throws Exception {
            return harness.snapshotWithLocalState(
                            id, id, SavepointType.savepoint(SavepointFormatType.CANONICAL))
                    .getJobManagerOwnedState();
        }

        @Override
        public void close() throws Exception {
            try {
                harness.close();
            } finally {
                env.close();
            }
        }
    }

    /** A JDBC driver for {@link #URL} whose connections record statements in {@link #SQL}. */
    static final class RecordingDriver implements Driver {
        private static boolean registered;

        static synchronized void register() throws SQLException {
            if (!registered) {
                DriverManager.registerDriver(new RecordingDriver());
                registered = true;
            }
        }

        @Override
        public Connection connect(String url, Properties info) {
            return acceptsURL(url) ? proxy(Connection.class) : null;
        }

        @Override
        public boolean acceptsURL(String url) {
            return url != null && url.startsWith(URL);
        }

        @Override
        public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
            return new DriverPropertyInfo[0];
        }

        @Override
        public int getMajorVersion() {
            return 1;
        }

        @Override
        public int getMinorVersion() {
            return 0;
        }

        @Override
        public boolean jdbcCompliant() {
            return false;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        private static <T> T proxy(Class<T> type) {
            Object p =
                    Proxy.newProxyInstance(
                            RecordingDriver.class.getClassLoader(),
                            new Class<?>[] {type},
                            (self, m, args) -> {
                                String name = m.getName();
                                if (name.startsWith("execute")) {
                                    SQL.add((String) args[0]);
                                }
                                return switch (name) {
                                    case "createStatement" -> proxy(Statement.class);
                                    case "executeQuery" -> proxy(ResultSet.class);
                                    case "getAutoCommit", "next" -> true;
                                    case "toString" -> "recording " + type.getSimpleName();
                                    case "equals" -> self == args[0];
                                    default -> zero(m.getReturnType());
                                };
                            });
            return type.cast(p);
        }

        private static Object zero(Class<?> t) {
            if (t == boolean.class) {
                return false;
            } else if (t == int.class) {
                return 0;
            } else if (t == long.class) {
                return 0L;
            }
            return null;
        }
    }
}
