package io.pg2gp.connector.cdc;

import org.apache.flink.annotation.PublicEvolving;

/** What a {@code TRUNCATE} of a captured source table does to the pipeline. */
@PublicEvolving
public enum TruncateHandling {
    /**
     * The warehouse keeps its rows; the truncate is recorded in the dead-letter table (as an audit
     * row with its LSN) and counted. The pipeline goes on.
     */
    IGNORE,
    /**
     * The job fails at the truncate (and again after every restart) with a message saying how to go
     * on: re-snapshot into an emptied warehouse table, or switch to {@code ignore}.
     */
    FAIL
}
