package io.pg2gp.connector.warehouse.internal.sql;

import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseTable;

import org.apache.flink.annotation.Internal;

import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The statements that apply one committed micro-batch to a target table, in one transaction.
 *
 * <p>They keep to what Greenplum 6 (PostgreSQL 9.4 kernel) accepts: no {@code ON CONFLICT}, no
 * {@code MERGE}, no {@code RETURNING}. An upsert is delete-then-insert, guarded by LSN so the
 * warehouse never goes backwards for a key; the batch is deduplicated first so every key appears
 * once, with its latest version.
 */
@Internal
public final class ApplyStatements {

    /**
     * When a batch row replaces the target's version of its key: never with an older LSN. Snapshot
     * reads ({@code r}) carry no usable LSN (Flink CDC reports 0) and always hold the state the
     * chunk read, so they replace whatever a previous run left.
     */
    static final String REPLACES = "(t._cdc_lsn <= b._cdc_lsn OR b._cdc_op = 'r')";

    private final WarehouseTable target;
    private final BookkeepingTables bookkeeping;
    private final DeleteMode deleteMode;
    private final WarehouseDialect dialect;
    private final boolean partitioned;
    private final String dataColumns;
    private final String keyColumns;
    private final String keyJoin;
    private final String batchColumns;
    private final String batchTable;
    private final String matchTable;
    private final List<String> extraDistribution;
    private final List<String> matchCarried;

    public ApplyStatements(
            WarehouseTable target,
            BookkeepingTables bookkeeping,
            DeleteMode deleteMode,
            WarehouseDialect dialect,
            boolean partitioned) {
        this.partitioned = partitioned;
        this.target = target;
        this.bookkeeping = bookkeeping;
        this.deleteMode = deleteMode;
        this.dialect = dialect;
        this.dataColumns =
                target.columns().stream()
                        .map(WarehouseTable.Column::name)
                        .collect(Collectors.joining(", "));
        this.keyColumns = String.join(", ", target.keyColumns());
        this.batchColumns = String.join(", ", BookkeepingTables.applyBatchColumns(target));
        this.batchTable = bookkeeping.applyBatchTable(target);
        this.matchTable = bookkeeping.applyMatchTable(target);
        this.extraDistribution = BookkeepingTables.extraDistributionColumns(target);
        this.matchCarried = BookkeepingTables.matchCarriedColumns(target);
        this.keyJoin =
                target.keyColumns().stream()
                        .map(k -> "t." + k + " = b." + k)
                        .collect(Collectors.joining(" AND "));
    }

    /** The bookkeeping tables the statements use. */
    public BookkeepingTables bookkeeping() {
        return bookkeeping;
    }

    /** The deduplicated batch (a permanent work table, empty outside an apply). */
    public String batchTable() {
        return batchTable;
    }

    /** The batch keys that already have a version in the target, found with one join. */
    public String matchTable() {
        return matchTable;
    }

    /**
     * Empties the work tables before the apply commits: outside an apply they are always empty, so
     * a concurrent or later apply never sees another's rows. Deleting instead of truncating: a
     * TRUNCATE gives the table a new file and so leaves a dead {@code pg_class} row per apply.
     */
    public List<String> clearWorkTables() {
        return List.of("DELETE FROM " + batchTable, "DELETE FROM " + matchTable);
    }

    private String stageFilter(String job, Collection<Long> batchIds) {
        return stageFilter("", job, batchIds);
    }

    private static String stageFilter(String alias, String job, Collection<Long> batchIds) {
        return alias
                + "_pg2gp_job = "
                + SqlLiterals.string(job)
                + " AND "
                + alias
                + "_pg2gp_batch IN "
                + SqlLiterals.longList(batchIds);
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
        String h = target.hourColumn() == null ? "NULL::timestamptz" : target.hourColumn();
        // Grouped by hour, previous hour and op first: the segments reduce the batch to a few
        // rows before the two DISTINCT aggregates, which Greenplum's planner computes on the
        // coordinator (ungrouped, every staged row went there: 0.23 CPU-s per 250k rows).
        // date_trunc keeps ±infinity and NULL, and min/max commute with it.
        return "SELECT coalesce(sum(n), 0), min(lsn),"
                + " coalesce(sum(CASE WHEN op = 'r' THEN n ELSE 0 END), 0),"
                + " coalesce(sum(CASE WHEN hh IS NULL OR NOT isfinite(hh) OR (op = 'u' AND (ph IS"
                + " NULL OR NOT isfinite(ph))) THEN n ELSE 0 END), 0),"
                + " min(least(hh, ph))::text, (max(greatest(hh, ph)) + interval '1 hour')::text, "
                + epochHours("hh")
                + ", "
                + epochHours("ph")
                + ", coalesce(sum(CASE WHEN op <> 'c' THEN n ELSE 0 END), 0) FROM (SELECT"
                + " date_trunc('hour', "
                + h
                + ") AS hh, date_trunc('hour', _cdc_prev_hour) AS ph, _cdc_op AS op, count(*) AS"
                + " n, min(_cdc_lsn) AS lsn FROM "
                + bookkeeping.stagingTable(target)
                + " WHERE "
                + stageFilter(job, batchIds)
                + " GROUP BY 1, 2, 3) g";
    }

