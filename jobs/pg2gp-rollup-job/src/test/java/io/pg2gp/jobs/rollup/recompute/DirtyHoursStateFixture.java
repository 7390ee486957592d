package io.pg2gp.jobs.rollup.recompute;

import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.connector.warehouse.internal.sql.WarehouseDialect;
import io.pg2gp.jobs.ingest.sink.WarehouseDdl;
import io.pg2gp.jobs.rollup.definition.RollupDefinitions;
import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SharedPostgres;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
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
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
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
 * <p>The function recomputes into a real warehouse: a fresh database on the shared PostgreSQL test
 * server with the fact table and every rollup table of {@code sql/rollups}.
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

    static final long HOUR = 3_600_000;
    static final long H1 = Instant.parse("2025-03-01T10:00:00Z").toEpochMilli();
    static final long H2 = Instant.parse("2025-03-01T11:00:00Z").toEpochMilli();
    static final long H3 = Instant.parse("2025-03-01T13:00:00Z").toEpochMilli();
    static final long SNAPSHOT_TIME = 2_000;
    static final long TIMER = 1_000 + DELAY_MILLIS;

    /** When the restored hours became pending, in the processing time of the generator. */
    static final long PENDING_SINCE = 1_000;

    /** The schema the warehouse's tables are in. */
    static final String SCHEMA = "public";

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

    /** A fresh warehouse database on the shared test server, with the fact and rollup tables. */
    static final class Warehouse {
        final PostgresServer server = SharedPostgres.warehouse();
        final String database;
        final RollupRecomputer recomputer =
                new RollupRecomputer(RollupDefinitions.load(null), SCHEMA);

        Warehouse() throws Exception {
            database = server.createDatabase(SharedPostgres.uniqueDatabase("dirty_hours"));
            server.execute(database, WarehouseDdl.script(false, SCHEMA));
            try (Connection c = connect()) {
                recomputer.createTables(c, WarehouseDialect.POSTGRES);
            }
        }

        WarehouseConnectionOptions options() {
            return new WarehouseConnectionOptions(
                    server.jdbcUrl(database), PostgresServer.SUPERUSER, null);
        }

        Connection connect() throws Exception {
            return server.connect(database);
        }
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

        long gauge(String name) {
            return ((Number) ((Gauge<?>) operator.get(name)).getValue()).longValue();
        }
    }

    /** The recompute operator on the current code, one subtask as in the job. */
    static final class Subtask implements AutoCloseable {
        final KeyedOneInputStreamOperatorTestHarness<Integer, Long, Long> harness;
        final Metrics metrics = new Metrics();
        private final MockEnvironment env;

        Subtask(Backend backend, Warehouse warehouse) throws Exception {
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
                            new DirtyHoursFunction.Operator(
                                    new DirtyHoursFunction(
                                            warehouse.options(),
                                            warehouse.recomputer,
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
}
