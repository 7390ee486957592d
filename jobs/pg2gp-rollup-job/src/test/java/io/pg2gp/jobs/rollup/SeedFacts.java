package io.pg2gp.jobs.rollup;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seed-shaped facts in a Greenplum (or PostgreSQL) warehouse, changes to them, and the oracle the
 * rollups and dashboard views are held to: the seed's own SQL over the fact table (its scenario 2,
 * its per-user aggregates and its executive-dashboard queries), never the rollup files' SELECTs.
 */
public final class SeedFacts {

    private static final String AGENTS =
            "(ARRAY['Developer','Architect','Analyst','QA','DevOps','Security','Docs','Support'])";

    /**
     * Seed-shaped requests: 41 users, 8 agents, every 17th pending (no response, time or tokens),
     * every 13th an error, latencies up to 9 s; one row every 7 minutes over the last 33 days
     * (across month partitions and the 30-day boundary), 3,000 in three dense hours two days ago,
     * and rows around 2024-01-01 and in 2027, in the default partition.
     */
    public static final String SEED_ROWS =
            "INSERT INTO public.requests_analytical (id, user_id, query, response, model,"
                    + " tokens_used, execution_time_ms, status, created_at, agent_used, _cdc_lsn,"
                    + " _cdc_op, _deleted)"
                    + " SELECT md5('r' || g)::uuid, md5('u' || (g * 7) % 41)::uuid, 'q' || g % 97,"
                    + " CASE WHEN g % 17 = 0 THEN NULL ELSE json_build_object('agent_used', "
                    + AGENTS
                    + "[1 + (g * 13) % 8], 'answer', 'a' || g)::jsonb END, 'gpt-4o',"
                    + " CASE WHEN g % 17 = 0 THEN NULL ELSE 50 + (g * 31) % 2000 END,"
                    + " CASE WHEN g % 17 = 0 THEN NULL ELSE (g * 7919) % 9000 END,"
                    + " CASE WHEN g % 17 = 0 THEN 'pending' WHEN g % 13 = 0 THEN 'error'"
                    + " ELSE 'success' END, t,"
                    + " CASE WHEN g % 17 = 0 THEN NULL ELSE "
                    + AGENTS
                    + "[1 + (g * 13) % 8] END, g, 'c', g % 101 = 0"
                    + " FROM (SELECT g, date_trunc('hour', now()) - interval '33 days'"
                    + " + g * interval '7 minutes' AS t FROM generate_series(0, 6900) g"
                    + " UNION ALL SELECT 10000 + g, date_trunc('hour', now()) - interval '2 days'"
                    + " + (g % 180) * interval '1 minute' FROM generate_series(0, 2999) g"
                    + " UNION ALL SELECT 20000 + g, timestamptz '2023-12-31 22:00:00+00'"
                    + " + g * interval '3 minutes' FROM generate_series(0, 59) g"
                    + " UNION ALL SELECT 30000 + g, timestamptz '2027-01-01 00:00:00+00'"
                    + " + g * interval '4 minutes' FROM generate_series(0, 59) g) s";

    /** Rows the changes below touch: the dense hours, some of the spread rows, late rows. */
    public static final String TOUCHED =
            "id IN (SELECT md5('r' || g)::uuid FROM generate_series(0, 50000) g"
                    + " WHERE (g BETWEEN 10000 AND 10599 AND g % 2 = 0)"
                    + " OR (g BETWEEN 3000 AND 3400 AND g % 5 = 0) OR g >= 40000)";