    /**
     * Distinct whole hours (of {@code column}, already truncated) as epoch seconds. ±infinity has
     * no epoch hour (the cast fails): such rows leave the batch unbounded.
     */
    private static String epochHours(String column) {
        return "array_to_string(array_agg(DISTINCT CASE WHEN isfinite("
                + column
                + ") THEN extract(epoch FROM "
                + column
                + ")::bigint END), ',')";
    }

    /**
     * Literal bounds on the target's hour (partition) column, {@code [from, to)}, for the
     * statements that read the target: the planner prunes partitions from literals only (a join
     * gives GP6 nothing to prune with). Empty when the table is not partitioned or has no hour
     * column.
     */
    public String targetBounds(String from, String to) {
        if (!partitioned || target.hourColumn() == null || from == null || to == null) {
            return "";
        }
        return inRange("t." + target.hourColumn(), from, to);
    }

    /**
     * Literal bounds on the target's hour (partition) column: the ranges of hours the batch
     * touches, ORed, which the planner's constraint exclusion prunes partition by partition (GP6's
     * Postgres planner and PostgreSQL alike). Empty when the table is not partitioned, has no hour
     * column, or there are no hours.
     */
    public String targetBounds(HourRanges hours) {
        if (!partitioned || target.hourColumn() == null || hours.isEmpty()) {
            return "";
        }
        return " AND " + hours.condition("t." + target.hourColumn());
    }

    /**
     * Whether the statements that read the target by key run once per month (UTC) of the versions
     * they look for, each bounded to that month: where the planner cannot prune partitions per key
     * (Greenplum 6), a key then probes the partition it is in instead of every partition within the
     * batch's bounds. The delete splits by the months of the versions the match found, which is
     * exact for any batch (replays and snapshots included).
     */
    public boolean splitsByMonth() {
        return !dialect.prunesPartitionsPerKey() && partitioned && target.hourColumn() != null;
    }

    /**
     * Whether the match may split by month too (see {@link #keyMonths}): only in mirror mode, where
     * a key's version before the batch is the one its first change replaces or deletes. In soft
     * mode an insert may meet a row marked deleted anywhere.
     */
    public boolean splitsMatchByMonth() {
        return splitsByMonth() && deleteMode == DeleteMode.MIRROR;
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
        String h = target.hourColumn();
        String lo = "least(" + h + ", coalesce(_cdc_prev_hour, " + h + "))";
        String hi = "greatest(" + h + ", coalesce(_cdc_prev_hour, " + h + "))";
        return "SELECT to_char(k.lo, 'YYYY-MM'), sum(CASE WHEN k.lo <> k.hi THEN 1 ELSE 0 END)"
                + " FROM (SELECT min(date_trunc('month', "
                + lo
                + " AT TIME ZONE 'UTC')) AS lo, max(date_trunc('month', "
                + hi
                + " AT TIME ZONE 'UTC')) AS hi FROM "
                + bookkeeping.stagingTable(target)
                + " WHERE "
                + stageFilter(job, batchIds)
                + " GROUP BY "
                + keyColumns
                + ") k GROUP BY 1";
    }

    /**
     * The cheap test before {@link #keyMonths}: the batch's keys (rows of the deduplicated batch)
     * and the staged updates whose previous hour lies in another month (UTC) than their hour. When
     * every key was staged once and no update moves between months, no key spans months, and the
     * months of the batch's hours are its keys' months, with no grouping by key.
     */
    public String monthMoves(String job, Collection<Long> batchIds) {
        String h = target.hourColumn();
        return "SELECT (SELECT count(*) FROM "
                + batchTable
                + "), (SELECT count(*) FROM "
                + bookkeeping.stagingTable(target)
                + " WHERE "
                + stageFilter(job, batchIds)
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
                + matchTable
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
        return inRange("t." + target.hourColumn(), from, to) + inRange(column, from, to);
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
        return "b." + target.hourColumn();
    }

