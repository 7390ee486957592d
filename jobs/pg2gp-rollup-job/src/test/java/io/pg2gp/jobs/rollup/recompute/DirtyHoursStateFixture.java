package io.pg2gp.jobs.rollup.recompute;

import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.jobs.ingest.StateFixtures;
import io.pg2gp.jobs.ingest.StateFixtures.Backend;
import io.pg2gp.jobs.ingest.StateFixtures.Fixture;
import io.pg2gp.jobs.ingest.StateFixtures.Metrics;
import io.pg2gp.jobs.rollup.definition.RollupDefinitions;
import io.pg2gp.jobs.settings.WarehouseDdl;
import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SharedPostgres;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.util.List;
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

    /** The fixtures' name in their file names. */
    static final String NAME = "dirty-hours";

    /** Every fixture the restore test restores. */
    static Stream<Fixture> all() {
        return Fixture.all(NAME, VERSIONS);
    }

    private DirtyHoursStateFixture() {}

    static Path sourcePath(Backend backend) {
        return StateFixtures.sourcePath(NAME, backend, VERSION);
    }

    /** A fresh warehouse database on the shared test server, with the fact and rollup tables. */
    static final class Warehouse {
        final PostgresServer server = SharedPostgres.warehouse();
        final String database;
        final RollupRecomputer recomputer =
                new RollupRecomputer(RollupDefinitions.load(null), SCHEMA);

        Warehouse() throws Exception {
            database = server.createDatabase(SharedPostgres.uniqueDatabase("dirty_hours"));
            server.execute(database, WarehouseDdl.script(WarehouseDialect.POSTGRES, SCHEMA));
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

    /** The recompute operator on the current code, one subtask as in the job. */
    static final class Subtask implements AutoCloseable {
        final KeyedOneInputStreamOperatorTestHarness<Integer, Long, Long> harness;
        final Metrics metrics = new Metrics();
        private final MockEnvironment env;

        Subtask(Backend backend, Warehouse warehouse) throws Exception {
            env = StateFixtures.environment(MAX_PARALLELISM, 1, 0, metrics);
            harness =
                    new KeyedOneInputStreamOperatorTestHarness<>(
                            new DirtyHoursFunction.Operator(
                                    new DirtyHoursFunction(
                                            warehouse.options(),
                                            warehouse.recomputer,
                                            DELAY_MILLIS,
                                            MAX_HOURS,
                                            RollupHourRange.defaults())),
                            hour -> 0, // as RollupPipeline keys it
                            Types.INT,
                            env);
            backend.applyTo(harness);
        }

        OperatorSubtaskState savepoint(long id) throws Exception {
            return StateFixtures.savepoint(harness, id);
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
