package io.pg2gp.connector.warehouse.internal.sql;

import io.pg2gp.connector.warehouse.DeleteMode;

import org.apache.flink.annotation.Internal;

import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Collection;

/**
 * The statements that size up a batch before it is applied: one pass of statistics over its staged
 * rows, and the hour and month bounds the statements that read the target are limited to (literal
 * bounds, so the planner prunes partitions).
 */
@Internal
public final class BatchBoundsStatements {

    private final ApplyContext c;

    BatchBoundsStatements(ApplyContext c) {
        this.c = c;
    }

    /**
     * One pass over the staged rows of the batches: the row count (to detect a staging area that
     * lost rows); the lowest LSN and the snapshot reads (to tell whether the batch can hold a
     * replay); rows without a finite hour value, or updates without the finite hour they move from
     * (their old version could be anywhere: ±infinity has no hour to bound by); and the hour range
     * spanned by the new values and the previous ones (the partitions that can hold the replaced
     * versions); then the distinct hours of the new values and of the previous ones, as
     * comma-separated epoch seconds ({@link HourRanges}); last, the rows that are not inserts
     * ({@code c}), for the insert-only path.
     */
    public String batchStats(String job, Collection<Long> batchIds) {
        String h = c.target.hourColumn() == null ? "NULL::timestamptz" : c.target.hourColumn();
        // Grouped by hour, previous hour and op first: the segments reduce the batch to a few
        // rows before the two DISTINCT aggregates, which Greenplum's planner computes on the
        // coordinator (ungrouped, every staged row went there: 0.23 CPU-s per 250k rows).
        // date_trunc keeps ±infinity and NULL, and min/max commute with it.
        return "SELECT coalesce(sum(n), 0), min(lsn),"
                + " coalesce(sum(CASE WHEN op = 'r' THEN n ELSE 0 END), 0),"
                + " coalesce(sum(CASE WHEN hh IS NULL OR NOT isfinite(hh) OR (op = 'u' AND (ph IS"
                + " NULL OR NOT isfinite(ph))) THEN n ELSE 0 END), 0),"
                + " min(least(hh, ph))::text, (max(greatest(hh, ph)) + interval '1 hour')::text, "
                + ApplyContext.epochHours("hh")
                + ", "
                + ApplyContext.epochHours("ph")
                + ", coalesce(sum(CASE WHEN op <> 'c' THEN n ELSE 0 END), 0) FROM (SELECT"
                + " date_trunc('hour', "
                + h
                + ") AS hh, date_trunc('hour', _cdc_prev_hour) AS ph, _cdc_op AS op, count(*) AS"
                + " n, min(_cdc_lsn) AS lsn FROM "
                + c.bookkeeping.stagingTable(c.target)
                + " WHERE "
                + c.stageFilter(job, batchIds)
                + " GROUP BY 1, 2, 3) g";
    }

    /**
     * Literal bounds on the target's hour (partition) column, {@code [from, to)}, for the
     * statements that read the target: the planner prunes partitions from literals only (a join
     * gives GP6 nothing to prune with). Empty when the table is not partitioned or has no hour
     * column.
     */
    public String targetBounds(String from, String to) {
        if (!c.partitioned || c.target.hourColumn() == null || from == null || to == null) {
            return "";
        }
        return inRange("t." + c.target.hourColumn(), from, to);
    }

    /**
     * Literal bounds on the target's hour (partition) column: the ranges of hours the batch
     * touches, ORed, which the planner's constraint exclusion prunes partition by partition (GP6's
     * Postgres planner and PostgreSQL alike). Empty when the table is not partitioned, has no hour
     * column, or there are no hours.
     */
    public String targetBounds(HourRanges hours) {
        if (!c.partitioned || c.target.hourColumn() == null || hours.isEmpty()) {
            return "";
        }
        return " AND " + hours.condition("t." + c.target.hourColumn());
    }

    /**
     * Whether the statements that read the target by key run once per month (UTC) of the versions
     * they look for, each bounded to that month: where the planner cannot prune partitions per key
     * (Greenplum 6), a key then probes the partition it is in instead of every partition within the
     * batch's bounds. The delete splits by the months of the versions the match found, which is
     * exact for any batch (replays and snapshots included).
     */
    public boolean splitsByMonth() {
        return !c.dialect.prunesPartitionsPerKey()
                && c.partitioned
                && c.target.hourColumn() != null;
    }

