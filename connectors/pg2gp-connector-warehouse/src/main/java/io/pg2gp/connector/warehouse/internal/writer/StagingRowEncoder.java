package io.pg2gp.connector.warehouse.internal.writer;

import io.pg2gp.connector.warehouse.WarehouseRecord;

import org.apache.flink.annotation.Internal;

/**
 * Writes a record as one row of the staging table: the batch's bookkeeping columns, the table's
 * columns, then the change's metadata, in {@code BookkeepingTables.stagingColumnList} order.
 */
@Internal
public interface StagingRowEncoder {

    /** The rows that follow belong to this batch and checkpoint tag. */
    void startRows(String job, long batchId, long tag);

    /**
     * Appends the staging row of {@code rec}; returns {@code null}, or the reason the row cannot be
     * written (and the buffer is left as it was).
     */
    String encode(WarehouseRecord rec, long seq, ByteBuf out);
}