    /** The match's hour of the version found, for {@link #monthBounds} of the delete. */
    public String matchedHour() {
        return "m.old_hour";
    }

    /** Restricts the delete to replaced versions without a finite hour (in no month). */
    public String withoutFiniteOldHour() {
        return " AND (m.old_hour IS NULL OR NOT isfinite(m.old_hour))";
    }

    /**
     * Whether a batch of inserts only may take the insert-only path ({@link #insertStaged}): in
     * mirror mode only. In soft mode a deleted key keeps its row (marked), so a later insert of the
     * same key must replace it, which needs the match.
     */
    public boolean insertOnlyAllowed() {
        return deleteMode == DeleteMode.MIRROR;
    }

    /**
     * Counts the keys staged more than once in the batches: an insert-only batch must hold each key
     * once, since the insert-only path does not deduplicate.
     */
    public String repeatedKeys(String job, Collection<Long> batchIds) {
        return "SELECT count(*) FROM (SELECT 1 FROM "
                + bookkeeping.stagingTable(target)
                + " WHERE "
                + stageFilter(job, batchIds)
                + " GROUP BY "
                + keyColumns
                + " HAVING count(*) > 1) x";
    }

    /**
     * Whether the target refuses a second row of a key by itself: a valid, immediately checked
     * unique index (or key constraint) on key columns only. Then an insert-only batch needs no
     * {@link #repeatedKeys} pass over staging: a key staged twice fails the insert, which is undone
     * to its savepoint and applied per key.
     */
    public String keyUnique() {
        return "SELECT count(*) > 0 FROM pg_index i WHERE i.indrelid = "
                + SqlLiterals.string(target.qualifiedName())
                + "::regclass AND i.indisunique AND i.indisvalid AND i.indimmediate AND"
                + " i.indexprs IS NULL AND i.indpred IS NULL AND NOT EXISTS (SELECT 1 FROM"
                + " pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
                + " AND a.attname NOT IN ("
                + target.keyColumns().stream()
                        .map(SqlLiterals::string)
                        .collect(Collectors.joining(", "))
                + "))";
    }

    /**
     * The highest source LSN any job applied to the table: the insert-only path must not trust a
     * job's own ledger alone, since a renamed pipeline replaying changes another name applied would
     * see none of them there.
     */
    public String lastAppliedLsnAnyJob() {
        return "SELECT coalesce(max(max_lsn), 0) FROM "
                + bookkeeping.ledger()
                + " WHERE target_table = ?";
    }

    /**
     * The insert-only path: the staged rows of the batches straight into the target, with no
     * deduplication, no work tables and no read of the target. Staging is distributed like the
     * target, so on Greenplum each segment inserts its own rows with no motion. Only for a batch
     * that {@code BatchApplier} proved cannot meet a version already in the target and holds each
     * key once.
     */
    public String insertStaged(String job, Collection<Long> batchIds) {
        return "INSERT INTO "
                + target.qualifiedName()
                + " ("
                + dataColumns
                + ", _cdc_lsn, _cdc_op, _cdc_committed_at, _synced_at) SELECT "
                + target.columns().stream()
                        .map(c -> "s." + c.name())
                        .collect(Collectors.joining(", "))
                + ", s._cdc_lsn, s._cdc_op, s._cdc_committed_at, now() FROM "
                + bookkeeping.stagingTable(target)
                + " s WHERE "
                + stageFilter("s.", job, batchIds);
    }

    /**
     * {@link #insertStaged} that also records the touched keys from the rows it inserts (a writable
     * CTE), instead of another pass over staging; returns the rows inserted as one row, one column.
     * Null where the dialect has no writable CTEs or the table tracks no key.
     */
    public String insertStagedRecordingKeys(String job, long commitSeq, Collection<Long> batchIds) {
        String k = target.touchedKeyColumn();
        if (k == null || !dialect.writableCtes()) {
            return null;
        }
        return "WITH ins AS ("
                + insertStaged(job, batchIds)
                + " RETURNING "
                + k
                + "), keys AS ("
                + touchedKeysInsert(job, commitSeq)
                + "x.k::text FROM (SELECT DISTINCT "
                + k
                + " AS k FROM ins WHERE "
                + k
                + " IS NOT NULL) x) SELECT count(*) FROM ins";
    }

