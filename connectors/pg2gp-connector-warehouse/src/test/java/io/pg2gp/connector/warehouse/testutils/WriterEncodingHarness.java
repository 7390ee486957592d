package io.pg2gp.connector.warehouse.testutils;

import io.pg2gp.connector.gpfdist.ServedBatch;
import io.pg2gp.connector.warehouse.WarehouseRecord;
import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.internal.load.GpfdistStagingLoader;
import io.pg2gp.connector.warehouse.internal.writer.BinaryStagingRows;
import io.pg2gp.connector.warehouse.internal.writer.ByteBuf;
import io.pg2gp.connector.warehouse.internal.writer.StagingRowEncoder;
import io.pg2gp.connector.warehouse.internal.writer.TextStagingRows;

/**
 * What a sink writer does to each record before any I/O, without Flink or a database, for
 * benchmarks in other modules: encode it as a staging row (bookkeeping, columns, change metadata)
 * and, per chunk, what its loader does before sending: for gpfdist, cut the COPY TEXT chunk into
 * blocks; for PostgreSQL's COPY BINARY, nothing more.
 */
public final class WriterEncodingHarness {

    private final StagingRowEncoder rows;
    private final boolean gpfdistBlocks;
    private final ByteBuf buf;
    private final int chunkBytes;
    private long seq;
    private long encodedBytes;

    private WriterEncodingHarness(StagingRowEncoder rows, boolean gpfdistBlocks, int chunkBytes) {
        this.rows = rows;
        this.gpfdistBlocks = gpfdistBlocks;
        this.chunkBytes = chunkBytes;
        this.buf = new ByteBuf(chunkBytes + (1 << 20));
        rows.startRows("bench", 1, 1);
    }

    /** COPY TEXT rows cut into gpfdist blocks, as a Greenplum writer stages them. */
    public static WriterEncodingHarness gpfdist(WarehouseTable table, int chunkBytes) {
        return new WriterEncodingHarness(new TextStagingRows(table), true, chunkBytes);
    }

    /** COPY BINARY rows, as a PostgreSQL writer stages them. */
    public static WriterEncodingHarness copyBinary(WarehouseTable table, int chunkBytes) {
        return new WriterEncodingHarness(new BinaryStagingRows(table), false, chunkBytes);
    }

    /** Encodes one record; a value the warehouse would refuse fails with the writer's reason. */
    public void add(WarehouseRecord record) {
        String error = rows.encode(record, seq++, buf);
        if (error != null) {
            throw new IllegalArgumentException(error);
        }
        if (buf.size() >= chunkBytes) {
            cut();
        }
    }

    /** Handles what is left; returns the bytes encoded so far. */
    public long finish() {
        if (buf.size() > 0) {
            cut();
        }
        return encodedBytes;
    }

    private void cut() {
        if (gpfdistBlocks) {
            GpfdistStagingLoader.toBatch(ServedBatch.builder(), buf.array(), 0, buf.size());
        }
        encodedBytes += buf.size();
        buf.clear();
    }
}
