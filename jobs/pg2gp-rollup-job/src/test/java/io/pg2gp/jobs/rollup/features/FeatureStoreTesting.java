package io.pg2gp.jobs.rollup.features;

import io.pg2gp.jobs.rollup.definition.FeatureDefinitions;
import io.pg2gp.jobs.rollup.recompute.FeatureRecomputer;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One scenario for PostgreSQL and Greenplum, without Flink: rebuild, changes recomputed for just
 * the users they touched, stored rows going stale as time passes (the view stays exact, the stale
 * query names them), and the recompute of the stale users.
 */
final class FeatureStoreTesting {

    /** A change of the row {@code id} (an expression). */
    record Change(String id, String sql) {}

    /** Changes of every kind; each touches the old and the new user of its row. */
    static final List<Change> CHANGES =
            List.of(
                    // a request moves to another user and to another hour
                    new Change(
                            "md5('r' || 100)::uuid",
                            "UPDATE public.requests_analytical SET user_id = md5('u' || 3)::uuid,"
                                    + " created_at = created_at - interval '3 hours' WHERE id ="
                                    + " md5('r' || 100)::uuid"),
                    new Change(
                            "md5('r' || 200)::uuid",
                            "DELETE FROM public.requests_analytical WHERE id = md5('r' ||"
                                    + " 200)::uuid"),
                    new Change(
                            "md5('r' || 300)::uuid",
                            "UPDATE public.requests_analytical SET _deleted = true WHERE id ="
                                    + " md5('r' || 300)::uuid"),
                    // a late row a month back
                    new Change(
                            "md5('late')::uuid",
                            "INSERT INTO public.requests_analytical (id, user_id, query, response,"
                                    + " execution_time_ms, status, created_at, _cdc_lsn, _cdc_op)"
                                    + " VALUES (md5('late')::uuid, md5('u' || 5)::uuid, 'late',"
                                    + " '{\"agent_used\": \"QA\", \"confidence\": 0.9}', 6000,"
                                    + " 'error', now() - interval '31 days', 1, 'c')"),
                    // a late row into a day months back, and a request moving to another user and
                    // to another day weeks back
                    new Change(
                            "md5('late-old')::uuid",
                            "INSERT INTO public.requests_analytical (id, user_id, query, response,"
                                    + " execution_time_ms, status, created_at, _cdc_lsn, _cdc_op)"
                                    + " VALUES (md5('late-old')::uuid, md5('u' || 7)::uuid,"
                                    + " 'late-old', '{\"agent_used\": \"Docs\", \"confidence\": 0.4}',"
                                    + " 120, 'success', now() - interval '200 days', 1, 'c')"),
                    new Change(
                            "md5('r' || 500)::uuid",
                            "UPDATE public.requests_analytical SET user_id = md5('u' || 8)::uuid,"
                                    + " created_at = created_at - interval '40 days' WHERE id ="
                                    + " md5('r' || 500)::uuid"),
                    // a row moved out of the year
                    new Change(
                            "md5('r' || 400)::uuid",
                            "UPDATE public.requests_analytical SET created_at = now() - interval"
                                    + " '2 years' WHERE id = md5('r' || 400)::uuid"));

    private FeatureStoreTesting() {}

    static void run(Connection c, int users) throws Exception {
        run(c, c, users);
    }

    /**
     * As {@link #run(Connection, int)}, the changes made through {@code changes} (on Greenplum a
     * session with GPORCA, the planner cannot move a row between partitions).
     */
    static void run(Connection c, Connection changes, int users) throws Exception {
        FeatureRecomputer recomputer =
                new FeatureRecomputer(FeatureDefinitions.load(null), "public");
        try (Statement s = c.createStatement()) {
            s.execute(FeatureFacts.seedRows("public", users, 20_000));
            s.execute("ANALYZE public.requests_analytical");
            recomputer.rebuild(c);
            assertThat(FeatureFacts.assertViewEqualsSeed(c, "public")).isEqualTo(users);

            // As the job gets them: each change (a commit) touches its users x its UTC days; the
            // last one's days count as unknown (purged), so its users are recomputed whole.
            List<String> touched = new ArrayList<>();
            for (int i = 0; i < CHANGES.size(); i++) {
                Change change = CHANGES.get(i);
                String usersOfRow =
                        "SELECT user_id::text FROM public.requests_analytical WHERE id = "
                                + change.id();
                String daysOfRow =
                        "SELECT (created_at AT TIME ZONE 'UTC')::date::text FROM"
                                + " public.requests_analytical WHERE id = "
                                + change.id();
                Set<String> rowUsers = new TreeSet<>(strings(s, usersOfRow));
                Set<String> days = new TreeSet<>(strings(s, daysOfRow));
                try (Statement cs = changes.createStatement()) {
                    cs.execute(change.sql());
                }
                rowUsers.addAll(strings(s, usersOfRow));
                days.addAll(strings(s, daysOfRow));
                for (String user : rowUsers) {
                    if (i == CHANGES.size() - 1) {
                        touched.add(user);
                    }
                    for (String day : i == CHANGES.size() - 1 ? Set.<String>of() : days) {
                        touched.add(user + "|" + day);
                    }
                }
            }
            recomputer.recompute(c, touched.stream().distinct().toList());
            FeatureFacts.assertViewEqualsSeed(c, "public");

            // The rows placed seconds from a window's edge leave it: the stored rows of their
            // users are stale, the view computes those from the facts and stays exact.
            Thread.sleep(7_000);
            List<String> stale = strings(s, recomputer.staleKeysQuery());
            assertThat(stale).isNotEmpty();
            FeatureFacts.assertViewEqualsSeed(c, "public");
            recomputer.recompute(c, stale);
            assertThat(strings(s, recomputer.staleKeysQuery())).isEmpty();
            FeatureFacts.assertViewEqualsSeed(c, "public");
        }
    }

    static List<String> strings(Statement s, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