    /**
     * The insert-only path taken on trust, with no pass over staging before it: {@link
     * #insertStaged}, recording the touched keys and hours from the rows it inserts (writable
     * CTEs), and returning one row of what decides whether the batch was insert-only after all:
     * rows inserted, lowest LSN, rows that are not inserts ({@code c}). The caller rolls it back to
     * a savepoint when they say otherwise. Null where the dialect has no writable CTEs.
     */
    public String insertStagedReturningStats(
            String job, long commitSeq, Collection<Long> batchIds, Collection<Long> tags) {
        if (!dialect.writableCtes()) {
            return null;
        }
        String k = target.touchedKeyColumn();
        String h = target.hourColumn();
        StringBuilder q =
                new StringBuilder("WITH ins AS (")
                        .append(insertStaged(job, batchIds))
                        .append(inSlots("s.", tags))
                        .append(" RETURNING _cdc_lsn AS lsn, _cdc_op AS op")
                        .append(k == null ? "" : ", " + k + " AS k")
                        .append(h == null ? "" : ", date_trunc('hour', " + h + ") AS h")
                        .append(")");
        if (k != null) {
            q.append(", keys AS (")
                    .append(touchedKeysInsert(job, commitSeq))
                    .append("x.k::text FROM (SELECT DISTINCT k FROM ins WHERE k IS NOT NULL) x)");
        }
        if (h != null) {
            q.append(", hours AS (")
                    .append(touchedHoursInsert(job, commitSeq))
                    .append("h FROM ins WHERE isfinite(h))");
        }
        return q.append(
                        " SELECT count(*), coalesce(min(lsn), 0), count(*) FILTER (WHERE op <> 'c')"
                                + " FROM ins")
                .toString();
    }

    /**
     * Where staging has slots, a filter on the slots of {@code tags} (the batches' checkpoint tags,
     * which every row of a batch carries) that lets the planner read those slots only, not the ones
     * the writers are filling for later checkpoints; empty otherwise.
     */
    private String inSlots(String alias, Collection<Long> tags) {
        int slots = dialect.stagingSlots();
        if (slots == 0 || tags.isEmpty()) {
            return "";
        }
        return " AND ("
                + alias
                + "_pg2gp_tag % "
                + slots
                + ") IN "
                + SqlLiterals.longList(
                        tags.stream().map(t -> Math.floorMod(t, (long) slots)).distinct().toList());
    }

    /**
     * The hours of an insert-only batch from what {@link #batchStats} already found (its distinct
     * finite hours of the new values, as comma-separated epoch seconds), instead of another pass
     * over staging. Null when the table tracks no hour or the batch has none.
     */
    public String recordTouchedHoursFromStats(String job, long commitSeq, String epochHours) {
        if (target.hourColumn() == null || epochHours == null || epochHours.isBlank()) {
            return null;
        }
        StringBuilder hours = new StringBuilder();
        for (String h : epochHours.split(",")) {
            if (!h.isBlank()) {
                hours.append(hours.length() == 0 ? "" : ", ").append(Long.parseLong(h.trim()));
            }
        }
        if (hours.length() == 0) {
            return null;
        }
        return touchedHoursInsert(job, commitSeq)
                + "to_timestamp(h) FROM unnest(ARRAY["
                + hours
                + "]::bigint[]) h";
    }

    /**
     * {@code INSERT INTO touched_hours ... SELECT DISTINCT job, table, seq, }: the hour follows.
     */
    private String touchedHoursInsert(String job, long commitSeq) {
        return "INSERT INTO "
                + bookkeeping.touchedHours()
                + " (job, target_table, commit_seq, hour) SELECT DISTINCT "
                + SqlLiterals.string(job)
                + ", "
                + SqlLiterals.string(target.qualifiedName())
                + ", "
                + commitSeq
                + ", ";
    }

    /** The highest source LSN this job applied to the table; later rows were never applied. */
    public String lastAppliedLsn() {
        return "SELECT coalesce(max(max_lsn), 0) FROM "
                + bookkeeping.ledger()
                + " WHERE job = ? AND target_table = ?";
    }

