package io.pg2gp.jobs.rollup.features;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed's Use Case 2 query (ml_features.user_features_v1) over the warehouse's fact table, and
 * the comparison of the feature view with it at one instant, user by user. The only changes to the
 * seed's SQL: its {@code ARRAY_AGG(... ORDER BY created_at DESC LIMIT 10)}, which no SQL accepts,
 * is the first ten of the ordered array (ties broken by id, as the feature file does); the six
 * agents it elides are spelled out; soft-deleted rows are left out. Floating-point columns ({@code
 * avg_confidence}, a float sum whose order differs between the two) are compared with a relative
 * tolerance of 1e-9; all others exactly.
 */
public final class FeatureFacts {

    static final String[] AGENT_COLUMNS = {
        "dev", "arch", "analyst", "qa", "devops", "security", "docs", "support"
    };
    static final String[] AGENTS = {
        "Developer", "Architect", "Analyst", "QA", "DevOps", "Security", "Docs", "Support"
    };

    private FeatureFacts() {}

    /** The seed's query; {@code userFilter} narrows it (e.g. {@code u.id = '...'}), or "true". */
    public static String seedQuery(String schema, String userFilter) {
        StringBuilder agents = new StringBuilder();
        for (int i = 0; i < AGENTS.length; i++) {
            agents.append(" COUNT(*) FILTER (WHERE response->>'agent_used' = '")
                    .append(AGENTS[i])
                    .append("') as ")
                    .append(AGENT_COLUMNS[i])
                    .append("_agent_count,");
        }
        return "SELECT u.id as user_id, COUNT(r.id) as total_requests,"
                + " AVG(r.execution_time_ms) as avg_latency,"
                + " STDDEV(r.execution_time_ms) as latency_stddev,"
                + " EXTRACT(DAY FROM NOW() - MAX(r.created_at)) as days_since_last_request,"
                + " EXTRACT(DAY FROM MAX(r.created_at) - MIN(r.created_at)) as user_lifetime_days,"
                + " COUNT(DISTINCT DATE(r.created_at)) as active_days,"
                + " MODE() WITHIN GROUP (ORDER BY EXTRACT(HOUR FROM r.created_at)) as"
                + " most_active_hour,"
                + " MODE() WITHIN GROUP (ORDER BY EXTRACT(DOW FROM r.created_at)) as"
                + " most_active_day,"
                + agents
                + " AVG((response->>'confidence')::FLOAT) as avg_confidence,"
                + " COUNT(*) FILTER (WHERE status = 'error') as error_count,"
                + " COUNT(*) FILTER (WHERE execution_time_ms > 5000) as slow_requests,"
                + " (ARRAY_AGG(query ORDER BY created_at DESC, r.id DESC))[1:10] as"
                + " recent_queries,"
                + " (ARRAY_AGG(execution_time_ms ORDER BY created_at DESC, r.id DESC))[1:10] as"
                + " recent_latencies,"
                + " COUNT(*) FILTER (WHERE created_at >= NOW() - INTERVAL '7 days') as"
                + " requests_last_7d,"
                + " COUNT(*) FILTER (WHERE created_at >= NOW() - INTERVAL '30 days') as"
                + " requests_last_30d"
                + " FROM "
                + schema
                + ".users_dim u LEFT JOIN "
                + schema
                + ".requests_analytical r ON u.id = r.user_id"
                + " WHERE r.created_at >= NOW() - INTERVAL '1 year' AND NOT r._deleted AND "
                + userFilter
                + " GROUP BY u.id";
    }

    /** The feature view's rows, in the seed query's column order. */
    static String viewQuery(String schema, String userFilter) {
        return "SELECT * FROM " + schema + ".user_features_v1 WHERE " + userFilter;
    }

