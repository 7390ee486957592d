package io.pg2gp.connector.warehouse;

import org.apache.flink.annotation.PublicEvolving;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reads and purges the sink's touched-hours bookkeeping (the rollup job's input), so its SQL and
 * column names stay with the sink that writes the table. Values travel as bind parameters.
 */
@PublicEvolving
public final class TouchedHoursQueries {

    /**
     * An hour as epoch millis; {@code ±infinity} (a fact row dated {@code 'infinity'}), which has
     * no epoch and fails a cast to bigint, as {@link Long#MAX_VALUE} / {@link Long#MIN_VALUE}.
     */
    static final String HOUR_MILLIS =
            "CASE WHEN isfinite(hour) THEN (extract(epoch FROM hour) * 1000)::bigint"
                    + " WHEN hour > 'epoch' THEN 9223372036854775807"
                    + " ELSE -9223372036854775808 END";

    /** One hour one commit of a job touched in a target table. */
    public record TouchedHour(String job, long commitSeq, long hourMillis) {}

    private final String table;

    public TouchedHoursQueries(BookkeepingSchema bookkeeping) {
        this.table = Objects.requireNonNull(bookkeeping, "bookkeeping").touchedHours();
    }

    /**
     * The hours of commits after {@code afterSeq} into {@code targetTable}, by commit, at most
     * {@code limit} rows (a commit may be cut: callers keep their own per-job offsets).
     */
    public List<TouchedHour> readAfter(Connection c, String targetTable, long afterSeq, int limit)
            throws SQLException {
        List<TouchedHour> hours = new ArrayList<>();
        try (PreparedStatement p =
                c.prepareStatement(
                        "SELECT job, commit_seq, "
                                + HOUR_MILLIS
                                + " FROM "
                                + table
                                + " WHERE target_table = ? AND commit_seq > ?"
                                + " ORDER BY commit_seq LIMIT ?")) {
            p.setString(1, targetTable);
            p.setLong(2, afterSeq);
            p.setInt(3, limit);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    hours.add(new TouchedHour(rs.getString(1), rs.getLong(2), rs.getLong(3)));
                }
            }
        }
        return hours;
    }

    /** Deletes what a job's commits up to {@code upToSeq} touched in {@code targetTable}. */
    public int purge(Connection c, String targetTable, String job, long upToSeq)
            throws SQLException {
        try (PreparedStatement p =
                c.prepareStatement(
                        "DELETE FROM "
                                + table
                                + " WHERE target_table = ? AND job = ? AND commit_seq <= ?")) {
            p.setString(1, targetTable);
            p.setString(2, job);
            p.setLong(3, upToSeq);
            return p.executeUpdate();
        }
    }
}
