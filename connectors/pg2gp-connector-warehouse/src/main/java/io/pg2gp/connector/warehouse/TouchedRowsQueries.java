package io.pg2gp.connector.warehouse;

import org.apache.flink.annotation.PublicEvolving;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reads and purges what the sink's commits touched ({@code touched_hours}, {@code touched_keys}):
 * the side job's input. The SQL and column names stay with the sink that writes the tables; values
 * travel as bind parameters.
 *
 * @param <T> the value of a touched row: an hour as epoch millis, or a key as text
 */
@PublicEvolving
public final class TouchedRowsQueries<T> {

    /**
     * An hour as epoch millis; {@code ±infinity} (a fact row dated {@code 'infinity'}), which has
     * no epoch and fails a cast to bigint, as {@link Long#MAX_VALUE} / {@link Long#MIN_VALUE}.
     */
    static final String HOUR_MILLIS =
            "CASE WHEN isfinite(hour) THEN (extract(epoch FROM hour) * 1000)::bigint"
                    + " WHEN hour > 'epoch' THEN 9223372036854775807"
                    + " ELSE -9223372036854775808 END";

    /** One value one commit of a job touched in a target table. */
    public record Touched<T>(String job, long commitSeq, T value) {}

    @FunctionalInterface
    private interface ValueReader<T> {
        T read(ResultSet rs, int column) throws SQLException;
    }

    /**
     * Most UTC days one commit's touched hours may span for {@link #keyDays} to pair its keys with
     * them; a commit spanning more (a snapshot, a backfill) gives its keys alone.
     */
    public static final int MAX_KEY_DAYS_PER_COMMIT = 7;

    private final String table;
    private final String source;
    private final String valueExpression;
    private final ValueReader<T> reader;

    private TouchedRowsQueries(String table, String valueExpression, ValueReader<T> reader) {
        this(table, table, valueExpression, reader);
    }

    private TouchedRowsQueries(
            String table, String source, String valueExpression, ValueReader<T> reader) {
        this.table = table;
        this.source = source;
        this.valueExpression = valueExpression;
        this.reader = reader;
    }

    /** The hours commits touched (old and new versions), as epoch millis. */
    public static TouchedRowsQueries<Long> hours(BookkeepingSchema bookkeeping) {
        return new TouchedRowsQueries<>(
                Objects.requireNonNull(bookkeeping, "bookkeeping").touchedHours(),
                HOUR_MILLIS,
                ResultSet::getLong);
    }

    /** The values of the touched-key column commits touched (old and new versions), as text. */
    public static TouchedRowsQueries<String> keys(BookkeepingSchema bookkeeping) {
        return new TouchedRowsQueries<>(
                Objects.requireNonNull(bookkeeping, "bookkeeping").touchedKeys(),
                "key_value",
                ResultSet::getString);
    }

    /**
     * The touched keys paired with the UTC days of the hours the same commit touched, as text:
     * {@code key|yyyy-mm-dd} for each key and day of a commit (a superset of the pairs it changed:
     * it may have changed any of its keys on any of its days), or the key alone when the commit's
     * hours are unknown (already purged by the hours' reader, none finite) or span more than
     * {@value #MAX_KEY_DAYS_PER_COMMIT} days. Purges {@code touched_keys} only.
     */
    public static TouchedRowsQueries<String> keyDays(BookkeepingSchema bookkeeping) {
        Objects.requireNonNull(bookkeeping, "bookkeeping");
        String days =
                "(SELECT job, target_table, commit_seq, day FROM (SELECT job, target_table,"
                        + " commit_seq, day, count(*) OVER (PARTITION BY job, target_table,"
                        + " commit_seq) AS days FROM (SELECT DISTINCT job, target_table,"
                        + " commit_seq, to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM "
                        + bookkeeping.touchedHours()
                        + ") x) y WHERE days <= "
                        + MAX_KEY_DAYS_PER_COMMIT
                        + ")";
        String source =
                "(SELECT k.job, k.target_table, k.commit_seq, k.key_value || coalesce('|' ||"
                        + " d.day, '') AS key_day FROM "
                        + bookkeeping.touchedKeys()
                        + " k LEFT JOIN "
                        + days
                        + " d ON d.job = k.job AND d.target_table = k.target_table AND"
                        + " d.commit_seq = k.commit_seq) t";
        return new TouchedRowsQueries<>(
                bookkeeping.touchedKeys(), source, "key_day", ResultSet::getString);
    }

    /** The qualified table these queries read. */
    public String table() {
        return table;
    }

    /**
     * The values of commits after {@code afterSeq} into {@code targetTable}, by commit, at most
     * {@code limit} rows (a commit may be cut: callers keep their own per-job offsets).
     */
    public List<Touched<T>> readAfter(Connection c, String targetTable, long afterSeq, int limit)
            throws SQLException {
        List<Touched<T>> rows = new ArrayList<>();
        try (PreparedStatement p =
                c.prepareStatement(
                        "SELECT job, commit_seq, "
                                + valueExpression
                                + " FROM "
                                + source
                                + " WHERE target_table = ? AND commit_seq > ?"
                                + " ORDER BY commit_seq LIMIT ?")) {
            p.setString(1, targetTable);
            p.setLong(2, afterSeq);
            p.setInt(3, limit);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Touched<>(rs.getString(1), rs.getLong(2), reader.read(rs, 3)));
                }
            }
        }
        return rows;
    }

    /**
     * The values of a caller's query whose single column holds values of this kind (e.g. the keys
     * whose stored results time has made stale), read as {@link #readAfter} reads them.
     */
    public List<T> readValues(Connection c, String query) throws SQLException {
        List<T> values = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(query)) {
            while (rs.next()) {
                values.add(reader.read(rs, 1));
            }
        }
        return values;
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
