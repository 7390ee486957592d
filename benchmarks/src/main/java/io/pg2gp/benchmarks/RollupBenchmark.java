package io.pg2gp.benchmarks;

import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.jobs.rollup.definition.RollupDefinitions;
import io.pg2gp.jobs.rollup.recompute.HourRanges;
import io.pg2gp.jobs.rollup.recompute.RollupRecomputer;
import io.pg2gp.jobs.settings.WarehouseDdl;
import io.pg2gp.testutils.PostgresServer;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * The rollup job's cost model on a fact table of N rows over 90 days: recomputing one dirty hour
 * next to recomputing every hour, and the seed's scenario 2 answered from the rollup next to the
 * same query over the fact table (same rows required).
 */
final class RollupBenchmark {

    private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");
    private static final int HOURS = 90 * 24;

    private static final String SCENARIO_2_FACTS =
            "SELECT DATE_TRUNC('hour', created_at) AS hour,"
                    + " JSONB_EXTRACT_PATH_TEXT(response, 'agent_used') AS agent, COUNT(*),"
                    + " AVG(execution_time_ms), SUM(tokens_used), COUNT(DISTINCT user_id),"
                    + " PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY execution_time_ms)"
                    + " FROM public.requests_analytical WHERE created_at >= timestamptz"
                    + " '2025-04-01' - INTERVAL '3 months' AND NOT _deleted GROUP BY 1, 2"
                    + " ORDER BY 1 DESC, 2";
    private static final String SCENARIO_2_ROLLUP =
            "SELECT hour, agent, requests_count, avg_execution_time, total_tokens, unique_users,"
                    + " p95_latency FROM public.rollup_hourly_agent_stats WHERE hour >="
                    + " timestamptz '2025-04-01' - INTERVAL '3 months' ORDER BY 1 DESC, 2";

    private final BenchArgs args;

    RollupBenchmark(BenchArgs args) {
        this.args = args;
    }

    void run() throws Exception {
        long n = args.rows();
        Report.title(
                String.format(
                        "rollup: fact table of %,d requests over 90 days (%,d hours), PostgreSQL",
                        n, HOURS));
        Measurement oneHour = new Measurement("recompute one dirty hour (both rollups)");
        Measurement allHours = new Measurement("recompute all hours (both rollups)");
        Measurement fromRollup = new Measurement("scenario 2 from the rollup");
        Measurement fromFacts = new Measurement("scenario 2 over the fact table");
        try (PostgresServer wh = BenchServers.warehouse("bench-rollup-warehouse")) {
            String db = "rollup_bench";
            wh.createDatabase(db);
            wh.execute(db, WarehouseDdl.script(WarehouseDialect.POSTGRES, "public"));
            long load = System.nanoTime();
            wh.execute(
                    db,
                    "INSERT INTO public.requests_analytical (id, user_id, response, agent_used,"
                            + " tokens_used, execution_time_ms, status, created_at, _cdc_lsn,"
                            + " _cdc_op) SELECT gen_random_uuid(), md5((g % 10000)::text)::uuid,"
                            + " jsonb_build_object('agent_used', 'agent-' || g % 8), 'agent-' ||"
                            + " g % 8, g % 500, ((g::bigint * 7919) % 9000)::int, CASE WHEN g % 20 = 0 THEN"
                            + " 'error' ELSE 'success' END, timestamptz '2025-01-01' + (g::float8"
                            + " / "
                            + n
                            + " * "
                            + HOURS
                            + ") * interval '1 hour', 1, 'c' FROM generate_series(0, "
                            + (n - 1)
                            + ") g; ANALYZE public.requests_analytical");
            Report.line("loaded in %.0f s", (System.nanoTime() - load) / 1e9);
            RollupRecomputer recomputer =
                    new RollupRecomputer(RollupDefinitions.load(null), "public");
            try (Connection c = wh.connect(db)) {
                recomputer.createTables(c, WarehouseDialect.POSTGRES);
                List<Long> all = new ArrayList<>();
                for (int h = 0; h < HOURS; h++) {
                    all.add(START.plus(h, ChronoUnit.HOURS).toEpochMilli());
                }
                for (int run = 1; run <= args.runs(); run++) {
                    long t0 = System.nanoTime();
                    var full = recomputer.recompute(c, HourRanges.of(all));
                    allHours.add(
                            HOURS,
                            System.nanoTime() - t0,
                            String.format("%,d fact rows read", full.factRowsRead()));
                    long hour = START.plus(100 + run * 37L, ChronoUnit.HOURS).toEpochMilli();
                    long t1 = System.nanoTime();
                    var one = recomputer.recompute(c, HourRanges.of(List.of(hour)));
                    oneHour.add(
                            1,
                            System.nanoTime() - t1,
                            String.format("%,d fact rows read", one.factRowsRead()));
                    List<String> facts = new ArrayList<>();
                    long t2 = System.nanoTime();
                    int rowsFacts = query(c, SCENARIO_2_FACTS, facts);
                    fromFacts.add(1, System.nanoTime() - t2, rowsFacts + " rows");
                    List<String> rolled = new ArrayList<>();
                    long t3 = System.nanoTime();
                    int rowsRollup = query(c, SCENARIO_2_ROLLUP, rolled);
                    fromRollup.add(1, System.nanoTime() - t3, rowsRollup + " rows");
                    if (!facts.equals(rolled)) {
                        throw new IllegalStateException(
                                "scenario 2 from the rollup differs from the fact table");
                    }
                }
            }
        }
        oneHour.printSummary();
        allHours.printSummary();
        fromFacts.printSummary();
        fromRollup.printSummary();
        // Measurements hold "per second" rates: hours recomputed per second, queries per second.
        double oneHourSeconds = 1 / oneHour.median();
        double allHoursSeconds = HOURS / allHours.median();
        Report.line(
                "one dirty hour: %.1f ms; all %,d hours: %.1f s",
                1e3 / oneHour.median(), HOURS, HOURS / allHours.median());
        Report.ratio(
                "full recompute time / one-hour recompute time",
                allHoursSeconds / oneHourSeconds,
                100);
        Report.ratio(
                "scenario 2 over facts time / from rollup time",
                fromRollup.median() / fromFacts.median(),
                100);
        Report.line("(the scenario 2 answers are compared row by row in every run)");
    }

    private static int query(Connection c, String sql, List<String> out) throws Exception {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            int cols = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder sb = new StringBuilder();
                for (int i = 1; i <= cols; i++) {
                    sb.append(rs.getString(i)).append('|');
                }
                out.add(sb.toString());
            }
        }
        return out.size();
    }
}
