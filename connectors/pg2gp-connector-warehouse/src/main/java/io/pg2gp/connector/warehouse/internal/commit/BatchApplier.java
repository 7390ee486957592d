package io.pg2gp.connector.warehouse.internal.commit;

import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.internal.sql.ApplyStatements;
import io.pg2gp.connector.warehouse.internal.sql.BatchBoundsStatements;
import io.pg2gp.connector.warehouse.internal.sql.HourRanges;
import io.pg2gp.connector.warehouse.internal.sql.InsertOnlyStatements;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies one {@link WarehouseCommittable} to its target table in one transaction, together with
 * its ledger entry, so the apply and the record that it happened commit or roll back together.
 */
@Internal
public final class BatchApplier {

    private static final Logger LOG = LoggerFactory.getLogger(BatchApplier.class);

    private static final String UNIQUE_VIOLATION = "23505";

    /** Outcome of one apply. */
    public record Result(
            boolean alreadyApplied,
            long commitSeq,
            long upserted,
            long deleted,
            long deadLetters,
            long millis) {}

    private final String job;
    private final WarehouseTable target;
    private final ApplyStatements sql;
    private final String applyMemory;
    private Long lastAppliedLsn;
    private Long lastAppliedLsnAnyJob;
    private Boolean keyIndexed;
    private Boolean keyUnique;
    private long insertOnlyApplies;

    /** Whether the last batch was insert-only: then the next is tried as one first. */
    private boolean expectInsertOnly = true;

    private final StagingPurge purge;

    public BatchApplier(
            String job, WarehouseTable target, ApplyStatements sql, String applyMemory) {
        this.job = job;
        this.target = target;
        this.sql = sql;
        this.applyMemory = applyMemory;
        this.purge = new StagingPurge(job, target, sql.bookkeeping());
    }

