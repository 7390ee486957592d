package io.pg2gp.jobs.ingest.model;

import io.pg2gp.connector.cdc.ChangeOp;

/**
 * One change of {@code users} or {@code requests}, typed. Exactly one of {@link #user} and {@link
 * #request} is set: the row after the change, or before it for a delete.
 */
public class SourceChange {
    public SourceTable table;
    public ChangeOp op;

    /** Debezium's op code as received; explains an {@link ChangeOp#UNKNOWN} op. */
    public String rawOp;

    public long lsn;
    public long commitMicros;
    public UserRow user;
    public RequestRow request;

    /**
     * For an update of {@code requests}: {@code created_at} before it (from the before image), so
     * the warehouse finds the replaced version in its old partition; null otherwise.
     */
    public Long previousCreatedAtMicros;

    /**
     * Why the source could not convert this change (it goes to the dead-letter table), or null.
     * Then {@link #rawRow} holds the change as received, and the row fields may be empty.
     */
    public String rejectReason;

    /** The change as received from the source, as JSON; set only with {@link #rejectReason}. */
    public String rawRow;

    /**
     * Columns the source row no longer has (dropped on the source), carried as NULL; null when none
     * is missing.
     */
    public String missingColumns;

    /**
     * Whether the row was read back from the source by key (an update that left a TOASTED value
     * unchanged, without a before image): it is the row as of the read, not of {@link #lsn}.
     */
    public boolean readBack;

    public SourceChange() {}

    /** A change the source could not convert, for the dead-letter table. */
    public static SourceChange rejected(
            SourceTable table,
            ChangeOp op,
            String rawOp,
            long lsn,
            long commitMicros,
            String reason,
            String rawRow) {
        SourceChange c = new SourceChange();
        c.table = table;
        c.op = op;
        c.rawOp = rawOp;
        c.lsn = lsn;
        c.commitMicros = commitMicros;
        if (table == SourceTable.USERS) {
            c.user = new UserRow();
        } else {
            c.request = new RequestRow();
        }
        c.rejectReason = reason;
        c.rawRow = rawRow;
        return c;
    }

    public static SourceChange ofUser(ChangeOp op, long lsn, long commitMicros, UserRow user) {
        SourceChange c = new SourceChange();
        c.table = SourceTable.USERS;
        c.op = op;
        c.rawOp = String.valueOf(op.code());
        c.lsn = lsn;
        c.commitMicros = commitMicros;
        c.user = user;
        return c;
    }

    public static SourceChange ofRequest(
            ChangeOp op, long lsn, long commitMicros, RequestRow request) {
        SourceChange c = new SourceChange();
        c.table = SourceTable.REQUESTS;
        c.op = op;
        c.rawOp = String.valueOf(op.code());
        c.lsn = lsn;
        c.commitMicros = commitMicros;
        c.request = request;
        return c;
    }

    /** The user this change belongs to: the key of the enrichment state. */
    public String userKey() {
        String k = table == SourceTable.USERS ? user.id : request.userId;
        return k == null ? "" : k;
    }

    @Override
    public String toString() {
        return "SourceChange{"
                + table
                + " "
                + op
                + " lsn="
                + lsn
                + " "
                + (user != null ? user : request)
                + "}";
    }
}
