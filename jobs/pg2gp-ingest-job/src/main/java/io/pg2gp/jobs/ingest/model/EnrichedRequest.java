package io.pg2gp.jobs.ingest.model;

import io.pg2gp.connector.cdc.ChangeOp;

/**
 * A {@code requests} change ready for {@code requests_analytical}: the row, the user's attributes
 * as known when the request was processed, and the derived columns.
 */
public class EnrichedRequest {
    public ChangeOp op;
    public String rawOp;
    public long lsn;
    public long commitMicros;
    public RequestRow request;

    /** {@code created_at} before an update; see {@link SourceChange#previousCreatedAtMicros}. */
    public Long previousCreatedAtMicros;

    /** See {@link SourceChange#rejectReason}: set, this change goes to the dead letters. */
    public String rejectReason;

    /** See {@link SourceChange#rawRow}. */
    public String rawRow;

    /** Whether the user was known; false rows are repaired when the user arrives. */
    public boolean userKnown;

    public String userEmail;
    public String userRole;
    public String agentUsed;
    public String queryType;
    public Integer hourOfDay;
    public Integer dayOfWeek;
    public Boolean isWeekend;

    /** Days since the epoch. */
    public Integer createdDate;

    public EnrichedRequest() {}

    @Override
    public String toString() {
        return "EnrichedRequest{"
                + op
                + " lsn="
                + lsn
                + " "
                + request
                + " email="
                + userEmail
                + "}";
    }
}
