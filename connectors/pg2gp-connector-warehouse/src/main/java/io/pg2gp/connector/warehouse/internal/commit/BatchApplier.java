package io.pg2gp.connector.warehouse.internal.commit;

import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.internal.sql.ApplyStatements;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Applies one {@link WarehouseCommittable} to its target table in one transaction, together with
 * its ledger entry, so the apply and the record that it happened commit or roll back together. A
 * batch takes the insert-only path ({@link InsertOnlyApply}) when it can, else the general one
 * ({@link GeneralApply}).
 */
@Internal
public final class BatchApplier {

    private static final Logger LOG = LoggerFactory.getLogger(BatchApplier.class);

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
    private final StagingPurge purge;
    private final InsertOnlyApply insertOnly;
    private final GeneralApply general;

    public BatchApplier(
            String job, WarehouseTable target, ApplyStatements sql, String applyMemory) {
        this.job = job;
        this.target = target;
        this.sql = sql;
        this.applyMemory = applyMemory;
        this.purge = new StagingPurge(job, target, sql.bookkeeping());
        this.insertOnly = new InsertOnlyApply(job, target, sql);
        this.general = new GeneralApply(job, target, sql);
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
                long[] applied = insertOnly.tryOnTrust(c, s, committable, commitSeq);
                if (applied == null) {
                    BatchStats stats = BatchStats.read(s, sql, job, target, committable);
                    applied = insertOnly.tryDecided(c, s, stats, commitSeq);
                    if (applied == null) {
                        applied = general.apply(c, s, stats, commitSeq);
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
            general.committed(committable.maxLsn());
            insertOnly.committed(committable.maxLsn());
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

    static long count(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static void executeAll(Statement s, List<String> statements) throws SQLException {
        for (String statement : statements) {
            s.execute(statement);
        }
    }

    /** Staging slots emptied by TRUNCATE so far (for tests). */
    public long stagingTruncations() {
        return purge.truncations();
    }

    /** Applies that took the insert-only path so far (for logs and tests). */
    public long insertOnlyApplies() {
        return insertOnly.insertOnlyApplies();
    }
}