    public Result apply(Connection c, WarehouseCommittable committable) throws SQLException {
        long start = System.nanoTime();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            Long existing = ledgerEntry(c, committable.commitId());
            if (existing != null) {
                c.rollback();
                return new Result(true, existing, 0, 0, 0, 0);
            }
            long commitSeq = nextSeq(s);
            long upserted = 0;
            long deleted = 0;
            var batchIds = committable.batchIds();
            if (committable.rows() > 0) {
                executeAll(s, sql.plannerSettings());
                long[] applied =
                        expectInsertOnly ? insertOnlyOnTrust(c, s, committable, commitSeq) : null;
                if (applied == null) {
                    BatchStats stats = batchStats(s, committable);
                    expectInsertOnly = insertOnly(c, s, committable, stats);
                    if (expectInsertOnly) {
                        applied = applyInsertOnly(c, s, stats, commitSeq);
                    }
                    if (applied == null) {
                        applied = applyGeneral(c, s, stats, commitSeq);
                    }
                }
                upserted = applied[0];
                deleted = applied[1];
            }
            long deadLetters = 0;
            if (committable.deadLetters() > 0) {
                deadLetters =
                        s.executeUpdate(sql.ledger().moveDeadLetters(job, batchIds, commitSeq));
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            try (PreparedStatement p = c.prepareStatement(sql.ledger().ledgerInsert())) {
                p.setString(1, job);
                p.setString(2, target.qualifiedName());
                p.setLong(3, committable.commitId());
                p.setLong(4, committable.checkpointId());
                p.setLong(5, commitSeq);
                p.setInt(6, committable.batches().size());
                p.setLong(7, committable.rows());
                p.setLong(8, upserted);
                p.setLong(9, deleted);
                p.setLong(10, deadLetters);
                p.setLong(11, committable.maxLsn());
                p.setLong(12, millis);
                p.executeUpdate();
            }
            purge.purge(c, s, committable.checkpointId());
            s.executeUpdate(sql.ledger().purgeStagedDeadLetters(job, committable.checkpointId()));
            c.commit();
            if (lastAppliedLsn != null) {
                lastAppliedLsn = Math.max(lastAppliedLsn, committable.maxLsn());
            }
            if (lastAppliedLsnAnyJob != null) {
                lastAppliedLsnAnyJob = Math.max(lastAppliedLsnAnyJob, committable.maxLsn());
            }
            LOG.debug(
                    "applied checkpoint {} to {}: {} staged, {} upserted, {} deleted, {} dead",
                    committable.checkpointId(),
                    target.qualifiedName(),
                    committable.rows(),
                    upserted,
                    deleted,
                    deadLetters);
            return new Result(false, commitSeq, upserted, deleted, deadLetters, millis);
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private Long ledgerEntry(Connection c, long commitId) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql.ledger().ledgerLookup())) {
            p.setString(1, job);
            p.setString(2, target.qualifiedName());
            p.setLong(3, commitId);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    private long nextSeq(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql.ledger().nextCommitSeq())) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Applies the session settings the apply relies on; called on every new connection. */
    public void prepareSession(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String setting : sql.sessionSettings(applyMemory)) {
                s.execute(setting);
            }
        }
    }

    /**
     * The insert-only path; null when the target refused a duplicate key after all (a key
     * constraint on PostgreSQL: a row loaded by hand, or a key staged twice, which {@link
     * #insertOnly} leaves to the constraint): then it is undone to its savepoint and the general
     * path decides.
     */
    private long[] applyInsertOnly(Connection c, Statement s, BatchStats stats, long commitSeq)
            throws SQLException {
        WarehouseCommittable committable = stats.committable();
        var batchIds = committable.batchIds();
        Savepoint before = c.setSavepoint();
        try {
            // All inserts: the new values' hours are every hour touched, and the stats have them.
            String hours =
                    sql.touched().recordTouchedHoursFromStats(job, commitSeq, stats.newHours());
            if (hours != null) {
                s.executeUpdate(hours);
            }
            long inserted;
            String insertRecordingKeys =
                    sql.insertOnly().insertStagedRecordingKeys(job, commitSeq, batchIds);
            if (insertRecordingKeys != null) {
                inserted = count(s, insertRecordingKeys);
            } else {
                String keys = sql.touched().recordTouchedKeysStaged(job, commitSeq, batchIds);
                if (keys != null) {
                    s.executeUpdate(keys);
                }
                inserted = s.executeUpdate(sql.insertOnly().insertStaged(job, batchIds));
            }
            c.releaseSavepoint(before);
            insertOnlyApplies++;
            return new long[] {inserted, 0};
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw e;
            }
            c.rollback(before);
            LOG.warn(
                    "checkpoint {} of {}: an insert met a key the target holds or the batch"
                            + " stages twice ({}); applying it per key instead",
                    committable.checkpointId(),
                    target.qualifiedName(),
                    e.getMessage());
            return null;
        }
    }

    /**
     * The insert-only path without the pass over staging that decides it ({@link #batchStats}):
     * taken while the batches before were insert-only (a stream of new rows stays one), where a
     * unique key refuses a key staged twice and the dialect returns what it inserted ({@link
     * ApplyStatements#insertStagedReturningStats}). The inserted rows then prove the batch was what
     * {@link #insertOnly} requires (every staged row, all inserts, every LSN above the last
     * applied); if not, or a key is refused, everything it did is rolled back to its savepoint,
     * null is returned and the batch is decided from its statistics as always. A wrong guess costs
     * one undone insert, and the next batch is decided from statistics again.
     */
    private long[] insertOnlyOnTrust(
            Connection c, Statement s, WarehouseCommittable committable, long commitSeq)
            throws SQLException {
        // Read from the batches' slots only: a row outside them would show as a count below the
        // committable's, and the batch would go the way that reads all of staging.
        String insert =
                sql.insertOnly()
                        .insertStagedReturningStats(
                                job,
                                commitSeq,
                                committable.batchIds(),
                                committable.batches().stream().map(StagedBatch::tag).toList());
        if (insert == null || !sql.insertOnly().insertOnlyAllowed() || !keyUnique(c)) {
            expectInsertOnly = false;
            return null;
        }
        long floor = lastAppliedLsnAnyJob(c);
        Savepoint before = c.setSavepoint();
        try {
            long inserted;
            long minLsn;
            long notInserts;
            try (ResultSet rs = s.executeQuery(insert)) {
                rs.next();
                inserted = rs.getLong(1);
                minLsn = rs.getLong(2);
                notInserts = rs.getLong(3);
            }
            if (inserted == committable.rows() && notInserts == 0 && minLsn > floor) {
                c.releaseSavepoint(before);
                insertOnlyApplies++;
                return new long[] {inserted, 0};
            }
        } catch (SQLException e) {
            // A key the target holds, or a row that is no insert (a delete's staged row may miss
            // values the target requires): the general path decides, and reports what is real.
            String state = e.getSQLState();
            if (state == null || !(state.startsWith("22") || state.startsWith("23"))) {
                throw e;
            }
        }
        c.rollback(before);
        expectInsertOnly = false;
        LOG.debug(
                "checkpoint {} of {} was not insert-only after all; applying it per key",
                committable.checkpointId(),
                target.qualifiedName());
        return null;
    }

    /**
     * The general path: deduplicate, match the batch keys in the target, delete what they replace,
     * insert the winners. Returns rows upserted and deleted.
     */
    private long[] applyGeneral(Connection c, Statement s, BatchStats stats, long commitSeq)
            throws SQLException {
        var batchIds = stats.committable().batchIds();
        long deleted = 0;
        List<String> lookups = sql.keyLookups(keyIndexed(c));
        String bounds = prepareBatch(c, s, stats, lookups.isEmpty());
        String batch = sql.batchTable();
        // Soft mode: the keys with a row marked deleted outside the batch's hours (rare: a key
        // deleted and inserted again) are looked up there too, by a second match of those keys.
        String marked = null;
        if (!bounds.isEmpty() && sql.softDelete().tracksSoftDeleted()) {
            executeAll(s, lookups); // an index probe per key, as the match (soft: no month split)
            marked = markedHours(s);
            if (marked == null) {
                bounds = ""; // a marked row without a finite hour: read without bounds
            }
        }
        List<String> matchBounds = matchBounds(s, stats, bounds);
        executeAll(s, lookups);
        long matched = 0;
        for (String b : matchBounds) {
            matched += s.executeUpdate(sql.createMatches(batch, b));
        }
        if (marked != null && !marked.isEmpty()) {
            matched +=
                    s.executeUpdate(
                            sql.createMatchesOfMarked(batch, HourRanges.of(marked), stats.hours()));
            // The delete and the mark find what the match found: within these hours too.
            bounds =
                    sql.bounds()
                            .targetBounds(
                                    HourRanges.of(stats.newHours(), stats.previousHours(), marked));
        }
        String hours = sql.touched().recordTouchedHours(job, commitSeq, batch);
        if (hours != null) {
            s.executeUpdate(hours);
        }
        String keys = sql.touched().recordTouchedKeys(job, commitSeq, batch);
        if (keys != null) {
            s.executeUpdate(keys);
        }
        if (matched > 0) {
            for (String b : deleteBounds(s, bounds)) {
                deleted += s.executeUpdate(sql.deleteReplaced(b));
            }
            String nulls = sql.countReplacedWithNullDistribution();
            if (nulls != null && count(s, nulls) > 0) {
                deleted += s.executeUpdate(sql.deleteReplacedWithNullDistribution(bounds));
            }
        }
        // Hash joins again: the soft-delete update also joins batch and match (no index on
        // either, a nested loop would compare every pair), and the insert joins staging.
        if (!lookups.isEmpty()) {
            s.execute(sql.restoreHashJoins());
            s.execute(sql.restoreSeqScans());
        }
        if (matched > 0) {
            String soft = sql.softDelete().markSoftDeleted(batch, bounds);
            if (soft != null) {
                deleted += s.executeUpdate(soft);
            }
            if (sql.softDelete().tracksSoftDeleted()) {
                s.executeUpdate(sql.softDelete().forgetSoftDeleted());
                s.executeUpdate(sql.softDelete().rememberSoftDeleted(batch));
            }
        }
        s.execute(sql.disableNestedLoops());
        long upserted = s.executeUpdate(sql.insertNewVersions(job, batchIds, batch, matched > 0));
        String nullNew = sql.countNewVersionsWithNullDistribution(batch);
        if (nullNew != null && count(s, nullNew) > 0) {
            upserted +=
                    s.executeUpdate(
                            sql.insertNewVersionsWithNullDistribution(
                                    job, batchIds, batch, matched > 0));
        }
        s.execute(sql.restoreNestedLoops());
        for (String clear : sql.clearWorkTables()) {
            s.executeUpdate(clear);
        }
        return new long[] {upserted, deleted};
    }

    /**
     * The hours of the rows marked deleted of the batch's keys (soft mode), as comma-separated
     * epoch seconds, empty when none of its keys has one; null when such a row has no finite hour.
     */
    private String markedHours(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql.softDelete().softDeletedHours(sql.batchTable()))) {
            rs.next();
            String marked = rs.getString(1);
            return rs.getLong(2) > 0 ? null : marked == null ? "" : marked;
        }
    }

    /**
     * The bounds of each match statement: one per month of the batch's keys when the match splits
     * by month (a batch of changes never applied before, no key spanning months: {@link
     * ApplyStatements#monthMoves} tells it cheaply when no key was staged twice, else {@link
     * ApplyStatements#keyMonths} per key), else the batch's bounds.
     */
    private List<String> matchBounds(Statement s, BatchStats stats, String bounds)
            throws SQLException {
        if (bounds.isEmpty() || !sql.bounds().splitsMatchByMonth()) {
            return List.of(bounds);
        }
        List<String> perMonth = new ArrayList<>();
        try (ResultSet rs =
                s.executeQuery(sql.bounds().monthMoves(job, stats.committable().batchIds()))) {
            rs.next();
            if (rs.getLong(1) == stats.committable().rows() && rs.getLong(2) == 0) {
                for (YearMonth month : stats.hours().months()) {
                    perMonth.add(sql.bounds().monthBounds(month, sql.bounds().batchHour()));
                }
                return perMonth.isEmpty() ? List.of(bounds) : perMonth;
            }
        }
        long spanning = 0;
        try (ResultSet rs =
                s.executeQuery(sql.bounds().keyMonths(job, stats.committable().batchIds()))) {
            while (rs.next()) {
                perMonth.add(
                        sql.bounds()
                                .monthBounds(
                                        YearMonth.parse(rs.getString(1)),
                                        sql.bounds().batchHour()));
                spanning += rs.getLong(2);
            }
        }
        return spanning == 0 && !perMonth.isEmpty() ? perMonth : List.of(bounds);
    }

    /**
     * The bounds of each delete statement: one per month of the versions the match found (exact for
     * any batch, replays and snapshots included), plus one within the batch's bounds for versions
     * without a finite hour; else the batch's bounds.
     */
    private List<String> deleteBounds(Statement s, String bounds) throws SQLException {
        if (!sql.bounds().splitsByMonth()) {
            return List.of(bounds);
        }
        List<String> perMonth = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql.bounds().replacedMonths())) {
            while (rs.next()) {
                String month = rs.getString(1);
                perMonth.add(
                        month == null
                                ? bounds + sql.bounds().withoutFiniteOldHour()
                                : sql.bounds()
                                        .monthBounds(
                                                YearMonth.parse(month),
                                                sql.bounds().matchedHour()));
            }
        }
        return perMonth;
    }

    /** One pass over the batch's staged rows: see {@link BatchBoundsStatements#batchStats}. */
    private record BatchStats(
            WarehouseCommittable committable,
            long minLsn,
            long reads,
            long untimed,
            HourRanges hours,
            long notInserts,
            String newHours,
            String previousHours) {}

    private BatchStats batchStats(Statement s, WarehouseCommittable committable)
            throws SQLException {
        long staged;
        BatchStats stats;
        try (ResultSet rs = s.executeQuery(sql.bounds().batchStats(job, committable.batchIds()))) {
            rs.next();
            staged = rs.getLong(1);
            stats =
                    new BatchStats(
                            committable,
                            rs.getLong(2),
                            rs.getLong(3),
                            rs.getLong(4),
                            HourRanges.of(rs.getString(7), rs.getString(8)),
                            rs.getLong(9),
                            rs.getString(7),
                            rs.getString(8));
        }
        if (staged != committable.rows()) {
            throw new IllegalStateException(
                    "staging lost rows of checkpoint "
                            + committable.checkpointId()
                            + " for "
                            + target.qualifiedName()
                            + ": expected "
                            + committable.rows()
                            + ", found "
                            + staged
                            + ". Someone truncated or purged the staging table; the"
                            + " missing changes must be re-read from the source (restart"
                            + " from an earlier savepoint or re-snapshot).");
        }
        return stats;
    }

    /**
     * Whether the batch may skip deduplication and the match and go straight from staging into the
     * target ({@link InsertOnlyStatements#insertStaged}). It may when it cannot meet a version
     * already in the target and holds each key once:
     *
     * <ul>
     *   <li>mirror delete mode: a key's delete removes its row, so nothing of an earlier life of
     *       the key is left for an insert to meet (soft mode keeps a marked row);
     *   <li>every row is an insert ({@code c}): no update or delete to order against other
     *       versions, and no snapshot read ({@code r}), which carries no LSN and may meet rows of
     *       an earlier run;
     *   <li>every LSN above the highest one any job applied to the table: nothing in the batch is a
     *       replay after a restore. An insert at LSN x means the key did not exist in the source
     *       just before x; whatever the target held for it was deleted at an LSN below x, and that
     *       delete was either applied already (mirror mode: the row is gone) or is in this batch
     *       (then not every row is an insert). The source reads changes in commit order, and a
     *       committable holds everything read up to its checkpoint, applied oldest first;
     *   <li>no key staged twice (counted in staging, only when the rest holds: in a correct source
     *       two inserts of one key need a delete in between, but the insert-only path must never
     *       turn a surprise into a duplicate). Not counted where the target's unique key refuses a
     *       duplicate by itself: then the insert fails and {@link #applyInsertOnly} falls back.
     * </ul>
     *
     * Otherwise, or if in doubt, the general path below decides per key.
     */
    private boolean insertOnly(
            Connection c, Statement s, WarehouseCommittable committable, BatchStats stats)
            throws SQLException {
        if (!sql.insertOnly().insertOnlyAllowed()
                || stats.notInserts() > 0
                || stats.reads() > 0
                || stats.minLsn() <= lastAppliedLsnAnyJob(c)) {
            return false;
        }
        return keyUnique(c)
                || count(s, sql.insertOnly().repeatedKeys(job, committable.batchIds())) == 0;
    }

    /** Asked once per committer, as {@link #keyIndexed}. */
    private boolean keyUnique(Connection c) throws SQLException {
        if (keyUnique == null) {
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(sql.insertOnly().keyUnique())) {
                keyUnique = rs.next() && rs.getBoolean(1);
            }
        }
        return keyUnique;
    }

    /**
     * Fills the batch to apply, one row per key: a small work table of each key's winning version
     * (key, hour, LSN, op and where it was staged), and returns the bounds on the target (empty
     * when it is read without bounds). The target is read within literal hour bounds (pruning
     * partitions) when the batch holds only changes never applied before, each with its hour and
     * the hour it moves from: then every replaced version lies within those bounds (the ranges of
     * hours touched, so months between an old update and the newest rows are skipped). Snapshot
     * reads and replays after a restore (LSN not above the last applied one) may meet versions
     * anywhere, so they read without bounds. {@code analyze}: whether the batch needs statistics.
     */
    private String prepareBatch(Connection c, Statement s, BatchStats stats, boolean analyze)
            throws SQLException {
        var batchIds = stats.committable().batchIds();
        boolean fresh =
                stats.reads() == 0 && stats.untimed() == 0 && stats.minLsn() > lastAppliedLsn(c);
        String bounds = fresh ? sql.bounds().targetBounds(stats.hours()) : "";
        // Always a deduplicated table, even when no key was staged twice: reading the staged rows
        // in place made the end-to-end update workload 3x slower (staging is scanned several
        // times, with churn-skewed statistics). It is narrow, so staging is read once more only,
        // by the insert, through a join with it.
        s.executeUpdate(sql.createDeduplicatedBatch(job, batchIds));
        // With the key lookups forced (Greenplum, key index) the plans do not depend on the batch's
        // statistics (measured: same plans, rows read and times without it), and an ANALYZE per
        // apply rewrites pg_statistic rows on the coordinator and every segment, which Greenplum
        // never vacuums by itself. Otherwise the planner chooses the joins from them.
        if (analyze) {
            s.execute(sql.analyzeBatch());
        }
        return bounds;
    }

    private static long count(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void executeAll(Statement s, List<String> statements) throws SQLException {
        for (String statement : statements) {
            s.execute(statement);
        }
    }

    /** Asked once per committer: indexes are created with the table, not while it is loaded. */
    private boolean keyIndexed(Connection c) throws SQLException {
        if (keyIndexed == null) {
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(sql.keyIndexed())) {
                keyIndexed = rs.next() && rs.getBoolean(1);
            }
        }
        return keyIndexed;
    }

    /** Staging slots emptied by TRUNCATE so far (for tests). */
    public long stagingTruncations() {
        return purge.truncations();
    }

    /** Applies that took the insert-only path so far (for logs and tests). */
    public long insertOnlyApplies() {
        return insertOnlyApplies;
    }

    /**
     * As {@link #lastAppliedLsn}, over every job that applied to the table; read once per
     * committer, then kept up to date by each apply (several jobs writing one table at once are not
     * a supported setup; a stale value here only keeps batches off the insert-only path).
     */
    private long lastAppliedLsnAnyJob(Connection c) throws SQLException {
        if (lastAppliedLsnAnyJob == null) {
            try (PreparedStatement p =
                    c.prepareStatement(sql.insertOnly().lastAppliedLsnAnyJob())) {
                p.setString(1, target.qualifiedName());
                try (ResultSet rs = p.executeQuery()) {
                    rs.next();
                    lastAppliedLsnAnyJob = rs.getLong(1);
                }
            }
        }
        return lastAppliedLsnAnyJob;
    }

    /** Read from the ledger once per committer, then kept up to date by each apply. */
    private long lastAppliedLsn(Connection c) throws SQLException {
        if (lastAppliedLsn == null) {
            try (PreparedStatement p = c.prepareStatement(sql.ledger().lastAppliedLsn())) {
                p.setString(1, job);
                p.setString(2, target.qualifiedName());
                try (ResultSet rs = p.executeQuery()) {
                    rs.next();
                    lastAppliedLsn = rs.getLong(1);
                }
            }
        }
        return lastAppliedLsn;
    }
}
