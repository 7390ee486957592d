package io.pg2gp.connector.warehouse.internal.commit;

import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.internal.sql.ApplyStatements;
import io.pg2gp.connector.warehouse.internal.sql.HourRanges;

import org.apache.flink.annotation.Internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;

/**
 * The general path of {@link BatchApplier}, for any batch: deduplicate it per key, match its keys
 * in the target (within the hours or months it can touch), delete what it replaces (or mark it, in
 * soft mode), record the touched hours and keys, insert the winners.
 */
@Internal
final class GeneralApply {

    private final String job;
    private final WarehouseTable target;
    private final ApplyStatements sql;
    private Boolean keyIndexed;

    /** Whether replaced versions are updated in place; whether that resets {@code _deleted}. */
    private Boolean inPlace;

    private boolean resetsDeleted;
    private Long lastAppliedLsn;

    GeneralApply(String job, WarehouseTable target, ApplyStatements sql) {
        this.job = job;
        this.target = target;
        this.sql = sql;
    }

    /** After a commit: the highest LSN this job applied is at least {@code maxLsn}. */
    void committed(long maxLsn) {
        if (lastAppliedLsn != null) {
            lastAppliedLsn = Math.max(lastAppliedLsn, maxLsn);
        }
    }

    /**
     * The general path: deduplicate, match the batch keys in the target, delete what they replace
     * (or update it in place, where the target allows it), insert the winners. Returns rows
     * upserted and deleted (a version replaced in place counts in both, as when it is deleted and
     * inserted).
     */
    long[] apply(Connection c, Statement s, BatchStats stats, long commitSeq) throws SQLException {
        var batchIds = stats.committable().batchIds();
        long deleted = 0;
        List<String> lookups = sql.keyLookups(keyIndexed(c));
        String bounds = prepareBatch(c, s, stats, lookups.isEmpty());
        String batch = sql.batchTable();
        // Soft mode: the keys with a row marked deleted outside the batch's hours (rare: a key
        // deleted and inserted again) are looked up there too, by a second match of those keys.
        String marked = null;
        if (!bounds.isEmpty() && sql.softDelete().tracksSoftDeleted()) {
            BatchApplier.executeAll(
                    s, lookups); // an index probe per key, as the match (soft: no month split)
            marked = markedHours(s);
            if (marked == null) {
                bounds = ""; // a marked row without a finite hour: read without bounds
            }
        }
        List<String> matchBounds = matchBounds(s, stats, bounds);
        BatchApplier.executeAll(s, lookups);
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
        boolean updates = matched > 0 && inPlace(c);
        long updated = 0;
        if (updates) {
            updated =
                    s.executeUpdate(
                            sql.inPlace().updateReplaced(job, batchIds, batch, resetsDeleted));
        }
        if (matched > 0) {
            for (String b : deleteBounds(s, bounds)) {
                String delete = sql.deleteReplaced(b);
                deleted += s.executeUpdate(updates ? sql.deletesOnly(delete) : delete);
            }
            String nulls = sql.countReplacedWithNullDistribution();
            if (nulls != null && BatchApplier.count(s, nulls) > 0) {
                String delete = sql.deleteReplacedWithNullDistribution(bounds);
                deleted += s.executeUpdate(updates ? sql.deletesOnly(delete) : delete);
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
        long upserted =
                updated
                        + s.executeUpdate(
                                sql.insertNewVersions(job, batchIds, batch, matched > 0, updates));
        deleted += updated;
        String nullNew = sql.countNewVersionsWithNullDistribution(batch);
        if (nullNew != null && BatchApplier.count(s, nullNew) > 0) {
            upserted +=
                    s.executeUpdate(
                            sql.insertNewVersionsWithNullDistribution(
                                    job, batchIds, batch, matched > 0, updates));
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

    /** Asked once per committer, as {@link #keyIndexed}. */
    private boolean inPlace(Connection c) throws SQLException {
        if (inPlace == null) {
            inPlace = false;
            if (sql.inPlace().possible()) {
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery(sql.inPlace().eligibility())) {
                    rs.next();
                    inPlace = rs.getBoolean(1);
                    resetsDeleted = rs.getBoolean(2);
                }
            }
        }
        return inPlace;
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
