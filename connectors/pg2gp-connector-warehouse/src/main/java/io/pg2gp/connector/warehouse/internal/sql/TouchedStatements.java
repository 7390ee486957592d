package io.pg2gp.connector.warehouse.internal.sql;

import org.apache.flink.annotation.Internal;

import java.util.Collection;

/**
 * Records, inside the apply's transaction, the hours and key values a batch touched: the rollup and
 * feature jobs recompute exactly those.
 */
@Internal
public final class TouchedStatements {

    private final ApplyContext c;

    TouchedStatements(ApplyContext c) {
        this.c = c;
    }

    /**
     * The hours of an insert-only batch from what {@link BatchBoundsStatements#batchStats} already
     * found (its distinct finite hours of the new values, as comma-separated epoch seconds),
     * instead of another pass over staging. Null when the table tracks no hour or the batch has
     * none.
     */
    public String recordTouchedHoursFromStats(String job, long commitSeq, String epochHours) {
        if (c.target.hourColumn() == null || epochHours == null || epochHours.isBlank()) {
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
    String touchedHoursInsert(String job, long commitSeq) {
        return touchedInsert(c.bookkeeping.touchedHours(), "hour", job, commitSeq);
    }

    /**
     * Records the hours of the versions being replaced and of the new versions, so the rollup job
     * recomputes both when a change moves a row between hours. Null when the table tracks no hour.
     * A ±infinity value (PostgreSQL's infinite timestamps) is in no hour and not recorded.
     */
    public String recordTouchedHours(String job, long commitSeq, String batch) {
        String h = c.target.hourColumn();
        if (h == null) {
            return null;
        }
        return touchedHoursInsert(job, commitSeq)
                + "x.h FROM (SELECT date_trunc('hour', m.old_hour) AS h FROM "
                + c.matchTable
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
        String k = c.target.touchedKeyColumn();
        if (k == null) {
            return null;
        }
        return touchedKeysInsert(job, commitSeq)
                + "x.k FROM (SELECT m."
                + k
                + "::text AS k FROM "
                + c.matchTable
                + " m WHERE m.replaces UNION ALL SELECT b."
                + k
                + "::text FROM "
                + batch
                + " b WHERE b._cdc_op <> 'd') x WHERE x.k IS NOT NULL";
    }

    /** The touched keys of an insert-only batch, read from staging. Null when none are tracked. */
    public String recordTouchedKeysStaged(String job, long commitSeq, Collection<Long> batchIds) {
        String k = c.target.touchedKeyColumn();
        if (k == null) {
            return null;
        }
        // Distinct values first, then the cast: rendering every staged value as text cost more
        // than the scan.
        return touchedKeysInsert(job, commitSeq)
                + "x.k::text FROM (SELECT DISTINCT "
                + k
                + " AS k FROM "
                + c.bookkeeping.stagingTable(c.target)
                + " WHERE "
                + c.stageFilter(job, batchIds)
                + " AND "
                + k
                + " IS NOT NULL) x";
    }

    /** As {@link #touchedHoursInsert}, into touched_keys: the key value follows. */
    String touchedKeysInsert(String job, long commitSeq) {
        return touchedInsert(c.bookkeeping.touchedKeys(), "key_value", job, commitSeq);
    }

    private String touchedInsert(String table, String column, String job, long commitSeq) {
        return "INSERT INTO "
                + table
                + " (job, target_table, commit_seq, "
                + column
                + ") SELECT DISTINCT "
                + SqlLiterals.string(job)
                + ", "
                + SqlLiterals.string(c.target.qualifiedName())
                + ", "
                + commitSeq
                + ", ";
    }
}
