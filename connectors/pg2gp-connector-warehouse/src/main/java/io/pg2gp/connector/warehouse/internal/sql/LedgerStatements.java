package io.pg2gp.connector.warehouse.internal.sql;

import org.apache.flink.annotation.Internal;

import java.util.Collection;

/**
 * The commit ledger and dead letters: what makes a retried apply recognisable, and the rows the
 * writers rejected, moved into the dead-letter table in the apply's transaction.
 */
@Internal
public final class LedgerStatements {

    private final ApplyContext c;

    LedgerStatements(ApplyContext c) {
        this.c = c;
    }

    /** The highest source LSN this job applied to the table; later rows were never applied. */
    public String lastAppliedLsn() {
        return "SELECT coalesce(max(max_lsn), 0) FROM "
                + c.bookkeeping.ledger()
                + " WHERE job = ? AND target_table = ?";
    }

    /**
     * The highest source LSN any job applied to the table: the insert-only path must not trust a
     * job's own ledger alone, since a renamed pipeline replaying changes another name applied would
     * see none of them there.
     */
    public String lastAppliedLsnAnyJob() {
        return "SELECT coalesce(max(max_lsn), 0) FROM "
                + c.bookkeeping.ledger()
                + " WHERE target_table = ?";
    }

    public String moveDeadLetters(String job, Collection<Long> batchIds, long commitSeq) {
        return "INSERT INTO "
                + c.bookkeeping.deadLetters()
                + " (job, target_table, commit_seq, reason, cdc_lsn, cdc_op, payload, staged_at)"
                + " SELECT _pg2gp_job, target_table, "
                + commitSeq
                + ", reason, cdc_lsn, cdc_op, payload, staged_at FROM "
                + c.bookkeeping.stagedDeadLetters()
                + " WHERE "
                + c.stageFilter(job, batchIds)
                + " AND target_table = "
                + SqlLiterals.string(c.target.qualifiedName());
    }

    public String ledgerLookup() {
        return "SELECT commit_seq FROM "
                + c.bookkeeping.ledger()
                + " WHERE job = ? AND target_table = ? AND commit_id = ?";
    }

    public String ledgerInsert() {
        return "INSERT INTO "
                + c.bookkeeping.ledger()
                + " (job, target_table, commit_id, checkpoint_id, commit_seq, batches,"
                + " rows_staged, rows_upserted, rows_deleted, dead_letters, max_lsn,"
                + " apply_millis) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    }

    public String nextCommitSeq() {
        return "SELECT nextval('" + c.bookkeeping.commitSequence() + "')";
    }

    public String purgeStagedDeadLetters(String job, long checkpointId) {
        return "DELETE FROM "
                + c.bookkeeping.stagedDeadLetters()
                + " WHERE _pg2gp_job = "
                + SqlLiterals.string(job)
                + " AND target_table = "
                + SqlLiterals.string(c.target.qualifiedName())
                + " AND _pg2gp_tag <= "
                + checkpointId;
    }
}