    public static final List<String> CHANGES =
            List.of(
                    // completions and agent changes: update in place
                    "UPDATE public.requests_analytical SET agent_used = 'QA', response ="
                            + " '{\"agent_used\": \"QA\"}', status = 'error', execution_time_ms"
                            + " = 8000 + _cdc_lsn % 900, tokens_used = 5, _cdc_lsn = _cdc_lsn +"
                            + " 100000 WHERE "
                            + TOUCHED
                            + " AND _cdc_lsn BETWEEN 10000 AND 10299",
                    "DELETE FROM public.requests_analytical WHERE "
                            + TOUCHED
                            + " AND _cdc_lsn BETWEEN 10300 AND 10599",
                    "UPDATE public.requests_analytical SET _deleted = true WHERE "
                            + TOUCHED
                            + " AND _cdc_lsn BETWEEN 3000 AND 3400",
                    // late rows of new users, 20 days ago and in 2023 (default partition)
                    "INSERT INTO public.requests_analytical (id, user_id, response, tokens_used,"
                            + " execution_time_ms, status, created_at, agent_used, _cdc_lsn,"
                            + " _cdc_op) SELECT md5('r' || g)::uuid, md5('late' || g % 5)::uuid,"
                            + " '{\"agent_used\": \"Docs\"}', 9, g % 6000, 'success',"
                            + " CASE WHEN g % 10 = 0 THEN timestamptz '2023-06-01 10:00:00+00'"
                            + " ELSE date_trunc('hour', now()) - interval '20 days' + g %"
                            + " 90 * interval '1 minute' END, 'Docs', g, 'c'"
                            + " FROM generate_series(40000, 40199) g");

    /** Scenario 2 of the seed over the fact table, plus the rollup's latency sum and samples. */
    private static final String SEED_AGENT_STATS =
            "SELECT DATE_TRUNC('hour', created_at) AS hour,"
                    + " JSONB_EXTRACT_PATH_TEXT(response, 'agent_used') AS agent, COUNT(*),"
                    + " AVG(execution_time_ms), SUM(tokens_used), COUNT(DISTINCT user_id),"
                    + " PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY execution_time_ms),"
                    + " SUM(execution_time_ms), COUNT(execution_time_ms)"
                    + " FROM public.requests_analytical WHERE NOT _deleted GROUP BY 1, 2"
                    + " ORDER BY 1, 2";

    private static final String ROLLUP_AGENT_STATS =
            "SELECT hour, agent, requests_count, avg_execution_time, total_tokens, unique_users,"
                    + " p95_latency, sum_latency_ms, latency_samples"
                    + " FROM public.rollup_hourly_agent_stats ORDER BY 1, 2";

    /** Per user and hour as the seed writes its aggregates (use case 1's agents_used). */
    private static final String SEED_USER_ACTIVITY =
            "SELECT DATE_TRUNC('hour', created_at), user_id, COUNT(*), SUM(tokens_used),"
                    + " SUM(execution_time_ms), COUNT(execution_time_ms),"
                    + " COUNT(*) FILTER (WHERE status = 'error'),"
                    + " COUNT(*) FILTER (WHERE execution_time_ms > 5000),"
                    + " ARRAY_AGG(DISTINCT JSONB_EXTRACT_PATH_TEXT(response, 'agent_used'))"
                    + " FROM public.requests_analytical WHERE NOT _deleted GROUP BY 1, 2"
                    + " ORDER BY 1, 2";

    private static final String ROLLUP_USER_ACTIVITY =
            "SELECT hour, user_id, requests, total_tokens, sum_latency_ms, latency_samples,"
                    + " errors, slow_requests, agents_used"
                    + " FROM public.rollup_hourly_user_activity ORDER BY 1, 2";

    /** The seed's "last 30 days", in the whole hours the views count. */
    private static final String LAST_30_DAYS =
            " AND created_at >= date_trunc('hour', now()) - interval '30 days'";