    /**
     * The batch, one row per key: the version with the highest LSN (then the latest staged). Only
     * what the apply decides with is copied (key, hour, LSN, op, and the staged row's identity),
     * not the row itself: sorting and writing the wide rows cost four times as much, and the one
     * statement that needs every column, the insert, reads the winners from staging by identity.
     */
    public String createDeduplicatedBatch(String job, Collection<Long> batchIds) {
        return "INSERT INTO "
                + batchTable
                + " ("
                + batchColumns
                + ") SELECT DISTINCT ON ("
                + keyColumns
                + ") "
                + batchColumns
                + " FROM "
                + bookkeeping.stagingTable(target)
                + " WHERE "
                + stageFilter(job, batchIds)
                + " ORDER BY "
                + keyColumns
                + ", _cdc_lsn DESC, _pg2gp_seq DESC";
    }

    /** Statistics on the key only: enough for the join plan, and cheap on wide rows. */
    public String analyzeBatch() {
        return "ANALYZE " + batchTable + " (" + keyColumns + ")";
    }

    public List<String> sessionSettings(String memory) {
        return dialect.applySessionSettings(memory);
    }

    /**
     * Records the hours of the versions being replaced and of the new versions, so the rollup job
     * recomputes both when a change moves a row between hours. Null when the table tracks no hour.
     * A ±infinity value (PostgreSQL's infinite timestamps) is in no hour and not recorded.
     */
    public String recordTouchedHours(String job, long commitSeq, String batch) {
        String h = target.hourColumn();
        if (h == null) {
            return null;
        }
        return touchedHoursInsert(job, commitSeq)
                + "x.h FROM (SELECT date_trunc('hour', m.old_hour) AS h FROM "
                + matchTable
                + " m WHERE m.replaces UNION ALL SELECT date_trunc('hour', b."
                + h
                + ") FROM "
                + batch
                + " b WHERE b._cdc_op <> 'd') x WHERE isfinite(x.h)";
    }

    /**
     * Records the touched key column's values of the versions being replaced (or deleted) and of
     * the new versions, so a row moving from one key value to another touches both. Null when the
     * table tracks no key. NULL values touch nothing.
     */
    public String recordTouchedKeys(String job, long commitSeq, String batch) {
        String k = target.touchedKeyColumn();
        if (k == null) {
            return null;
        }
        return touchedKeysInsert(job, commitSeq)
                + "x.k FROM (SELECT m."
                + k
                + "::text AS k FROM "
                + matchTable
                + " m WHERE m.replaces UNION ALL SELECT b."
                + k
                + "::text FROM "
                + batch
                + " b WHERE b._cdc_op <> 'd') x WHERE x.k IS NOT NULL";
    }

    /** The touched keys of an insert-only batch, read from staging. Null when none are tracked. */
    public String recordTouchedKeysStaged(String job, long commitSeq, Collection<Long> batchIds) {
        String k = target.touchedKeyColumn();
        if (k == null) {
            return null;
        }
        // Distinct values first, then the cast: rendering every staged value as text cost more
        // than the scan.
        return touchedKeysInsert(job, commitSeq)
                + "x.k::text FROM (SELECT DISTINCT "
                + k
                + " AS k FROM "
                + bookkeeping.stagingTable(target)
                + " WHERE "
                + stageFilter(job, batchIds)
                + " AND "
                + k
                + " IS NOT NULL) x";
    }

    private String touchedKeysInsert(String job, long commitSeq) {
        return "INSERT INTO "
                + bookkeeping.touchedKeys()
                + " (job, target_table, commit_seq, key_value) SELECT DISTINCT "
                + SqlLiterals.string(job)
                + ", "
                + SqlLiterals.string(target.qualifiedName())
                + ", "
                + commitSeq
                + ", ";
    }

    /**
     * The one statement that reads the target: every batch key with a version there, whether the
     * batch row replaces it, and the old version's hour. Everything after works on this small
     * table, so a batch of new keys costs one index probe per key and no further scans.
     */
    public String createMatches(String batch, String bounds) {
        String h = target.hourColumn();
        List<String> columns = new ArrayList<>(target.keyColumns());
        columns.addAll(matchCarried);
        columns.addAll(List.of("op", "replaces"));
        if (h != null) {
            columns.add("old_hour");
        }
        return "INSERT INTO "
                + matchTable
                + " ("
                + String.join(", ", columns)
                + ") SELECT "
                + target.keyColumns().stream().map(k -> "b." + k).collect(Collectors.joining(", "))
                + matchCarried.stream().map(d -> ", t." + d).collect(Collectors.joining())
                + ", b._cdc_op, "
                + REPLACES
                + (h == null ? "" : ", t." + h)
                + " FROM "
                + target.qualifiedName()
                + " t JOIN "
                + batch
                + " b ON "
                + keyJoin
                + bounds;
    }

