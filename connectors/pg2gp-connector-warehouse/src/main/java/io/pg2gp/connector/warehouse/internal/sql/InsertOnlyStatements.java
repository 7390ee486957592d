package io.pg2gp.connector.warehouse.internal.sql;

import io.pg2gp.connector.warehouse.DeleteMode;

import org.apache.flink.annotation.Internal;

import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The insert-only path of an apply: a batch of new keys goes from staging straight into the target,
 * with no deduplication and no read of the target, once {@code BatchApplier} proved (or trusts and
 * then checks) that it cannot meet a version already there.
 */
@Internal
public final class InsertOnlyStatements {

    private final ApplyContext c;
    private final TouchedStatements touched;

    InsertOnlyStatements(ApplyContext c, TouchedStatements touched) {
        this.c = c;
        this.touched = touched;
    }

    /**
     * Whether a batch of inserts only may take the insert-only path ({@link #insertStaged}): in
     * mirror mode only. In soft mode a deleted key keeps its row (marked), so a later insert of the
     * same key must replace it, which needs the match.
     */
    public boolean insertOnlyAllowed() {
        return c.deleteMode == DeleteMode.MIRROR;
    }

    /**
     * Counts the keys staged more than once in the batches: an insert-only batch must hold each key
     * once, since the insert-only path does not deduplicate.
     */
    public String repeatedKeys(String job, Collection<Long> batchIds) {
        return "SELECT count(*) FROM (SELECT 1 FROM "
                + c.bookkeeping.stagingTable(c.target)
                + " WHERE "
                + c.stageFilter(job, batchIds)
                + " GROUP BY "
                + c.keyColumns
                + " HAVING count(*) > 1) x";
    }

    /** Settings for {@link #repeatedKeys}, and the statements that undo them after it. */
    public List<String> repeatedKeysSettings() {
        return c.dialect.keyCountSettings();
    }

    public List<String> repeatedKeysReset() {
        return c.dialect.keyCountReset();
    }

    /**
     * Whether the target refuses a second row of a key by itself: a valid, immediately checked
     * unique index (or key constraint) on key columns only. Then an insert-only batch needs no
     * {@link #repeatedKeys} pass over staging: a key staged twice fails the insert, which is undone
     * to its savepoint and applied per key.
     */
    public String keyUnique() {
        return "SELECT count(*) > 0 FROM pg_index i WHERE i.indrelid = "
                + SqlLiterals.string(c.target.qualifiedName())
                + "::regclass AND i.indisunique AND i.indisvalid AND i.indimmediate AND"
                + " i.indexprs IS NULL AND i.indpred IS NULL AND NOT EXISTS (SELECT 1 FROM"
                + " pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
                + " AND a.attname NOT IN ("
                + c.target.keyColumns().stream()
                        .map(SqlLiterals::string)
                        .collect(Collectors.joining(", "))
                + "))";
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
                + c.target.qualifiedName()
                + " ("
                + c.dataColumns
                + ", _cdc_lsn, _cdc_op, _cdc_committed_at, _synced_at) SELECT "
                + c.stagedColumns
                + ", s._cdc_lsn, s._cdc_op, s._cdc_committed_at, now() FROM "
                + c.bookkeeping.stagingTable(c.target)
                + " s WHERE "
                + c.stageFilter("s.", job, batchIds);
    }

    /**
     * {@link #insertStaged} that also records the touched keys from the rows it inserts (a writable
     * CTE), instead of another pass over staging; returns the rows inserted as one row, one column.
     * Null where the dialect has no writable CTEs or the table tracks no key.
     */
    public String insertStagedRecordingKeys(String job, long commitSeq, Collection<Long> batchIds) {
        String k = c.target.touchedKeyColumn();
        if (k == null || !c.dialect.writableCtes()) {
            return null;
        }
        return "WITH ins AS ("
                + insertStaged(job, batchIds)
                + " RETURNING "
                + k
                + "), keys AS ("
                + touched.touchedKeysInsert(job, commitSeq)
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
     * rows inserted, the lowest LSN of its inserts ({@code c}; NULL when it has none), rows that
     * are neither inserts nor snapshot reads ({@code r}). The caller rolls it back to a savepoint
     * when they say otherwise. Null where the dialect has no writable CTEs.
     */
    public String insertStagedReturningStats(
            String job, long commitSeq, Collection<Long> batchIds, Collection<Long> tags) {
        if (!c.dialect.writableCtes()) {
            return null;
        }
        String k = c.target.touchedKeyColumn();
        String h = c.target.hourColumn();
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
                    .append(touched.touchedKeysInsert(job, commitSeq))
                    .append("x.k::text FROM (SELECT DISTINCT k FROM ins WHERE k IS NOT NULL) x)");
        }
        if (h != null) {
            q.append(", hours AS (")
                    .append(touched.touchedHoursInsert(job, commitSeq))
                    .append("h FROM ins WHERE isfinite(h))");
        }
        return q.append(
                        " SELECT count(*), min(lsn) FILTER (WHERE op = 'c'), count(*) FILTER"
                                + " (WHERE op NOT IN ('c', 'r')) FROM ins")
                .toString();
    }

    /**
     * Where staging has slots, a filter on the slots of {@code tags} (the batches' checkpoint tags,
     * which every row of a batch carries) that lets the planner read those slots only, not the ones
     * the writers are filling for later checkpoints; empty otherwise.
     */
    private String inSlots(String alias, Collection<Long> tags) {
        int slots = c.dialect.stagingSlots();
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
}
