package io.pg2gp.connector.warehouse.internal.sql;

import io.pg2gp.connector.warehouse.DeleteMode;

import org.apache.flink.annotation.Internal;

import java.util.stream.Collectors;

/**
 * Soft delete mode: a deleted key keeps its row, marked, and a small table remembers the marked
 * rows' hours, so a later insert of the key finds its row outside the batch's own hours.
 */
@Internal
public final class SoftDeleteStatements {

    private final ApplyContext c;

    SoftDeleteStatements(ApplyContext c) {
        this.c = c;
    }

    /**
     * Whether the apply keeps {@link BookkeepingTables#softDeletedTable} up to date and widens a
     * fresh batch's bounds with it: soft delete mode on a target with an hour column.
     */
    public boolean tracksSoftDeleted() {
        return c.deleteMode == DeleteMode.SOFT && c.target.hourColumn() != null;
    }

    /**
     * The hours of the marked rows of the batch's keys, as comma-separated epoch seconds (as {@link
     * BatchBoundsStatements#batchStats}), and the number of such rows without a finite hour (which
     * leave the batch unbounded). A marked row stays in its hour, while a fresh batch reads the
     * target within the hours it touches: a key inserted again in another hour would not find its
     * marked row and would end up with two rows. Only keys deleted before have an entry, so for the
     * common batch this is one index probe per key into a small table, and the bounds stay those of
     * the batch.
     */
    public String softDeletedHours(String batch) {
        return "SELECT "
                + ApplyContext.epochHours("x.h")
                + ", coalesce(sum(CASE WHEN x.h IS NULL OR NOT isfinite(x.h) THEN 1 ELSE 0 END),"
                + " 0) FROM (SELECT date_trunc('hour', d.hour) AS h FROM "
                + c.bookkeeping.softDeletedTable(c.target)
                + " d JOIN "
                + batch
                + " b ON "
                + c.keyJoin.replace("t.", "d.")
                + ") x";
    }

    /**
     * Drops the entries of the keys whose marked row the batch replaced or marked again (before
     * {@link #rememberSoftDeleted} records the ones marked now).
     */
    public String forgetSoftDeleted() {
        return "DELETE FROM "
                + c.bookkeeping.softDeletedTable(c.target)
                + " d USING "
                + c.matchTable
                + " m WHERE "
                + c.matchJoin("d")
                + " AND m.replaces";
    }

    /** Records the rows {@link #markSoftDeleted} marked: their key and hour. */
    public String rememberSoftDeleted(String batch) {
        return "INSERT INTO "
                + c.bookkeeping.softDeletedTable(c.target)
                + " ("
                + c.keyColumns
                + ", hour) SELECT "
                + c.target.keyColumns().stream()
                        .map(k -> "m." + k)
                        .collect(Collectors.joining(", "))
                + ", m.old_hour FROM "
                + c.matchTable
                + " m JOIN "
                + batch
                + " b ON "
                + c.matchJoin("b")
                + " WHERE m.replaces AND b._cdc_op = 'd'";
    }

    /** Soft deletes: marks the row instead of removing it. Null in mirror mode. */
    public String markSoftDeleted(String batch, String bounds) {
        if (c.deleteMode != DeleteMode.SOFT) {
            return null;
        }
        return "UPDATE "
                + c.target.qualifiedName()
                + " t SET _deleted = true, _cdc_op = 'd', _cdc_lsn = b._cdc_lsn,"
                + " _cdc_committed_at = b._cdc_committed_at, _synced_at = now() FROM "
                + batch
                + " b, "
                + c.matchTable
                + " m WHERE "
                + c.keyJoin
                + " AND "
                + c.matchJoin("b")
                + " AND m.replaces AND b._cdc_op = 'd'"
                + bounds;
    }
}