    /**
     * Compares the view with the seed's query in one transaction (so both see the same now() and
     * the same rows), in UTC as the feature file computes dates and hours; returns the users
     * compared.
     */
    public static int assertViewEqualsSeed(Connection c, String schema) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL TIME ZONE 'UTC'");
            Map<String, List<Object>> expected = rows(s, seedQuery(schema, "true"));
            Map<String, List<Object>> actual = rows(s, viewQuery(schema, "true"));
            c.commit();
            assertThat(actual.keySet()).as("users").isEqualTo(expected.keySet());
            for (var e : expected.entrySet()) {
                List<Object> a = actual.get(e.getKey());
                for (int i = 0; i < e.getValue().size(); i++) {
                    assertSame(e.getKey(), i, e.getValue().get(i), a.get(i));
                }
            }
            return expected.size();
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    private static void assertSame(String user, int column, Object expected, Object actual) {
        String what = "user " + user + " column " + (column + 1);
        if (expected == null || actual == null) {
            assertThat(actual).as(what).isEqualTo(expected);
            return;
        }
        BigDecimal e = number(expected);
        BigDecimal a = number(actual);
        if (e != null && a != null) {
            BigDecimal tolerance =
                    e.abs().multiply(new BigDecimal("1e-9")).max(new BigDecimal("1e-9"));
            assertThat(a.subtract(e).abs())
                    .as(what + ": " + a + " vs " + e)
                    .isLessThanOrEqualTo(tolerance);
            return;
        }
        assertThat(String.valueOf(actual)).as(what).isEqualTo(String.valueOf(expected));
    }

    private static BigDecimal number(Object o) {
        if (o instanceof Number n) {
            return new BigDecimal(n.toString());
        }
        return null;
    }

    private static Map<String, List<Object>> rows(Statement s, String sql) throws SQLException {
        Map<String, List<Object>> out = new LinkedHashMap<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    Object v = rs.getObject(i);
                    if (v instanceof java.sql.Array a) {
                        v = java.util.Arrays.deepToString((Object[]) a.getArray());
                    }
                    row.add(v);
                }
                out.put(rs.getString(1), row);
            }
        }
        return out;
    }

    /**
     * Fact rows over the last year and a bit for {@code users} users (and their users_dim rows):
     * all agents, confidences, responses missing, errors, slow requests, soft-deleted rows, rows
     * older than a year, in the future, and some a few seconds from leaving the 1-year, 30-day and
     * 7-day windows, so stored rows go stale while a test runs.
     */
    public static String seedRows(String schema, int users, int rows) {
        return "INSERT INTO "
                + schema
                + ".users_dim (id, email, role, registered_at, _cdc_lsn, _cdc_op) SELECT md5('u' ||"
                + " k)::uuid, 'u' || k || '@example.com', 'developer', now() - interval '2 years',"
                + " 1, 'c' FROM generate_series(0, "
                + (users - 1)
                + ") k; INSERT INTO "
                + schema
                + ".requests_analytical (id, user_id, query, response, execution_time_ms, status,"
                + " created_at, agent_used, _cdc_lsn, _cdc_op, _deleted) SELECT md5('r' || g)::uuid,"
                + " md5('u' || (g::bigint * 7919) % "
                + users
                + ")::uuid, 'q' || g % 97, CASE WHEN g % 29 = 0 THEN NULL ELSE"
                + " json_build_object('agent_used', (ARRAY['Developer', 'Architect', 'Analyst',"
                + " 'QA', 'DevOps', 'Security', 'Docs', 'Support'])[1 + (g * 13) % 8], 'confidence',"
                + " ((g * 37) % 100) / 100.0)::jsonb END, CASE WHEN g % 23 = 0 THEN NULL ELSE (g::bigint * 7919) %"
                + " 9000 END, CASE WHEN g % 13 = 0 THEN 'error' ELSE 'success' END, t, NULL, g, 'c',"
                + " g % 101 = 0 FROM (SELECT g, now() - interval '400 days' + g * (interval '410"
                + " days' / "
                + rows
                + ") AS t FROM generate_series(0, "
                + (rows - 1)
                + ") g UNION ALL SELECT 1000000 + g, now() - interval '1 year' + interval '4"
                + " seconds' + g * interval '1 second' FROM generate_series(0, 2) g UNION ALL"
                + " SELECT 1000010 + g, now() - interval '30 days' + interval '4 seconds' FROM"
                + " generate_series(0, 1) g UNION ALL SELECT 1000020 + g, now() - interval '7 days'"
                + " + interval '4 seconds' FROM generate_series(0, 1) g) s";
    }
}
