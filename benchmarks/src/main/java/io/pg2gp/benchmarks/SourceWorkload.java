package io.pg2gp.benchmarks;

import io.pg2gp.testutils.PostgresServer;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Writes the source tables server-side (INSERT/UPDATE ... FROM generate_series), so the writer
 * costs little and the rows match {@link RequestRows}' shape: uuid ids, ~40-character queries,
 * ~300-byte JSON responses. Requests are written as the application does: inserted {@code pending},
 * then completed by an UPDATE that adds the response.
 */
final class SourceWorkload {

    /** Rows per statement, i.e. per transaction (autocommit): large transactions. */
    static final long TRANSACTION_ROWS = 100_000;

    /** WAL positions after each phase of a backlog, and how long writing it took. */
    record Backlog(String lsnAfterInserts, String lsnAfterUpdates, double seconds) {}

    private SourceWorkload() {}

    private static String array(String[] values) {
        StringBuilder sb = new StringBuilder("(ARRAY[");
        for (int k = 0; k < values.length; k++) {
            sb.append(k == 0 ? "'" : ", '").append(values[k].replace("'", "''")).append('\'');
        }
        return sb.append("])").toString();
    }

    /** A ~300-byte JSON object with agent_used and query_type, like the seed's responses. */
    static String response(String i) {
        return ("('{\"agent_used\": \"' || $AGENTS[1 + $I % 8] || '\", \"query_type\": \"' ||"
                        + " $TYPES[1 + ($I / 8) % 4] || '\", \"confidence\": ' || round(($I % 100) / 100.0, 2)"
                        + " || ', \"answer\": \"' || rtrim(repeat(md5($I::text) || ' ', 7)) ||"
                        + " '\"}')::jsonb")
                .replace("$I", i)
                .replace("$AGENTS", array(RequestRows.AGENTS))
                .replace("$TYPES", array(RequestRows.QUERY_TYPES));
    }

    static String insertUsers(long from, long to) {
        return "INSERT INTO public.users (id, email, role, registered_at) SELECT md5('u' || u)::uuid,"
                + " 'user' || u || '@example.com', "
                + array(RequestRows.ROLES)
                + "[1 + u % 4], timestamptz '2025-01-01 00:00:00+00' + u * interval '1 minute'"
                + " FROM generate_series("
                + from
                + ", "
                + to
                + ") u";
    }

    /**
     * Requests [from, to] of {@code users} users; {@code complete} writes them finished (with a
     * response) rather than pending; {@code createdAt} is a SQL expression (of {@code i}).
     */
    static String insertRequests(
            long from, long to, long users, boolean complete, String createdAt) {
        String outcome =
                complete
                        ? response("i")
                                + ", 50 + i % 4000, 100 + (i * 7) % 4000,"
                                + " CASE WHEN i % 20 = 0 THEN 'error' ELSE 'success' END"
                        : "NULL, NULL, NULL, 'pending'";
        return "INSERT INTO public.requests (id, user_id, query, model, response, tokens_used,"
                + " execution_time_ms, status, created_at) SELECT md5('r' || i)::uuid,"
                + " md5('u' || (i % "
                + users
                + "))::uuid, "
                + array(RequestRows.QUERIES)
                + "[1 + i % 7] || ' #' || i, "
                + array(RequestRows.MODELS)
                + "[1 + i % 3], "
                + outcome
                + ", "
                + createdAt
                + " FROM generate_series("
                + from
                + ", "
                + to
                + ") i";
    }

    static String completeRequests(long from, long to) {
        return "UPDATE public.requests r SET response = "
                + response("g.i")
                + ", tokens_used = 50 + g.i % 4000, execution_time_ms = 100 + (g.i * 7) % 4000,"
                + " status = CASE WHEN g.i % 20 = 0 THEN 'error' ELSE 'success' END"
                + " FROM generate_series("
                + from
                + ", "
                + to
                + ") AS g(i) WHERE r.id = md5('r' || g.i)::uuid";
    }

    static final String HISTORIC_CREATED_AT =
            "timestamptz '2025-03-01 00:00:00+00' + i * interval '1 second'";

    /** Users, then requests [0, n) in transactions of {@link #TRANSACTION_ROWS} rows. */
    static void insertUsersAndRequests(Connection c, long users, long n, boolean complete)
            throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(insertUsers(0, users - 1));
            for (long from = 0; from < n; from += TRANSACTION_ROWS) {
                long to = Math.min(n, from + TRANSACTION_ROWS) - 1;
                s.execute(insertRequests(from, to, users, complete, HISTORIC_CREATED_AT));
            }
        }
    }

    /**
     * The replication backlog: users, then n pending requests, then n completions, all in large
     * transactions. Slots must exist before this runs so that they hold all of it.
     */
    static Backlog writeBacklog(PostgresServer s, String db, long users, long n)
            throws SQLException {
        long start = System.nanoTime();
        try (Connection c = s.connect(db);
                Statement st = c.createStatement()) {
            insertUsersAndRequests(c, users, n, false);
            String afterInserts = currentLsn(st);
            for (long from = 0; from < n; from += TRANSACTION_ROWS) {
                long to = Math.min(n, from + TRANSACTION_ROWS) - 1;
                int updated = st.executeUpdate(completeRequests(from, to));
                if (updated != to - from + 1) {
                    throw new IllegalStateException(
                            "completed " + updated + " requests, expected " + (to - from + 1));
                }
            }
            String afterUpdates = currentLsn(st);
            return new Backlog(afterInserts, afterUpdates, (System.nanoTime() - start) / 1e9);
        }
    }

    static String currentLsn(Statement st) throws SQLException {
        try (var rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
