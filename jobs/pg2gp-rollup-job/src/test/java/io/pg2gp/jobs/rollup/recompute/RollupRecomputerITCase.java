package io.pg2gp.jobs.rollup.recompute;

import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.jobs.rollup.definition.RollupDefinition;
import io.pg2gp.jobs.rollup.definition.RollupDefinitions;
import io.pg2gp.jobs.settings.WarehouseDdl;
import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SharedPostgres;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Recomputing an hour reads that hour's rows through the index, never the whole fact table. */
class RollupRecomputerITCase {

    private final PostgresServer postgres = SharedPostgres.warehouse();

    @Test
    void oneDirtyHourIsReadByIndexAndRecomputedAlone() throws Exception {
        String db = postgres.createDatabase(SharedPostgres.uniqueDatabase("recompute"));
        postgres.execute(db, WarehouseDdl.script(WarehouseDialect.POSTGRES, "public"));
        postgres.execute(
                db,
                "INSERT INTO public.requests_analytical (id, user_id, response, agent_used,"
                        + " tokens_used, execution_time_ms, status, created_at, _cdc_lsn, _cdc_op)"
                        + " SELECT gen_random_uuid(), md5((g % 50)::text)::uuid,"
                        + " jsonb_build_object('agent_used', 'a' || g % 4), 'a' || g % 4, g % 100,"
                        + " g % 7000, 'success', timestamptz '2025-01-01' + g * interval '10"
                        + " seconds', 1, 'c' FROM generate_series(1, 60000) g;"
                        + " ANALYZE public.requests_analytical;");
        List<RollupDefinition> rollups = RollupDefinitions.load(null);
        RollupRecomputer recomputer = new RollupRecomputer(rollups, "public");
        HourRanges oneHour =
                HourRanges.of(List.of(Instant.parse("2025-01-03T05:00:00Z").toEpochMilli()));
        try (Connection c = postgres.connect(db);
                Statement s = c.createStatement()) {
            recomputer.createTables(c, WarehouseDialect.POSTGRES);
            for (RollupDefinition r : rollups) {
                String plan = explain(s, r.select("public", oneHour.predicate("created_at")));
                assertThat(plan)
                        .as("plan of %s", r.name())
                        .containsPattern("Index (Only )?Scan|Bitmap Index Scan")
                        .doesNotContain("Seq Scan on requests_analytical");
            }
            RollupRecomputer.Result result = recomputer.recompute(c, oneHour);
            assertThat(result.hours()).isEqualTo(1);
            assertThat(result.factRowsRead()).isEqualTo(360); // one row every 10 s
            try (ResultSet rs =
                    s.executeQuery(
                            "SELECT count(*), sum(requests_count) FROM"
                                    + " public.rollup_hourly_agent_stats")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(4); // four agents in that hour
                assertThat(rs.getLong(2)).isEqualTo(360);
            }
        }
    }

    private static String explain(Statement s, String sql) throws Exception {
        StringBuilder plan = new StringBuilder();
        try (ResultSet rs = s.executeQuery("EXPLAIN " + sql)) {
            while (rs.next()) {
                plan.append(rs.getString(1)).append('\n');
            }
        }
        return plan.toString();
    }
}