    /**
     * Each dashboard view next to the seed's executive-dashboard query it answers, over the facts
     * (session time zone UTC, so DATE(created_at) is the UTC day the views use).
     */
    private static final List<String[]> DASHBOARD =
            List.of(
                    new String[] {
                        "SELECT day, active_users FROM public.dashboard_daily_active_users"
                                + " ORDER BY 1",
                        "SELECT DATE(created_at), COUNT(DISTINCT user_id) FROM"
                                + " public.requests_analytical WHERE NOT _deleted GROUP BY 1"
                                + " ORDER BY 1"
                    },
                    new String[] {
                        "SELECT user_id, requests, total_tokens FROM"
                                + " public.dashboard_user_usage_30d ORDER BY 2 DESC, 1",
                        "SELECT user_id, COUNT(*), SUM(tokens_used) FROM"
                                + " public.requests_analytical WHERE NOT _deleted"
                                + LAST_30_DAYS
                                + " GROUP BY 1 ORDER BY 2 DESC, 1"
                    },
                    new String[] {
                        "SELECT agent, requests, avg_latency FROM"
                                + " public.dashboard_agent_usage_30d ORDER BY 1",
                        "SELECT JSONB_EXTRACT_PATH_TEXT(response, 'agent_used'), COUNT(*),"
                                + " AVG(execution_time_ms) FROM public.requests_analytical"
                                + " WHERE NOT _deleted"
                                + LAST_30_DAYS
                                + " GROUP BY 1 ORDER BY 1"
                    },
                    new String[] {
                        "SELECT hour, agent, requests_count, avg_execution_time, p95_latency"
                                + " FROM public.dashboard_agent_performance ORDER BY 1, 2",
                        "SELECT DATE_TRUNC('hour', created_at),"
                                + " JSONB_EXTRACT_PATH_TEXT(response, 'agent_used'), COUNT(*),"
                                + " AVG(execution_time_ms), PERCENTILE_CONT(0.95) WITHIN GROUP"
                                + " (ORDER BY execution_time_ms) FROM public.requests_analytical"
                                + " WHERE NOT _deleted GROUP BY 1, 2 ORDER BY 1, 2"
                    },
                    new String[] {
                        "SELECT day, errors, affected_users FROM public.dashboard_errors_daily"
                                + " ORDER BY 1",
                        "SELECT DATE(created_at), COUNT(*) FILTER (WHERE status = 'error'),"
                                + " COUNT(DISTINCT user_id) FILTER (WHERE status = 'error')"
                                + " FROM public.requests_analytical WHERE NOT _deleted"
                                + " GROUP BY 1 ORDER BY 1"
                    });

    private SeedFacts() {}

    /** Every rollup and dashboard view next to the seed query it must equal. */
    private static List<String[]> pairs() {
        List<String[]> all = new ArrayList<>();
        all.add(new String[] {ROLLUP_AGENT_STATS, SEED_AGENT_STATS});
        all.add(new String[] {ROLLUP_USER_ACTIVITY, SEED_USER_ACTIVITY});
        all.addAll(DASHBOARD);
        return all;
    }

    /** Hours (epoch millis) holding fact rows that match {@code where}. */
    public static List<Long> hours(Statement s, String where) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (ResultSet rs =
                s.executeQuery(
                        "SELECT DISTINCT (extract(epoch FROM date_trunc('hour', created_at))"
                                + " * 1000)::bigint FROM public.requests_analytical WHERE "
                                + where
                                + " ORDER BY 1")) {
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
        }
        return out;
    }

    /** Asserts every rollup and view equals its seed query (session time zone UTC). */
    public static void assertRollupsAndViewsMatch(Connection c) throws SQLException {
        compare(c, true);
    }

    /** Whether every rollup and view equals its seed query now. */
    public static boolean rollupsAndViewsMatch(Connection c) throws SQLException {
        return compare(c, false);
    }

    private static boolean compare(Connection c, boolean assertEqual) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false); // one transaction: now() is the same for a view and its oracle
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL TIME ZONE 'UTC'");
            boolean equal = true;
            for (String[] pair : pairs()) {
                List<String> expected = rows(s, pair[1]);
                assertThat(expected).as(pair[1]).hasSizeGreaterThan(1);
                List<String> actual = rows(s, pair[0]);
                if (assertEqual) {
                    assertThat(actual).as(pair[0]).isEqualTo(expected);
                }
                equal &= actual.equals(expected);
            }
            c.commit();
            return equal;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /** Rows as text; arrays with their elements sorted (array_agg(DISTINCT) has no set order). */
    private static List<String> rows(Statement s, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    String v = rs.getString(i);
                    if (v != null && rs.getMetaData().getColumnTypeName(i).startsWith("_")) {
                        String[] items = v.substring(1, v.length() - 1).split(",");
                        Arrays.sort(items);
                        v = String.join(",", items);
                    }
                    row.append(i > 1 ? " | " : "").append(v);
                }
                out.add(row.toString());
            }
        }
        return out;
    }
}