    private String matchJoin(String alias) {
        return target.keyColumns().stream()
                .map(k -> alias + "." + k + " = m." + k)
                .collect(Collectors.joining(" AND "));
    }

    /**
     * Removes the target versions the batch replaces (never a newer one). The match table holds the
     * distribution columns of the version found, so on Greenplum the join is co-located: each
     * segment deletes its own rows through the key index, with no motion. An equality never holds
     * for NULL distribution values: those rows are left to {@link
     * #deleteReplacedWithNullDistribution}.
     */
    public String deleteReplaced(String bounds) {
        return deleteReplaced(
                bounds,
                extraDistribution.stream()
                        .map(d -> " AND t." + d + " = m." + d)
                        .collect(Collectors.joining()));
    }

    /**
     * Counts replaced versions whose distribution columns hold a NULL; null when the distribution
     * columns are key columns (never NULL).
     */
    public String countReplacedWithNullDistribution() {
        if (extraDistribution.isEmpty()) {
            return null;
        }
        return "SELECT count(*) FROM " + matchTable + " m WHERE m.replaces AND " + anyNull();
    }

    /** The rows {@link #deleteReplaced} leaves: joined by key alone (not co-located). */
    public String deleteReplacedWithNullDistribution(String bounds) {
        return deleteReplaced(bounds, " AND " + anyNull());
    }

    private String anyNull() {
        return "("
                + extraDistribution.stream()
                        .map(d -> "m." + d + " IS NULL")
                        .collect(Collectors.joining(" OR "))
                + ")";
    }

    private String deleteReplaced(String bounds, String distribution) {
        String sql =
                "DELETE FROM "
                        + target.qualifiedName()
                        + " t USING "
                        + matchTable
                        + " m WHERE "
                        + matchJoin("t")
                        + distribution
                        + " AND m.replaces"
                        + bounds;
        return deleteMode == DeleteMode.SOFT ? sql + " AND m.op <> 'd'" : sql;
    }

    /**
     * Whether the apply keeps {@link BookkeepingTables#softDeletedTable} up to date and widens a
     * fresh batch's bounds with it: soft delete mode on a target with an hour column.
     */
    public boolean tracksSoftDeleted() {
        return deleteMode == DeleteMode.SOFT && target.hourColumn() != null;
    }

    /**
     * The hours of the marked rows of the batch's keys, as comma-separated epoch seconds (as {@link
     * #batchStats}), and the number of such rows without a finite hour (which leave the batch
     * unbounded). A marked row stays in its hour, while a fresh batch reads the target within the
     * hours it touches: a key inserted again in another hour would not find its marked row and
     * would end up with two rows. Only keys deleted before have an entry, so for the common batch
     * this is one index probe per key into a small table, and the bounds stay those of the batch.
     */
    public String softDeletedHours(String batch) {
        return "SELECT "
                + epochHours("x.h")
                + ", coalesce(sum(CASE WHEN x.h IS NULL OR NOT isfinite(x.h) THEN 1 ELSE 0 END),"
                + " 0) FROM (SELECT date_trunc('hour', d.hour) AS h FROM "
                + bookkeeping.softDeletedTable(target)
                + " d JOIN "
                + batch
                + " b ON "
                + keyJoin.replace("t.", "d.")
                + ") x";
    }

    /**
     * The match of the batch's keys that have a row marked deleted (soft mode), in the hours of
     * those rows ({@code marked}) but outside the batch's own hours ({@code batchHours}: the match
     * within the batch's bounds found what lies there): only those keys probe the partitions of
     * their marked rows, the rest of the batch stays within its bounds.
     */
    public String createMatchesOfMarked(String batch, HourRanges marked, HourRanges batchHours) {
        String h = "t." + target.hourColumn();
        return createMatches(
                batch,
                " AND "
                        + marked.condition(h)
                        + " AND NOT ("
                        + batchHours.condition(h)
                        + ") AND ("
                        + target.keyColumns().stream()
                                .map(k -> "b." + k)
                                .collect(Collectors.joining(", "))
                        + ") IN (SELECT "
                        + keyColumns
                        + " FROM "
                        + bookkeeping.softDeletedTable(target)
                        + ")");
    }

