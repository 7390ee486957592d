package io.pg2gp.jobs.rollup;

import io.pg2gp.connector.warehouse.BookkeepingSchema;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.jobs.settings.PipelineConfig;
import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.SharedGreenplum;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rollup job itself (touched-hours source, dirty hours in state, recompute) on a MiniCluster
 * against a real Greenplum 6 warehouse: hours recorded in {@code pg2gp.touched_hours} as the ingest
 * job's committer records them end with every rollup and dashboard view equal to the seed's SQL
 * over the fact table, and consumed hours are purged. The ingest job's part is covered by the
 * pipeline's own Greenplum tests; here the facts and their touched hours are written directly.
 */
class GreenplumRollupJobITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static final long CONVERGE_MILLIS = 120_000;
    private static final String FACTS = "public.requests_analytical";

    @Test
    void theRollupJobKeepsRollupsAndViewsEqualToTheSeedSqlOnGreenplum() throws Exception {
        GreenplumCluster gp = SharedGreenplum.cluster();
        String db = SharedGreenplum.createDatabase("rollupjob");
        PipelineConfig config =
                PipelineConfig.fromMap(
                        Map.of(
                                "pipeline.name", "gp-it",
                                "pipeline.checkpoint-interval", "1s",
                                "source.database", "unused",
                                "source.user", "unused",
                                "warehouse.url", gp.jdbcUrl(db),
                                "warehouse.user", gp.user(),
                                "rollup.poll-interval", "500ms"));
        BookkeepingSchema bookkeeping = IngestBookkeeping.SCHEMA;
        JobClient job = null;
        try (Connection c = gp.connect(db);
                Statement s = c.createStatement()) {
            s.execute(WarehouseScript.render(WarehouseDialect.GREENPLUM_6, "public", null));
            IngestBookkeeping.prepare(config.warehouseConnection());
            s.execute(SeedFacts.SEED_ROWS);
            touched(c, bookkeeping, 1, SeedFacts.hours(s, "true"));

            RollupPipeline.prepare(config);
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(
                            RollupPipeline.flinkConfiguration(config));
            RollupPipeline.build(env, config);
            job = env.executeAsync(RollupPipeline.jobName(config));
            awaitMatch(c);

            // A second commit: updates, deletes and late rows, with the hours it touched.
            List<Long> dirty = new ArrayList<>(SeedFacts.hours(s, SeedFacts.TOUCHED));
            for (String change : SeedFacts.CHANGES) {
                s.execute(change);
            }
            dirty.addAll(SeedFacts.hours(s, SeedFacts.TOUCHED));
            touched(c, bookkeeping, 2, dirty);
            awaitMatch(c);
            SeedFacts.assertRollupsAndViewsMatch(c);

            long deadline = System.currentTimeMillis() + CONVERGE_MILLIS;
            while (count(s, "SELECT count(*) FROM " + bookkeeping.touchedHours()) > 0
                    && System.currentTimeMillis() < deadline) {
                Thread.sleep(200);
            }
            assertThat(count(s, "SELECT count(*) FROM " + bookkeeping.touchedHours()))
                    .as("touched hours purged after checkpoints")
                    .isZero();
        } finally {
            if (job != null && !job.getJobStatus().get().isGloballyTerminalState()) {
                job.cancel().get();
            }
        }
    }

    /** Records hours as the ingest committer does: one row per hour of commit {@code seq}. */
    private static void touched(Connection c, BookkeepingSchema b, long seq, List<Long> hours)
            throws Exception {
        try (PreparedStatement p =
                c.prepareStatement(
                        "INSERT INTO "
                                + b.touchedHours()
                                + " (job, target_table, commit_seq, hour) SELECT DISTINCT"
                                + " 'ingest', '"
                                + FACTS
                                + "', ?, to_timestamp(h / 1000.0) FROM unnest(?::bigint[]) h")) {
            p.setLong(1, seq);
            p.setArray(2, c.createArrayOf("bigint", hours.toArray()));
            p.executeUpdate();
        }
    }

    private static void awaitMatch(Connection c) throws Exception {
        long deadline = System.currentTimeMillis() + CONVERGE_MILLIS;
        while (!SeedFacts.rollupsAndViewsMatch(c)) {
            if (System.currentTimeMillis() > deadline) {
                SeedFacts.assertRollupsAndViewsMatch(c);
            }
            Thread.sleep(500);
        }
    }

    private static long count(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
