package io.pg2gp.connector.warehouse.internal.commit;

import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.internal.sql.ApplyStatements;
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

/**
 * The insert-only path of {@link BatchApplier}: a batch of new keys straight from staging into the
 * target, taken on trust while the batches before were insert-only, or after the batch's statistics
 * proved it; and what it remembers between applies (whether to trust the next batch, the target's
 * unique key, the highest LSN any job applied).
 */
@Internal
final class InsertOnlyApply {

    private static final Logger LOG = LoggerFactory.getLogger(InsertOnlyApply.class);

    private static final String UNIQUE_VIOLATION = "23505";

    private final String job;
    private final WarehouseTable target;
    private final ApplyStatements sql;
    private Boolean keyUnique;
    private Long lastAppliedLsnAnyJob;
    private long insertOnlyApplies;

    /** Whether the last batch was insert-only: then the next is tried as one first. */
    private boolean expectInsertOnly = true;

    InsertOnlyApply(String job, WarehouseTable target, ApplyStatements sql) {
        this.job = job;
        this.target = target;
        this.sql = sql;
    }

    /** The batch inserted on trust, or null when it was not tried or was not insert-only. */
    long[] tryOnTrust(Connection c, Statement s, WarehouseCommittable committable, long commitSeq)
            throws SQLException {
        return expectInsertOnly ? insertOnlyOnTrust(c, s, committable, commitSeq) : null;
    }

    /**
     * The batch inserted after its statistics decided it may be ({@link #insertOnly}); null when
     * they say it may not, or the target refused a key, and the general path must apply it.
     */
    long[] tryDecided(Connection c, Statement s, BatchStats stats, long commitSeq)
            throws SQLException {
        expectInsertOnly = insertOnly(c, s, stats.committable(), stats);
        return expectInsertOnly ? applyInsertOnly(c, s, stats, commitSeq) : null;
    }

    /** After a commit: the highest LSN applied to the table is at least {@code maxLsn}. */
    void committed(long maxLsn) {
        if (lastAppliedLsnAnyJob != null) {
            lastAppliedLsnAnyJob = Math.max(lastAppliedLsnAnyJob, maxLsn);
        }
    }

    /**
     * The insert-only path; null when the target refused a duplicate key after all (a key
     * constraint on PostgreSQL: a row loaded by hand, or a key staged twice, which {@link
     * #insertOnly} leaves to the constraint): then it is undone to its savepoint and the general
     * path decides.
     */
    long[] applyInsertOnly(Connection c, Statement s, BatchStats stats, long commitSeq)
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
                inserted = BatchApplier.count(s, insertRecordingKeys);
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
     * The insert-only path without the pass over staging that decides it ({@link BatchStats}):
     * taken while the batches before were insert-only (a stream of new rows stays one), where a
     * unique key refuses a key staged twice and the dialect returns what it inserted ({@link
     * InsertOnlyStatements#insertStagedReturningStats}). The inserted rows then prove the batch was
     * what {@link #insertOnly} requires (every staged row, all inserts, every LSN above the last
     * applied); if not, or a key is refused, everything it did is rolled back to its savepoint,
     * null is returned and the batch is decided from its statistics as always. A wrong guess costs
     * one undone insert, and the next batch is decided from statistics again.
     *
     * <p>Snapshot reads ({@code r}) may come along here, and only here: a read replaces whatever
     * the target holds for its key, whatever its LSN, so it is an insert exactly when the target
     * holds no row of the key, which the unique key checks row by row (a key it holds fails the
     * insert, and the general path replaces it). An initial snapshot into an empty table so goes
     * straight from staging into the target; a re-snapshot over rows of an earlier run pays one
     * undone insert, then goes per key until its reads are done ({@link #insertOnly} never decides
     * reads: statistics cannot show which keys the target holds).
     */
    long[] insertOnlyOnTrust(
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
            long minInsertLsn;
            boolean onlyReads;
            long notInsertsOrReads;
            try (ResultSet rs = s.executeQuery(insert)) {
                rs.next();
                inserted = rs.getLong(1);
                minInsertLsn = rs.getLong(2);
                onlyReads = rs.wasNull();
                notInsertsOrReads = rs.getLong(3);
            }
            if (inserted == committable.rows()
                    && notInsertsOrReads == 0
                    && (onlyReads || minInsertLsn > floor)) {
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
    boolean insertOnly(
            Connection c, Statement s, WarehouseCommittable committable, BatchStats stats)
            throws SQLException {
        if (!sql.insertOnly().insertOnlyAllowed()
                || stats.notInserts() > 0
                || stats.reads() > 0
                || stats.minLsn() <= lastAppliedLsnAnyJob(c)) {
            return false;
        }
        if (keyUnique(c)) {
            return true;
        }
        BatchApplier.executeAll(s, sql.insertOnly().repeatedKeysSettings());
        long repeated =
                BatchApplier.count(s, sql.insertOnly().repeatedKeys(job, committable.batchIds()));
        BatchApplier.executeAll(s, sql.insertOnly().repeatedKeysReset());
        return repeated == 0;
    }

    /** Asked once per committer: indexes are created with the table, not while it is loaded. */
    private boolean keyUnique(Connection c) throws SQLException {
        if (keyUnique == null) {
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(sql.insertOnly().keyUnique())) {
                keyUnique = rs.next() && rs.getBoolean(1);
            }
        }
        return keyUnique;
    }

    /** Applies that took the insert-only path so far (for logs and tests). */
    long insertOnlyApplies() {
        return insertOnlyApplies;
    }

    /**
     * As {@code GeneralApply}'s last applied LSN, over every job that applied to the table; read
     * once per committer, then kept up to date by each apply (several jobs writing one table at
     * once are not a supported setup; a stale value here only keeps batches off the insert-only
     * path).
     */
    private long lastAppliedLsnAnyJob(Connection c) throws SQLException {
        if (lastAppliedLsnAnyJob == null) {
            try (PreparedStatement p = c.prepareStatement(sql.ledger().lastAppliedLsnAnyJob())) {
                p.setString(1, target.qualifiedName());
                try (ResultSet rs = p.executeQuery()) {
                    rs.next();
                    lastAppliedLsnAnyJob = rs.getLong(1);
                }
            }
        }
        return lastAppliedLsnAnyJob;
    }
}
