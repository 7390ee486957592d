package io.pg2gp.connector.warehouse.testutils;

import io.pg2gp.connector.gpfdist.ServedBatch;
import io.pg2gp.connector.warehouse.WarehouseRecord;
import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.internal.load.GpfdistStagingLoader;
import io.pg2gp.connector.warehouse.internal.writer.ByteBuf;
import io.pg2gp.connector.warehouse.internal.writer.CopyTextEncoder;

/**
 * What a sink writer does to each record before any I/O, without Flink or a database, for
 * benchmarks in other modules: encode it as a COPY TEXT line (what both loaders send) and, per
 * chunk, cut the chunk into the gpfdist loader's blocks.
 */
public final class WriterEncodingHarness {

    private final CopyTextEncoder encoder;
    private final ByteBuf buf;
    private final int chunkBytes;
    private long encodedBytes;

    public WriterEncodingHarness(WarehouseTable table, int chunkBytes) {
        this.encoder = new CopyTextEncoder(table);
        this.chunkBytes = chunkBytes;
        this.buf = new ByteBuf(chunkBytes + (1 << 20));
    }

    /** Encodes one record; a value the warehouse would refuse fails with the writer's reason. */
    public void add(WarehouseRecord record) {
        String error = encoder.encodeColumns(record.values(), buf);
        if (error != null) {
            throw new IllegalArgumentException(error);
        }
        buf.write('\n');
        if (buf.size() >= chunkBytes) {
            cut();
        }
    }

    /** Cuts what is left into blocks; returns the bytes of COPY TEXT encoded so far. */
    public long finish() {
        if (buf.size() > 0) {
            cut();
        }
        return encodedBytes;
    }

    private void cut() {
        GpfdistStagingLoader.toBatch(ServedBatch.builder(), buf.array(), 0, buf.size());
        encodedBytes += buf.size();
        buf.clear();
    }
}