    /**
     * Drops the entries of the keys whose marked row the batch replaced or marked again (before
     * {@link #rememberSoftDeleted} records the ones marked now).
     */
    public String forgetSoftDeleted() {
        return "DELETE FROM "
                + bookkeeping.softDeletedTable(target)
                + " d USING "
                + matchTable
                + " m WHERE "
                + matchJoin("d")
                + " AND m.replaces";
    }

    /** Records the rows {@link #markSoftDeleted} marked: their key and hour. */
    public String rememberSoftDeleted(String batch) {
        return "INSERT INTO "
                + bookkeeping.softDeletedTable(target)
                + " ("
                + keyColumns
                + ", hour) SELECT "
                + target.keyColumns().stream().map(k -> "m." + k).collect(Collectors.joining(", "))
                + ", m.old_hour FROM "
                + matchTable
                + " m JOIN "
                + batch
                + " b ON "
                + matchJoin("b")
                + " WHERE m.replaces AND b._cdc_op = 'd'";
    }

    /** Soft deletes: marks the row instead of removing it. Null in mirror mode. */
    public String markSoftDeleted(String batch, String bounds) {
        if (deleteMode != DeleteMode.SOFT) {
            return null;
        }
        return "UPDATE "
                + target.qualifiedName()
                + " t SET _deleted = true, _cdc_op = 'd', _cdc_lsn = b._cdc_lsn,"
                + " _cdc_committed_at = b._cdc_committed_at, _synced_at = now() FROM "
                + batch
                + " b, "
                + matchTable
                + " m WHERE "
                + keyJoin
                + " AND "
                + matchJoin("b")
                + " AND m.replaces AND b._cdc_op = 'd'"
                + bounds;
    }

    /**
     * Inserts the new versions, read from staging by the identity of each key's winning row ({@code
     * _pg2gp_batch}, {@code _pg2gp_seq}: unique, as the batch-stats count guards); replaced
     * versions were deleted before. With {@code matched}, batch rows whose key holds a newer
     * version in the target (losers) are left out.
     */
    public String insertNewVersions(
            String job, Collection<Long> batchIds, String batch, boolean matched) {
        return insertNewVersions(
                job,
                batchIds,
                batch,
                matched,
                extraDistribution.stream()
                        .map(d -> " AND s." + d + " = b." + d)
                        .collect(Collectors.joining()),
                "");
    }

    /**
     * Counts the batch's new versions whose distribution columns hold a NULL; null when the
     * distribution columns are key columns (never NULL).
     */
    public String countNewVersionsWithNullDistribution(String batch) {
        if (extraDistribution.isEmpty()) {
            return null;
        }
        return "SELECT count(*) FROM "
                + batch
                + " b WHERE b._cdc_op <> 'd' AND "
                + anyNull().replace("m.", "b.");
    }

    /** The new versions {@link #insertNewVersions} leaves: joined without the distribution. */
    public String insertNewVersionsWithNullDistribution(
            String job, Collection<Long> batchIds, String batch, boolean matched) {
        return insertNewVersions(
                job, batchIds, batch, matched, "", " AND " + anyNull().replace("m.", "b."));
    }

    /**
     * The insert joins staging and batch on the distribution columns too (both are distributed like
     * the target, and the batch row is the staged row's copy): on Greenplum the join is then
     * co-located, instead of broadcasting the batch to every segment (measured on GP6, 10,000 rows:
     * 18-76 ms without the motion vs 160-256 ms with it). Equality never holds for NULL
     * distribution values: {@link #insertNewVersionsWithNullDistribution} inserts those.
     */
    private String insertNewVersions(
            String job,
            Collection<Long> batchIds,
            String batch,
            boolean matched,
            String distribution,
            String nulls) {
        String softColumn = deleteMode == DeleteMode.SOFT ? ", _deleted" : "";
        String softValue = deleteMode == DeleteMode.SOFT ? ", false" : "";
        return "INSERT INTO "
                + target.qualifiedName()
                + " ("
                + dataColumns
                + ", _cdc_lsn, _cdc_op, _cdc_committed_at, _synced_at"
                + softColumn
                + ") SELECT "
                + target.columns().stream()
                        .map(c -> "s." + c.name())
                        .collect(Collectors.joining(", "))
                + ", b._cdc_lsn, b._cdc_op, b._cdc_committed_at, now()"
                + softValue
                + " FROM "
                + bookkeeping.stagingTable(target)
                + " s JOIN "
                + batch
                + " b ON "
                + target.keyColumns().stream()
                        .map(k -> "s." + k + " = b." + k)
                        .collect(Collectors.joining(" AND "))
                + distribution
                + " AND s._pg2gp_batch = b._pg2gp_batch AND s._pg2gp_seq = b._pg2gp_seq WHERE "
                + stageFilter("s.", job, batchIds)
                + " AND b._cdc_op <> 'd'"
                + nulls
                + (matched
                        ? " AND NOT EXISTS (SELECT 1 FROM "
                                + matchTable
                                + " m WHERE "
                                + matchJoin("b")
                                + " AND NOT m.replaces)"
                        : "");
    }

