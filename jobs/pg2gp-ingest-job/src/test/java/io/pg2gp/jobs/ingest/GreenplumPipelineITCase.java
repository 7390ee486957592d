package io.pg2gp.jobs.ingest;

import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.SeedWorkload;
import io.pg2gp.testutils.SharedGreenplum;
import io.pg2gp.testutils.SharedPostgres;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole ingest pipeline on a MiniCluster from a real PostgreSQL source into a real Greenplum 6
 * warehouse ({@link SharedGreenplum}): the warehouse's segments pull the writers' gpfdist
 * endpoints, or COPY goes through the coordinator. Each test has a warehouse database of its own
 * that starts empty, so every run also proves {@code warehouse.create-tables: true} on Greenplum.
 */
public class GreenplumPipelineITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    private static final Duration CONVERGE = Duration.ofSeconds(180);

    /** Includes a Greenplum restart and the job's own restarts until it is back. */
    private static final Duration RECOVER = Duration.ofSeconds(420);

    /** Logged statements (log_statement = all), simple or extended protocol. */
    private static final String STAGED_THROUGH_GPFDIST =
            "^(statement|execute [^:]*): INSERT INTO pg2gp\\.stage_.* FROM pg2gp\\.ext_";

    private static final String STAGED_THROUGH_COPY =
            "^(statement|execute [^:]*): COPY pg2gp\\.stage_.* FROM STDIN";

    @Test
    void gpfdistLoaderCarriesEverythingThroughSavepointAndGreenplumRestart(@TempDir Path dir)
            throws Exception {
        try (PipelineTestEnvironment env = greenplum("gpfdist");
                Connection src = env.sourceConnection()) {
            assertThat(
                            warehouseCount(
                                    env,
                                    "SELECT count(*) FROM pg_tables WHERE schemaname"
                                            + " IN ('public', 'pg2gp')"))
                    .as("the warehouse database starts empty")
                    .isZero();
            assertThat(PipelineTestEnvironment.rows(env.warehouseConnection(), "SHOW optimizer"))
                    .as("GPORCA, Greenplum 6's default")
                    .containsExactly("on");
            SeedWorkload w = new SeedWorkload(src, 11);
            EdgeCaseChanges changes = new EdgeCaseChanges(w);
            changes.traffic(300);
            changes.awkwardValues();
            JobClient job = IngestPipelineITCase.start(env, env.config(), null);
            String savepoint;
            try {
                env.awaitWarehouseEqualsSource(CONVERGE);
                assertCreatedTablesHaveTheGreenplumLayout(env);
                assertThat(gpfdistExternalTables(env, "%"))
                        .as("the writers' gpfdist external tables")
                        .isGreaterThanOrEqualTo(2);

                changes.traffic(200);
                changes.awkwardValues();
                String big = changes.multiMegabyteResponse();
                changes.partitionMovesAndUserChange();
                env.awaitWarehouseEqualsSource(CONVERGE);
                assertThat(
                                warehouseCount(
                                        env,
                                        "SELECT count(*) FROM requests_analytical WHERE id = '"
                                                + big
                                                + "' AND status = 'archived' AND"
                                                + " octet_length(response::text) > 3000000"))
                        .isEqualTo(1);
                assertDefaultPartitionHoldsTheFarRows(env);
                savepoint =
                        job.stopWithSavepoint(
                                        false,
                                        dir.toUri().toString(),
                                        SavepointFormatType.CANONICAL)
                                .get();
            } finally {
                cancel(job);
            }

            changes.traffic(150); // written while the pipeline is down
            env.settings.put("pipeline.parallelism", "3");
            JobClient restored = IngestPipelineITCase.start(env, env.config(), savepoint);
            try {
                changes.traffic(100);
                changes.awkwardValues();
                env.awaitWarehouseEqualsSource(CONVERGE);
                assertStagedThrough(env, STAGED_THROUGH_GPFDIST, STAGED_THROUGH_COPY);
                assertThat(gpfdistExternalTables(env, "%\\_2"))
                        .as("the third writer's external tables, after the restore")
                        .isPositive();

                GreenplumCluster gp = SharedGreenplum.cluster();
                Assumptions.assumeTrue(
                        gp.managed(),
                        "the Greenplum restart needs the cluster gp-cluster manages, not "
                                + GreenplumCluster.ENV_URL);
                changes.traffic(100);
                gp.stop("fast");
                changes.traffic(100); // written while the warehouse is down
                changes.partitionMovesAndUserChange();
                gp.start();
                changes.traffic(100);
                env.awaitWarehouseEqualsSource(RECOVER);
                assertThat(restored.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
                assertThat(IngestPipelineITCase.restarts(FLINK, restored))
                        .as("restarts while Greenplum was down")
                        .isPositive();
                assertThat(warehouseCount(env, "SELECT count(*) FROM pg2gp.dead_letters")).isZero();
            } finally {
                cancel(restored);
            }
        }
    }

    /**
     * COPY through the coordinator, with the Postgres planner (optimizer = off, as many sites set
     * it) where the gpfdist test runs GPORCA, Greenplum 6's default.
     */
    @Test
    void copyLoaderCarriesEverythingWithThePostgresPlanner() throws Exception {
        try (PipelineTestEnvironment env = greenplum("copy");
                Connection src = env.sourceConnection()) {
            env.warehouse.execute(
                    env.warehouseDb,
                    "ALTER DATABASE \"" + env.warehouseDb + "\" SET optimizer = off");
            assertThat(PipelineTestEnvironment.rows(env.warehouseConnection(), "SHOW optimizer"))
                    .containsExactly("off");
            SeedWorkload w = new SeedWorkload(src, 12);
            EdgeCaseChanges changes = new EdgeCaseChanges(w);
            changes.traffic(200);
            changes.awkwardValues();
            JobClient job = IngestPipelineITCase.start(env, env.config(), null);
            try {
                env.awaitWarehouseEqualsSource(CONVERGE);
                changes.traffic(150);
                changes.awkwardValues();
                changes.multiMegabyteResponse();
                changes.partitionMovesAndUserChange();
                env.awaitWarehouseEqualsSource(CONVERGE);
                assertDefaultPartitionHoldsTheFarRows(env);
                assertStagedThrough(env, STAGED_THROUGH_COPY, STAGED_THROUGH_GPFDIST);
                assertThat(warehouseCount(env, "SELECT count(*) FROM pg2gp.dead_letters")).isZero();
            } finally {
                cancel(job);
            }
        }
    }

    /**
     * A warehouse database in WIN1251 (Cyrillic, as older Russian-language warehouses are) cannot
     * hold an emoji the UTF-8 source holds: the segments reject that row while reading it from
     * gpfdist, and it becomes a dead letter while the rest of its batch commits.
     */
    @Test
    void aRowGreenplumRejectsIsDeadLetteredWhileItsBatchCommits() throws Exception {
        String db =
                SharedGreenplum.cluster()
                        .createDatabase(
                                SharedPostgres.uniqueDatabase("wh1251"),
                                "ENCODING 'WIN1251' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'");
        try (PipelineTestEnvironment env = PipelineTestEnvironment.onGreenplum(db);
                Connection src = env.sourceConnection()) {
            env.settings.put("warehouse.loader", "gpfdist");
            SeedWorkload w = new SeedWorkload(src, 13);
            for (int i = 0; i < 100; i++) {
                w.step();
            }
            w.addUser();
            JobClient job = IngestPipelineITCase.start(env, env.config(), null);
            try {
                env.awaitWarehouseEqualsSource(CONVERGE);
                // One source transaction: plain rows around a row WIN1251 cannot hold.
                String rejected = UUID.randomUUID().toString();
                src.setAutoCommit(false);
                try (var p =
                        src.prepareStatement(
                                "INSERT INTO public.requests (id, user_id, query, status)"
                                        + " VALUES (?::uuid, ?::uuid, ?, 'pending')")) {
                    for (int i = 0; i < 21; i++) {
                        p.setString(1, i == 10 ? rejected : UUID.randomUUID().toString());
                        p.setString(2, w.userIds().get(i % w.userIds().size()));
                        p.setString(3, i == 10 ? "Привет 😀" : "Привет, мир " + i);
                        p.executeUpdate();
                    }
                    src.commit();
                } finally {
                    src.setAutoCommit(true);
                }
                List<String> expected = env.expectedRequests();
                assertThat(expected.removeIf(row -> row.startsWith(rejected + " | "))).isTrue();
                long deadline = System.nanoTime() + CONVERGE.toNanos();
                List<String> actual = env.actualRequests();
                while (!actual.equals(expected) && System.nanoTime() < deadline) {
                    Thread.sleep(500);
                    actual = env.actualRequests();
                }
                assertThat(actual)
                        .as(PipelineTestEnvironment.describeDifference(expected, actual))
                        .isEqualTo(expected);
                PipelineTestEnvironment.await(
                        "the dead letter",
                        CONVERGE,
                        () ->
                                warehouseCountUnchecked(
                                                env, "SELECT count(*) FROM pg2gp.dead_letters")
                                        > 0);
                List<String> letters =
                        PipelineTestEnvironment.rows(
                                env.warehouseConnection(),
                                "SELECT target_table, cdc_op, reason, payload FROM"
                                        + " pg2gp.dead_letters");
                assertThat(letters).hasSize(1);
                assertThat(letters.get(0))
                        .startsWith("public.requests_analytical | c | rejected by the warehouse: ")
                        .contains("WIN1251")
                        .contains(rejected);
                assertThat(
                                warehouseCount(
                                        env,
                                        "SELECT sum(rows_staged) FROM pg2gp.commit_ledger WHERE"
                                                + " dead_letters > 0"))
                        .as("rows applied in the batch that carried the dead letter")
                        .isPositive();
                assertThat(IngestPipelineITCase.restarts(FLINK, job)).isZero();
            } finally {
                cancel(job);
            }
        }
    }

    /** A Greenplum warehouse database of its own; statements logged to tell the loaders apart. */
    private static PipelineTestEnvironment greenplum(String loader) {
        PipelineTestEnvironment env = PipelineTestEnvironment.onGreenplum(null);
        env.settings.put("warehouse.loader", loader);
        // A Greenplum restart takes a while on a busy machine: room for the job's own restarts.
        env.settings.put("pipeline.restart.attempts", "100");
        env.settings.put("pipeline.restart.delay", "2s");
        env.warehouse.execute(
                env.warehouseDb,
                "ALTER DATABASE \"" + env.warehouseDb + "\" SET log_statement = 'all'");
        return env;
    }

    private static void assertCreatedTablesHaveTheGreenplumLayout(PipelineTestEnvironment env)
            throws SQLException {
        assertThat(
                        PipelineTestEnvironment.rows(
                                env.warehouseConnection(),
                                "SELECT pg_get_table_distributedby('public.requests_analytical'::regclass),"
                                        + " pg_get_table_distributedby('public.users_dim'::regclass)"))
                .containsExactly("DISTRIBUTED BY (user_id) | DISTRIBUTED REPLICATED");
        assertThat(
                        warehouseCount(
                                env,
                                "SELECT count(*) FROM pg_partitions WHERE schemaname = 'public' AND"
                                        + " tablename = 'requests_analytical' AND partitionisdefault"))
                .isEqualTo(1);
        assertThat(
                        warehouseCount(
                                env,
                                "SELECT count(*) FROM pg_partitions WHERE schemaname = 'public' AND"
                                        + " tablename = 'requests_analytical' AND NOT partitionisdefault"))
                .isGreaterThanOrEqualTo(36);
    }

    /** Rows far in the past or future sit in the default partition, and only they. */
    private static void assertDefaultPartitionHoldsTheFarRows(PipelineTestEnvironment env)
            throws SQLException {
        List<String> far =
                PipelineTestEnvironment.rows(
                        env.sourceConnection(),
                        "SELECT id FROM public.requests WHERE created_at < '"
                                + EdgeCaseChanges.FAR_PAST
                                + "' OR created_at >= '"
                                + EdgeCaseChanges.FAR_FUTURE
                                + "' ORDER BY id");
        assertThat(far).hasSizeGreaterThanOrEqualTo(3);
        String defaultPartition =
                PipelineTestEnvironment.rows(
                                env.warehouseConnection(),
                                "SELECT partitionschemaname || '.' || partitiontablename FROM"
                                        + " pg_partitions WHERE schemaname = 'public' AND tablename"
                                        + " = 'requests_analytical' AND partitionisdefault")
                        .get(0);
        assertThat(
                        PipelineTestEnvironment.rows(
                                env.warehouseConnection(),
                                "SELECT id FROM " + defaultPartition + " ORDER BY id"))
                .isEqualTo(far);
    }

    /**
     * Which statements staged rows, from the coordinator's log of this database (log_statement =
     * all): gpfdist is {@code INSERT INTO staging SELECT ... FROM <external table>}, which the
     * segments answer by pulling the writers' endpoints; COPY goes through the coordinator.
     */
    private static void assertStagedThrough(PipelineTestEnvironment env, String used, String unused)
            throws SQLException {
        String logged = "SELECT count(*) FROM gp_toolkit.gp_log_database WHERE logmessage ~ '";
        assertThat(warehouseCount(env, logged + used + "'")).as(used).isPositive();
        assertThat(warehouseCount(env, logged + unused + "'")).as(unused).isZero();
    }

    /** The writers' external tables named like {@code pattern} that read gpfdist:// URLs. */
    private static long gpfdistExternalTables(PipelineTestEnvironment env, String pattern)
            throws SQLException {
        return warehouseCount(
                env,
                "SELECT count(*) FROM pg_exttable x JOIN pg_class c ON c.oid = x.reloid JOIN"
                        + " pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'pg2gp' AND"
                        + " c.relname LIKE '"
                        + pattern
                        + "' AND array_to_string(x.urilocation, ',') LIKE 'gpfdist://%'");
    }

    private static long warehouseCount(PipelineTestEnvironment env, String sql)
            throws SQLException {
        return env.count(env.warehouseConnection(), sql);
    }

    private static long warehouseCountUnchecked(PipelineTestEnvironment env, String sql) {
        try {
            return warehouseCount(env, sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void cancel(JobClient job) throws Exception {
        if (!job.getJobStatus().get().isGloballyTerminalState()) {
            job.cancel().get();
        }
    }
}
