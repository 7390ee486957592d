package io.pg2gp.jobs.ingest;

import io.pg2gp.testutils.SeedWorkload;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * Source changes that are hard to carry into a warehouse, on top of {@link SeedWorkload}'s steady
 * traffic: values that the COPY TEXT and gpfdist formats must escape (tabs, newlines, carriage
 * returns, backslashes, a literal {@code \N} next to a real NULL, {@code \.}), Cyrillic and emoji,
 * a multi-MB response, rows moving across monthly partitions and into and out of the default
 * partition, a request changing user, and a user deleted.
 */
final class EdgeCaseChanges {

    /** Everything the text formats treat specially, plus Cyrillic and emoji (surrogate pairs). */
    static final String AWKWARD =
            "tab\there, newline\nhere, CR\rhere, backslash \\ and \\\\, literal \\N, \\.,"
                    + " Кириллица, emoji 😀🚀";

    /** Rows created before this or at/after {@link #FAR_FUTURE} live in the default partition. */
    static final String FAR_PAST = "2000-01-01 00:00:00+00";

    static final String FAR_FUTURE = "2080-01-01 00:00:00+00";

    private final SeedWorkload w;
    private final Connection c;

    EdgeCaseChanges(SeedWorkload w) {
        this.w = w;
        this.c = w.connection();
    }

    /** Steady traffic: users, requests, completions, deletes. */
    void traffic(int steps) throws SQLException {
        for (int i = 0; i < steps; i++) {
            w.step();
        }
    }

    /** Awkward values in every text column of both tables, and in JSON strings and keys. */
    void awkwardValues() throws SQLException {
        String user = w.addUser();
        update(
                "UPDATE public.users SET email = ?, role = ? WHERE id = ?::uuid",
                AWKWARD,
                "\\N",
                user);
        String r1 = w.addRequest(user);
        update(
                "UPDATE public.requests SET query = ?, model = ?, status = '',"
                        + " response = jsonb_build_object('agent_used', ?::text, 'query_type', '\\N',"
                        + " ?::text, ARRAY[?::text, NULL], 'n', 1.5e-7) WHERE id = ?::uuid",
                AWKWARD,
                "\\.",
                AWKWARD,
                AWKWARD,
                AWKWARD,
                r1);
        String r2 = w.addRequest(user);
        // The literal two characters \N next to real NULLs: must not become NULL.
        update(
                "UPDATE public.requests SET query = '\\N', model = NULL,"
                        + " response = '\"\\\\N\"' WHERE id = ?::uuid",
                r2);
    }

    /** A response of several MB (Cyrillic, emoji and escapes all through), then a status change. */
    String multiMegabyteResponse() throws SQLException {
        String id = w.addRequest();
        update(
                "UPDATE public.requests SET response = jsonb_build_object('agent_used', 'Docs',"
                        + " 'answer', repeat(?, 90000)), status = 'success' WHERE id = ?::uuid",
                "Длинный ответ 😀\t\n\\ " + "x".repeat(8),
                id);
        update("UPDATE public.requests SET status = 'archived' WHERE id = ?::uuid", id);
        return id;
    }

    /**
     * Moves rows between monthly partitions, into the default partition (far past and far future)
     * and back out of it, inserts straight into it, and moves a request to another user.
     */
    void partitionMovesAndUserChange() throws SQLException {
        List<String> ids = w.requestIds();
        String id0 = ids.get(ids.size() - 1);
        String id1 = ids.get(ids.size() - 2);
        String id2 = ids.get(ids.size() - 3);
        String id3 = ids.get(ids.size() - 4);
        String id4 = ids.get(ids.size() - 5);
        update(
                "UPDATE public.requests SET created_at = '2025-07-15 10:00:00+00' WHERE id = ?::uuid",
                id0);
        update(
                "UPDATE public.requests SET created_at = '1990-06-15 08:30:00+00' WHERE id = ?::uuid",
                id1);
        update(
                "UPDATE public.requests SET created_at = '2090-01-01 00:00:00+00' WHERE id = ?::uuid",
                id2);
        update(
                "UPDATE public.requests SET created_at = '2095-05-05 05:05:05+00' WHERE id = ?::uuid",
                id3);
        update(
                "UPDATE public.requests SET created_at = '2025-05-31 23:59:59.999999+00' WHERE id = ?::uuid",
                id3);
        String early = w.addRequest();
        update(
                "UPDATE public.requests SET created_at = '1999-12-31 23:59:59.999999+00' WHERE id = ?::uuid",
                early);
        String other = w.addUser();
        update("UPDATE public.requests SET user_id = ?::uuid WHERE id = ?::uuid", other, id4);
        String gone = w.addUser();
        w.changeUserRole(gone);
        update("DELETE FROM public.users WHERE id = ?::uuid", gone);
        w.userIds().remove(gone);
    }

    private void update(String sql, String... args) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                p.setString(i + 1, args[i]);
            }
            p.executeUpdate();
        }
    }
}
