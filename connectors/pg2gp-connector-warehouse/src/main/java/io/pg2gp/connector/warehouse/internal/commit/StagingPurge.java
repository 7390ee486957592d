package io.pg2gp.connector.warehouse.internal.commit;

import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.internal.sql.BookkeepingTables;
import io.pg2gp.connector.warehouse.internal.sql.SqlLiterals;
import io.pg2gp.connector.warehouse.internal.sql.WarehouseSetup;

import org.apache.flink.annotation.Internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Drops the staged rows of an applied checkpoint inside the apply's transaction: every row this job
 * tagged with a checkpoint up to the applied one (the applied batches and whatever a failed attempt
 * staged and never committed).
 *
 * <p>Where staging has slots (PostgreSQL: partitions by tag modulo {@link
 * io.pg2gp.connector.warehouse.WarehouseDialect#stagingSlots()}), a slot whose rows all belong to
 * this job and to checkpoints up to the applied one is truncated: no dead rows, hence no VACUUM of
 * staging and no autovacuum over it. Writers record each tag in {@link
 * BookkeepingTables#stagedTags()} (committed) before its first row is staged, and the slot is
 * locked before its tags are read: a writer that staged rows into it has recorded their tag, and
 * one that records a tag after the read stages after this transaction commits (its COPY waits for
 * the lock), into the emptied slot. A slot holding a later checkpoint's or another job's tag loses
 * this job's rows by {@code DELETE}, as an unslotted staging table always does.
 */
@Internal
public final class StagingPurge {

    private final String job;
    private final WarehouseTable target;
    private final BookkeepingTables bookkeeping;
    private final int slots;
    private Boolean slotted;
    private long truncations;

    public StagingPurge(String job, WarehouseTable target, BookkeepingTables bookkeeping) {
        this.job = job;
        this.target = target;
        this.bookkeeping = bookkeeping;
        this.slots = bookkeeping.dialect().stagingSlots();
    }

    /** Purges rows tagged up to {@code checkpointId}, in the caller's transaction. */
    public void purge(Connection c, Statement s, long checkpointId) throws SQLException {
        if (!slotted(c)) {
            s.executeUpdate(delete(bookkeeping.stagingTable(target), checkpointId));
            return;
        }
        String tags = bookkeeping.stagedTags();
        String ofThisTable = " WHERE target_table = " + SqlLiterals.string(target.qualifiedName());
        String ofThisJob = ofThisTable + " AND job = " + SqlLiterals.string(job);
        List<Integer> used = new ArrayList<>();
        try (ResultSet rs =
                s.executeQuery(
                        "SELECT DISTINCT tag % "
                                + slots
                                + " FROM "
                                + tags
                                + ofThisJob
                                + " AND tag <= "
                                + checkpointId)) {
            while (rs.next()) {
                used.add(rs.getInt(1));
            }
        }
        for (int slot : used) {
            String table = bookkeeping.stagingSlot(target, slot);
            s.execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
            long others;
            try (ResultSet rs =
                    s.executeQuery(
                            "SELECT count(*) FROM "
                                    + tags
                                    + ofThisTable
                                    + " AND tag % "
                                    + slots
                                    + " = "
                                    + slot
                                    + " AND (job <> "
                                    + SqlLiterals.string(job)
                                    + " OR tag > "
                                    + checkpointId
                                    + ")")) {
                rs.next();
                others = rs.getLong(1);
            }
            if (others == 0) {
                s.execute("TRUNCATE " + table);
                truncations++;
            } else {
                s.executeUpdate(delete(table, checkpointId));
            }
        }
        s.executeUpdate("DELETE FROM " + tags + ofThisJob + " AND tag <= " + checkpointId);
    }

    /** Slots emptied by TRUNCATE so far (for tests and logs). */
    public long truncations() {
        return truncations;
    }

    private String delete(String table, long checkpointId) {
        return "DELETE FROM "
                + table
                + " WHERE _pg2gp_job = "
                + SqlLiterals.string(job)
                + " AND _pg2gp_tag <= "
                + checkpointId;
    }

    /**
     * Asked once per committer: staging keeps the form it was created with (a staging table of an
     * earlier release stays one table), and the role must be allowed to truncate it.
     */
    private boolean slotted(Connection c) throws SQLException {
        if (slotted == null) {
            boolean s =
                    slots > 0 && WarehouseSetup.stagingSlotted(c, bookkeeping.stagingTable(target));
            for (int i = 0; s && i < slots; i++) {
                try (Statement st = c.createStatement();
                        ResultSet rs =
                                st.executeQuery(
                                        "SELECT has_table_privilege("
                                                + SqlLiterals.string(
                                                        bookkeeping.stagingSlot(target, i))
                                                + ", 'TRUNCATE')")) {
                    s = rs.next() && rs.getBoolean(1);
                }
            }
            slotted = s;
        }
        return slotted;
    }
}