    /**
     * Whether the target has an index led by its (first) key column, which {@link #keyLookups}
     * needs.
     */
    public String keyIndexed() {
        return "SELECT count(*) > 0 FROM pg_index i JOIN pg_attribute a ON a.attrelid ="
                + " i.indrelid AND a.attnum = i.indkey[0] WHERE i.indrelid = "
                + SqlLiterals.string(target.qualifiedName())
                + "::regclass AND a.attname = "
                + SqlLiterals.string(target.keyColumns().get(0));
    }

    /** The apply's planner, local to its transaction (see the dialect). */
    public List<String> plannerSettings() {
        return dialect.applyPlannerSettings();
    }

    /**
     * For the statements that find the batch keys in the target (match and delete): on Greenplum an
     * index nested loop instead of a hash join over every row within the bounds, so rows read
     * follow the batch, not the table (see the dialect).
     */
    public List<String> keyLookups(boolean keyIndexed) {
        return dialect.keyLookupSettings(keyIndexed);
    }

    /** Follows {@link #restoreHashJoins}: sequential scans again (staging has no index). */
    public String restoreSeqScans() {
        return "RESET enable_seqscan";
    }

    /**
     * Follows the statements of {@link #keyLookups}: hash joins again, for the soft-delete update
     * (batch joined with match, neither indexed) and the insert (staging joined with the batch).
     */
    public String restoreHashJoins() {
        return "RESET enable_hashjoin";
    }

    /**
     * Precedes {@link #insertNewVersions}: staging churns (every apply purges what it applied), so
     * its statistics often say it is empty, and a nested loop over a "tiny" staging table with the
     * batch as inner side costs rows x rows (10 s for 10,000 users). Staging has no index, so it is
     * scanned once either way; a hash join is never worse. Local to the transaction.
     */
    public String disableNestedLoops() {
        return "SET LOCAL enable_nestloop = off";
    }

    /**
     * Follows {@link #insertNewVersions}: back to the server's configured value (on for PostgreSQL,
     * where the key lookups want index nested loops; off by default on Greenplum).
     */
    public String restoreNestedLoops() {
        return "RESET enable_nestloop";
    }

    public String moveDeadLetters(String job, Collection<Long> batchIds, long commitSeq) {
        return "INSERT INTO "
                + bookkeeping.deadLetters()
                + " (job, target_table, commit_seq, reason, cdc_lsn, cdc_op, payload, staged_at)"
                + " SELECT _pg2gp_job, target_table, "
                + commitSeq
                + ", reason, cdc_lsn, cdc_op, payload, staged_at FROM "
                + bookkeeping.stagedDeadLetters()
                + " WHERE "
                + stageFilter(job, batchIds)
                + " AND target_table = "
                + SqlLiterals.string(target.qualifiedName());
    }

    public String ledgerLookup() {
        return "SELECT commit_seq FROM "
                + bookkeeping.ledger()
                + " WHERE job = ? AND target_table = ? AND commit_id = ?";
    }

    public String ledgerInsert() {
        return "INSERT INTO "
                + bookkeeping.ledger()
                + " (job, target_table, commit_id, checkpoint_id, commit_seq, batches,"
                + " rows_staged, rows_upserted, rows_deleted, dead_letters, max_lsn,"
                + " apply_millis) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    }

    public String nextCommitSeq() {
        return "SELECT nextval('" + bookkeeping.commitSequence() + "')";
    }

    public String purgeStagedDeadLetters(String job, long checkpointId) {
        return "DELETE FROM "
                + bookkeeping.stagedDeadLetters()
                + " WHERE _pg2gp_job = "
                + SqlLiterals.string(job)
                + " AND target_table = "
                + SqlLiterals.string(target.qualifiedName())
                + " AND _pg2gp_tag <= "
                + checkpointId;
    }
}
