package io.pg2gp.connector.warehouse.internal.commit;

import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.connector.warehouse.internal.commit.GreenplumApplyFixture.Version;
import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.SharedGreenplum;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hundreds of applies on a real Greenplum 6 leave the system catalogs as they were: the apply's
 * work tables are permanent, so no commit creates, analyses and drops tables whose catalog rows
 * Greenplum (without autovacuum) would keep as dead rows on the coordinator and every segment.
 */
class ApplyCatalogChurnGreenplumITCase {

    /** pg_statistic: an ANALYZE of the batch per apply rewrote its rows every time. */
    private static final String[] CATALOGS = {
        "pg_class", "pg_attribute", "pg_type", "pg_statistic"
    };

    private static final Instant AT = Instant.parse("2024-03-10T12:00:00Z");

    private GreenplumApplyFixture gp;
    private GreenplumCluster cluster;
    private String db;
    private long lsn = 100;
    private long batch = 1;
    private long checkpoint = 1;

    @Test
    void catalogDeadRowsDoNotGrowWithTheNumberOfApplies() throws Exception {
        cluster = SharedGreenplum.cluster();
        db = SharedGreenplum.createDatabase("apply_churn");
        gp = new GreenplumApplyFixture(cluster, db, "on");
        try {
            // First-time effects settle over two sessions: statistics rows, the sessions' caches,
            // and a one-time 28 dead pg_class rows on the coordinator (56 on the segments) that
            // appear somewhere in the first ~110 applies and never again.
            applies(10);
            applies(100);
            Map<String, Long> start = deadRows();
            applies(100);
            Map<String, Long> after100 = deadRows();
            applies(300);
            Map<String, Long> after500 = deadRows();
            // Printed for the figures in the notes (the tests log nothing).
            System.out.println(
                    "catalog dead rows at start "
                            + start
                            + ", after 100 applies "
                            + after100
                            + ", after 500 "
                            + after500);
            for (String key : start.keySet()) {
                long first = after100.get(key) - start.get(key);
                long all = after500.get(key) - start.get(key);
                // A temporary work table per apply added dozens of dead pg_attribute rows each;
                // what is left must not scale with the applies: 300 more add nothing.
                assertThat(all)
                        .as("dead rows of %s after 400 applies vs 100", key)
                        .isEqualTo(first);
                assertThat(first).as("dead rows of %s in 100 applies", key).isLessThan(10);
            }
            assertThat(gp.count("SELECT count(*) FROM " + GreenplumApplyFixture.TARGET))
                    .as("every apply inserted one new key")
                    .isEqualTo(510);
            assertThat(
                            gp.count(
                                    "SELECT count(*) FROM "
                                            + gp.statements(DeleteMode.MIRROR).batchTable()))
                    .as("the work tables are empty between applies")
                    .isZero();
        } finally {
            gp.close();
        }
    }

    /**
     * {@code n} applies on a fresh committer connection, closed after: a session that ends reports
     * its statistics, on the coordinator and in its segment processes.
     */
    private void applies(int n) throws SQLException {
        try (Connection c =
                new WarehouseConnectionOptions(
                                cluster.jdbcUrl(db), cluster.user(), GreenplumCluster.ENV_PASSWORD)
                        .open("gp-churn-test")) {
            BatchApplier applier =
                    new BatchApplier(
                            GreenplumApplyFixture.JOB,
                            GreenplumApplyFixture.TABLE,
                            gp.statements(DeleteMode.MIRROR),
                            "64MB");
            applier.prepareSession(c);
            for (int i = 0; i < n; i++) {
                long b = batch++;
                UUID fresh = new UUID(7, b);
                UUID updated = new UUID(7, Math.max(1, b - 1));
                // Every tenth batch is a snapshot read (applied without bounds), the others
                // fresh changes (within literal hour bounds).
                char op = b % 10 == 0 ? 'r' : 'u';
                gp.stage(
                        checkpoint,
                        new Version(b, 0, fresh, new UUID(1, b % 5), "new", AT, null, ++lsn, 'c'),
                        new Version(b, 1, updated, new UUID(1, b % 5), "upd", AT, AT, ++lsn, op));
                applier.apply(c, gp.committable(checkpoint++, b));
            }
        }
    }

    /**
     * Dead rows of each catalog on the coordinator and summed over the primary segments, once the
     * statistics collector has them all (two equal reads in a row).
     */
    private Map<String, Long> deadRows() throws Exception {
        // Settled = the same figures three reads in a row, a second apart: sessions report to the
        // statistics collector asynchronously, and on a busy machine a report can take more than
        // a second (two equal reads once returned before the first applies' rows were counted).
        Map<String, Long> previous = null;
        int same = 0;
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            Map<String, Long> now = new LinkedHashMap<>();
            try (Connection c = cluster.connect(db);
                    Statement s = c.createStatement()) {
                for (String catalog : CATALOGS) {
                    now.put(catalog + "@coordinator", single(s, coordinator(catalog)));
                    now.put(catalog + "@segments", single(s, segments(catalog)));
                }
            }
            same = now.equals(previous) ? same + 1 : 0;
            if (same == 2) {
                return now;
            }
            previous = now;
            Thread.sleep(1_000);
        }
        throw new AssertionError("catalog statistics did not settle: " + previous);
    }

    private static String coordinator(String catalog) {
        return "SELECT pg_stat_get_dead_tuples('" + catalog + "'::regclass)";
    }

    /** The function runs on each segment: one row per primary segment from gp_id. */
    private static String segments(String catalog) {
        return "SELECT sum(pg_stat_get_dead_tuples('"
                + catalog
                + "'::regclass)) FROM gp_dist_random('gp_id')";
    }

    private static long single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
