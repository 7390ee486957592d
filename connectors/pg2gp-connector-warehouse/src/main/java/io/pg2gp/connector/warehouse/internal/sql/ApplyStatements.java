package io.pg2gp.connector.warehouse.internal.sql;

import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseTable;

import org.apache.flink.annotation.Internal;

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
 * once, with its latest version. (PostgreSQL's writable CTEs are used where the dialect has them,
 * and its updates in place where the target allows them: {@link #inPlace}.)
 *
 * <p>This class holds the general path (deduplicate, match, delete, insert) and the planner
 * settings around it; the rest comes in groups, one class each: {@link #bounds()} (batch statistics
 * and the hour and month bounds on the target), {@link #insertOnly()}, {@link #touched()} (what the
 * rollup and feature jobs recompute), {@link #softDelete()} and {@link #ledger()} (commit ledger
 * and dead letters).
 */
@Internal
public final class ApplyStatements {

    /**
     * When a batch row replaces the target's version of its key: never with an older LSN. Snapshot
     * reads ({@code r}) carry no usable LSN (Flink CDC reports 0) and always hold the state the
     * chunk read, so they replace whatever a previous run left.
     */
    static final String REPLACES = "(t._cdc_lsn <= b._cdc_lsn OR b._cdc_op = 'r')";

    private final ApplyContext c;
    private final BatchBoundsStatements bounds;
    private final TouchedStatements touched;
    private final InsertOnlyStatements insertOnly;
    private final SoftDeleteStatements softDelete;
    private final LedgerStatements ledger;
    private final InPlaceUpdateStatements inPlace;

    public ApplyStatements(
            WarehouseTable target,
            BookkeepingTables bookkeeping,
            DeleteMode deleteMode,
            WarehouseDialect dialect,
            boolean partitioned) {
        this.c = new ApplyContext(target, bookkeeping, deleteMode, dialect, partitioned);
        this.bounds = new BatchBoundsStatements(c);
        this.touched = new TouchedStatements(c);
        this.insertOnly = new InsertOnlyStatements(c, touched);
        this.softDelete = new SoftDeleteStatements(c);
        this.ledger = new LedgerStatements(c);
        this.inPlace = new InPlaceUpdateStatements(c, insertOnly);
    }

    /** Batch statistics and the hour and month bounds on the target. */
    public BatchBoundsStatements bounds() {
        return bounds;
    }

    /** The touched hours and keys the rollup and feature jobs read. */
    public TouchedStatements touched() {
        return touched;
    }

    /** The insert-only path. */
    public InsertOnlyStatements insertOnly() {
        return insertOnly;
    }

    /** Soft delete mode's marks and its table of marked rows. */
    public SoftDeleteStatements softDelete() {
        return softDelete;
    }

    /** The commit ledger and dead letters. */
    public LedgerStatements ledger() {
        return ledger;
    }

    /** The update in place of replaced versions, where the target allows it. */
    public InPlaceUpdateStatements inPlace() {
        return inPlace;
    }

    /** The bookkeeping tables the statements use. */
    public BookkeepingTables bookkeeping() {
        return c.bookkeeping;
    }

    /** The deduplicated batch (a permanent work table, empty outside an apply). */
    public String batchTable() {
        return c.batchTable;
    }

    /** The batch keys that already have a version in the target, found with one join. */
    public String matchTable() {
        return c.matchTable;
    }

    /**
     * Empties the work tables before the apply commits: outside an apply they are always empty, so
     * a concurrent or later apply never sees another's rows. Deleting instead of truncating: a
     * TRUNCATE gives the table a new file and so leaves a dead {@code pg_class} row per apply.
     */
    public List<String> clearWorkTables() {
        return List.of("DELETE FROM " + c.batchTable, "DELETE FROM " + c.matchTable);
    }

    /**
     * The batch, one row per key: the version with the highest LSN (then the latest staged). Only
     * what the apply decides with is copied (key, hour, LSN, op, and the staged row's identity),
     * not the row itself: sorting and writing the wide rows cost four times as much, and the one
     * statement that needs every column, the insert, reads the winners from staging by identity.
     */
    public String createDeduplicatedBatch(String job, Collection<Long> batchIds) {
        return "INSERT INTO "
                + c.batchTable
                + " ("
                + c.batchColumns
                + ") SELECT DISTINCT ON ("
                + c.keyColumns
                + ") "
                + c.batchColumns
                + " FROM "
                + c.bookkeeping.stagingTable(c.target)
                + " WHERE "
                + c.stageFilter(job, batchIds)
                + " ORDER BY "
                + c.keyColumns
                + ", _cdc_lsn DESC, _pg2gp_seq DESC";
    }

    /** Statistics on the key only: enough for the join plan, and cheap on wide rows. */
    public String analyzeBatch() {
        return "ANALYZE " + c.batchTable + " (" + c.keyColumns + ")";
    }

    public List<String> sessionSettings(String memory) {
        return c.dialect.applySessionSettings(memory);
    }

    /**
     * The one statement that reads the target: every batch key with a version there, whether the
     * batch row replaces it, and the old version's hour. Everything after works on this small
     * table, so a batch of new keys costs one index probe per key and no further scans.
     */
    public String createMatches(String batch, String bounds) {
        String h = c.target.hourColumn();
        List<String> columns = new ArrayList<>(c.target.keyColumns());
        columns.addAll(c.matchCarried);
        columns.addAll(List.of("op", "replaces"));
        if (h != null) {
            columns.add("old_hour");
        }
        return "INSERT INTO "
                + c.matchTable
                + " ("
                + String.join(", ", columns)
                + ") SELECT "
                + c.target.keyColumns().stream()
                        .map(k -> "b." + k)
                        .collect(Collectors.joining(", "))
                + c.matchCarried.stream().map(d -> ", t." + d).collect(Collectors.joining())
                + ", b._cdc_op, "
                + REPLACES
                + (h == null ? "" : ", t." + h)
                + " FROM "
                + c.target.qualifiedName()
                + " t JOIN "
                + batch
                + " b ON "
                + c.keyJoin
                + bounds;
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
                c.extraDistribution.stream()
                        .map(d -> " AND t." + d + " = m." + d)
                        .collect(Collectors.joining()));
    }

    /**
     * {@code delete} ({@link #deleteReplaced} or {@link #deleteReplacedWithNullDistribution}) for
     * the batch's deletes only: its other replacing rows were updated in place ({@link #inPlace}).
     */
    public String deletesOnly(String delete) {
        return delete + " AND m.op = 'd'";
    }

    /**
     * Counts replaced versions whose distribution columns hold a NULL; null when the distribution
     * columns are key columns (never NULL).
     */
    public String countReplacedWithNullDistribution() {
        if (c.extraDistribution.isEmpty()) {
            return null;
        }
        return "SELECT count(*) FROM " + c.matchTable + " m WHERE m.replaces AND " + anyNull();
    }

    /** The rows {@link #deleteReplaced} leaves: joined by key alone (not co-located). */
    public String deleteReplacedWithNullDistribution(String bounds) {
        return deleteReplaced(bounds, " AND " + anyNull());
    }

    private String anyNull() {
        return "("
                + c.extraDistribution.stream()
                        .map(d -> "m." + d + " IS NULL")
                        .collect(Collectors.joining(" OR "))
                + ")";
    }

    private String deleteReplaced(String bounds, String distribution) {
        String sql =
                "DELETE FROM "
                        + c.target.qualifiedName()
                        + " t USING "
                        + c.matchTable
                        + " m WHERE "
                        + c.matchJoin("t")
                        + distribution
                        + " AND m.replaces"
                        + bounds;
        return c.deleteMode == DeleteMode.SOFT ? sql + " AND m.op <> 'd'" : sql;
    }

    /**
     * The match of the batch's keys that have a row marked deleted (soft mode), in the hours of
     * those rows ({@code marked}) but outside the batch's own hours ({@code batchHours}: the match
     * within the batch's bounds found what lies there): only those keys probe the partitions of
     * their marked rows, the rest of the batch stays within its bounds.
     */
    public String createMatchesOfMarked(String batch, HourRanges marked, HourRanges batchHours) {
        String h = "t." + c.target.hourColumn();
        return createMatches(
                batch,
                " AND "
                        + marked.condition(h)
                        + " AND NOT ("
                        + batchHours.condition(h)
                        + ") AND ("
                        + c.target.keyColumns().stream()
                                .map(k -> "b." + k)
                                .collect(Collectors.joining(", "))
                        + ") IN (SELECT "
                        + c.keyColumns
                        + " FROM "
                        + c.bookkeeping.softDeletedTable(c.target)
                        + ")");
    }

    /**
     * Inserts the new versions, read from staging by the identity of each key's winning row ({@code
     * _pg2gp_batch}, {@code _pg2gp_seq}: unique, as the batch-stats count guards); replaced
     * versions were deleted before. With {@code matched}, batch rows whose key holds a newer
     * version in the target (losers) are left out.
     */
    public String insertNewVersions(
            String job, Collection<Long> batchIds, String batch, boolean matched) {
        return insertNewVersions(job, batchIds, batch, matched, false);
    }

    /**
     * ... and with {@code newKeysOnly}, only keys the target does not hold at all: the versions
     * they replace were updated in place ({@link #inPlace}).
     */
    public String insertNewVersions(
            String job,
            Collection<Long> batchIds,
            String batch,
            boolean matched,
            boolean newKeysOnly) {
        return insertNewVersions(
                job,
                batchIds,
                batch,
                matched,
                c.extraDistribution.stream()
                        .map(d -> " AND s." + d + " = b." + d)
                        .collect(Collectors.joining()),
                "",
                newKeysOnly);
    }

    /**
     * Counts the batch's new versions whose distribution columns hold a NULL; null when the
     * distribution columns are key columns (never NULL).
     */
    public String countNewVersionsWithNullDistribution(String batch) {
        if (c.extraDistribution.isEmpty()) {
            return null;
        }
        return "SELECT count(*) FROM "
                + batch
                + " b WHERE b._cdc_op <> 'd' AND "
                + anyNull().replace("m.", "b.");
    }

    /** The new versions {@link #insertNewVersions} leaves: joined without the distribution. */
    public String insertNewVersionsWithNullDistribution(
            String job,
            Collection<Long> batchIds,
            String batch,
            boolean matched,
            boolean newKeysOnly) {
        return insertNewVersions(
                job,
                batchIds,
                batch,
                matched,
                "",
                " AND " + anyNull().replace("m.", "b."),
                newKeysOnly);
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
            String nulls,
            boolean newKeysOnly) {
        String softColumn = c.deleteMode == DeleteMode.SOFT ? ", _deleted" : "";
        String softValue = c.deleteMode == DeleteMode.SOFT ? ", false" : "";
        return "INSERT INTO "
                + c.target.qualifiedName()
                + " ("
                + c.dataColumns
                + ", _cdc_lsn, _cdc_op, _cdc_committed_at, _synced_at"
                + softColumn
                + ") SELECT "
                + c.stagedColumns
                + ", b._cdc_lsn, b._cdc_op, b._cdc_committed_at, now()"
                + softValue
                + " FROM "
                + c.stagedWinners(batch, distribution, job, batchIds)
                + nulls
                + (matched
                        ? " AND NOT EXISTS (SELECT 1 FROM "
                                + c.matchTable
                                + " m WHERE "
                                + c.matchJoin("b")
                                + (newKeysOnly ? ")" : " AND NOT m.replaces)")
                        : "");
    }

    /**
     * Whether the target has an index led by its (first) key column, which {@link #keyLookups}
     * needs.
     */
    public String keyIndexed() {
        return "SELECT count(*) > 0 FROM pg_index i JOIN pg_attribute a ON a.attrelid ="
                + " i.indrelid AND a.attnum = i.indkey[0] WHERE i.indrelid = "
                + SqlLiterals.string(c.target.qualifiedName())
                + "::regclass AND a.attname = "
                + SqlLiterals.string(c.target.keyColumns().get(0));
    }

    /** The apply's planner, local to its transaction (see the dialect). */
    public List<String> plannerSettings() {
        return c.dialect.applyPlannerSettings();
    }

    /**
     * For the statements that find the batch keys in the target (match and delete): on Greenplum an
     * index nested loop instead of a hash join over every row within the bounds, so rows read
     * follow the batch, not the table (see the dialect).
     */
    public List<String> keyLookups(boolean keyIndexed) {
        return c.dialect.keyLookupSettings(keyIndexed);
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
}
