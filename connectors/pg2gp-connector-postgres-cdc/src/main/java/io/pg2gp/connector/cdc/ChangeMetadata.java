package io.pg2gp.connector.cdc;

import org.apache.flink.annotation.PublicEvolving;

/**
 * Where a change comes from: table, op, WAL position and commit time.
 *
 * @param rawOp Debezium's op code as received (kept to explain an {@link ChangeOp#UNKNOWN} op)
 * @param lsn WAL position of the change; for snapshot reads the position the snapshot chunk saw
 * @param commitMicros source commit time, microseconds since the epoch (0 when unknown)
 */
@PublicEvolving
public record ChangeMetadata(
        String schema, String table, ChangeOp op, String rawOp, long lsn, long commitMicros) {}