    /**
     * Whether the match may split by month too (see {@link #keyMonths}): only in mirror mode, where
     * a key's version before the batch is the one its first change replaces or deletes. In soft
     * mode an insert may meet a row marked deleted anywhere.
     */
    public boolean splitsMatchByMonth() {
        return splitsByMonth() && c.deleteMode == DeleteMode.MIRROR;
    }

    /**
     * For a batch of changes never applied before: per key, the month (UTC, {@code YYYY-MM}) of the
     * earliest of its staged rows' hours and previous hours, grouped, with the number of keys whose
     * hours span more than one month. A key's version before the batch lies in the hour its first
     * change moves from (update) or removes (delete); an insert has none in mirror mode. So when no
     * key spans months, every version the batch can replace lies in its key's month, and the match
     * may look for each key there only. Needs every hour finite (the batch stats check it).
     */
    public String keyMonths(String job, Collection<Long> batchIds) {
        String h = c.target.hourColumn();
        String lo = "least(" + h + ", coalesce(_cdc_prev_hour, " + h + "))";
        String hi = "greatest(" + h + ", coalesce(_cdc_prev_hour, " + h + "))";
        return "SELECT to_char(k.lo, 'YYYY-MM'), sum(CASE WHEN k.lo <> k.hi THEN 1 ELSE 0 END)"
                + " FROM (SELECT min(date_trunc('month', "
                + lo
                + " AT TIME ZONE 'UTC')) AS lo, max(date_trunc('month', "
                + hi
                + " AT TIME ZONE 'UTC')) AS hi FROM "
                + c.bookkeeping.stagingTable(c.target)
                + " WHERE "
                + c.stageFilter(job, batchIds)
                + " GROUP BY "
                + c.keyColumns
                + ") k GROUP BY 1";
    }

    /**
     * The cheap test before {@link #keyMonths}: the batch's keys (rows of the deduplicated batch)
     * and the staged updates whose previous hour lies in another month (UTC) than their hour. When
     * every key was staged once and no update moves between months, no key spans months, and the
     * months of the batch's hours are its keys' months, with no grouping by key.
     */
    public String monthMoves(String job, Collection<Long> batchIds) {
        String h = c.target.hourColumn();
        return "SELECT (SELECT count(*) FROM "
                + c.batchTable
                + "), (SELECT count(*) FROM "
                + c.bookkeeping.stagingTable(c.target)
                + " WHERE "
                + c.stageFilter(job, batchIds)
                + " AND _cdc_op = 'u' AND date_trunc('month', "
                + h
                + " AT TIME ZONE 'UTC') <> date_trunc('month', _cdc_prev_hour AT TIME ZONE"
                + " 'UTC'))";
    }

    /**
     * The months (UTC, {@code YYYY-MM}) of the replaced versions the match found; NULL for versions
     * without a finite hour (left to {@link #withoutFiniteOldHour}).
     */
    public String replacedMonths() {
        return "SELECT DISTINCT CASE WHEN isfinite(old_hour) THEN to_char(date_trunc('month',"
                + " old_hour AT TIME ZONE 'UTC'), 'YYYY-MM') END FROM "
                + c.matchTable
                + " WHERE replaces";
    }

    /**
     * Literal bounds of one month (UTC) on the target's hour column and on {@code column} of the
     * joined work table: the planner prunes the target to that month's partition (and the default),
     * and the work table gives it only the keys looked for there.
     */
    public String monthBounds(YearMonth month, String column) {
        String from = month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC).toString();
        String to =
                month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC).toString();
        return inRange("t." + c.target.hourColumn(), from, to) + inRange(column, from, to);
    }

    /** {@code AND column >= from AND column < to}, the bounds as timestamptz literals. */
    private static String inRange(String column, String from, String to) {
        return " AND "
                + column
                + " >= timestamptz "
                + SqlLiterals.string(from)
                + " AND "
                + column
                + " < timestamptz "
                + SqlLiterals.string(to);
    }

    /** The batch's hour column, for {@link #monthBounds} of the match. */
    public String batchHour() {
        return "b." + c.target.hourColumn();
    }

    /** The match's hour of the version found, for {@link #monthBounds} of the delete. */
    public String matchedHour() {
        return "m.old_hour";
    }

    /** Restricts the delete to replaced versions without a finite hour (in no month). */
    public String withoutFiniteOldHour() {
        return " AND (m.old_hour IS NULL OR NOT isfinite(m.old_hour))";
    }
}
