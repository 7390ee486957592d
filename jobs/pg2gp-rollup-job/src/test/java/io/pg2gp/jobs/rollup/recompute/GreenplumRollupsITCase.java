package io.pg2gp.jobs.rollup.recompute;

import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.jobs.rollup.SeedFacts;
import io.pg2gp.jobs.rollup.WarehouseScript;
import io.pg2gp.jobs.rollup.definition.RollupDefinition;
import io.pg2gp.jobs.rollup.definition.RollupDefinitions;
import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.SharedGreenplum;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rollups and dashboard views on a real Greenplum 6 (the warehouse from the rendered script,
 * monthly partitions and the default one): after the real recompute of the dirty hours, every
 * rollup row equals the seed's own SQL over the fact table, and every dashboard view answers what
 * the seed's dashboard query answers over the fact table; then again after updates, deletes and
 * late rows, recomputing only the hours they touched. Once with GPORCA on (the cluster's default)
 * and once with the Postgres planner.
 */
class GreenplumRollupsITCase {

    private static final Pattern SELECTED = Pattern.compile("Partitions selected: (\\d+)");
    private static final Pattern LEAF_SCAN = Pattern.compile("Scan on requests_analytical_1_prt_");

    @ParameterizedTest(name = "optimizer={0}")
    @ValueSource(strings = {"on", "off"})
    void rollupsAndViewsEqualTheSeedSqlOverTheFacts(String optimizer) throws Exception {
        GreenplumCluster gp = SharedGreenplum.cluster();
        String db = SharedGreenplum.createDatabase("rollups_" + optimizer);
        List<RollupDefinition> rollups = RollupDefinitions.load(null);
        RollupRecomputer recomputer = new RollupRecomputer(rollups, "public");
        try (Connection c = gp.connect(db);
                Statement s = c.createStatement()) {
            s.execute("SET TIME ZONE 'UTC'");
            s.execute("SET optimizer = " + optimizer);
            s.execute(WarehouseScript.render(WarehouseDialect.GREENPLUM_6, "public", null));
            s.execute(SeedFacts.SEED_ROWS);
            s.execute("ANALYZE public.requests_analytical");

            // The recompute reads an hour from that hour's month and the default partition only.
            HourRanges oneHour =
                    HourRanges.of(List.of(Instant.now().minusSeconds(5 * 86_400).toEpochMilli()));
            for (RollupDefinition r : rollups) {
                String plan = explain(s, r.select("public", oneHour.predicate("created_at")));
                assertThat(partitionsRead(plan)).as("partitions read, plan:\n%s", plan).isOne();
            }

            recomputeInChunks(c, recomputer, SeedFacts.hours(s, "true"));
            SeedFacts.assertRollupsAndViewsMatch(c);

            List<Long> dirty = new ArrayList<>(SeedFacts.hours(s, SeedFacts.TOUCHED));
            for (String change : SeedFacts.CHANGES) {
                s.execute(change);
            }
            dirty.addAll(SeedFacts.hours(s, SeedFacts.TOUCHED));
            RollupRecomputer.Result result = recomputer.recompute(c, HourRanges.of(dirty));
            assertThat(result.hours()).isGreaterThan(3);
            SeedFacts.assertRollupsAndViewsMatch(c);
        }
    }

    /** As the job does: at most rollup.max-hours-per-transaction (168) hours per recompute. */
    private static void recomputeInChunks(Connection c, RollupRecomputer r, List<Long> hours)
            throws SQLException {
        for (int i = 0; i < hours.size(); i += 168) {
            r.recompute(c, HourRanges.of(hours.subList(i, Math.min(hours.size(), i + 168))));
        }
    }

    private static String explain(Statement s, String sql) throws SQLException {
        StringBuilder plan = new StringBuilder();
        try (ResultSet rs = s.executeQuery("EXPLAIN " + sql)) {
            while (rs.next()) {
                plan.append(rs.getString(1)).append('\n');
            }
        }
        return plan.toString();
    }

    /**
     * Leaf partitions of requests_analytical a plan reads besides the default one (which neither
     * planner excludes): GPORCA's "Partitions selected: n", or the Postgres planner's leaf scans.
     */
    private static int partitionsRead(String plan) {
        Matcher m = SELECTED.matcher(plan);
        int selected = 0;
        boolean orca = false;
        while (m.find()) {
            selected += Integer.parseInt(m.group(1));
            orca = true;
        }
        if (!orca) {
            Matcher leaf = LEAF_SCAN.matcher(plan);
            while (leaf.find()) {
                selected++;
            }
        }
        return selected - (plan.contains("requests_analytical_1_prt_other") || orca ? 1 : 0);
    }
}
