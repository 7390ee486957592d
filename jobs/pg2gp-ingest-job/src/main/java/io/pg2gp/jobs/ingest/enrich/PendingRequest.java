package io.pg2gp.jobs.ingest.enrich;

import io.pg2gp.jobs.ingest.model.SourceChange;

/** A request change waiting in state for its user. A Flink POJO. */
public class PendingRequest {
    public SourceChange change;

    /** Processing time when it started waiting, epoch millis. */
    public long sinceMillis;

    public PendingRequest() {}

    public PendingRequest(SourceChange change, long sinceMillis) {
        this.change = change;
        this.sinceMillis = sinceMillis;
    }
}
