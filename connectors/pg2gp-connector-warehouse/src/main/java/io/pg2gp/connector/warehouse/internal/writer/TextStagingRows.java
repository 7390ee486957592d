package io.pg2gp.connector.warehouse.internal.writer;

import io.pg2gp.connector.warehouse.ColumnType;
import io.pg2gp.connector.warehouse.WarehouseRecord;
import io.pg2gp.connector.warehouse.WarehouseTable;

import org.apache.flink.annotation.Internal;

import java.nio.charset.StandardCharsets;

/** Staging rows as COPY TEXT lines: what gpfdist serves and Greenplum's COPY reads. */
@Internal
public final class TextStagingRows implements StagingRowEncoder {

    private final CopyTextEncoder encoder;
    private byte[] prefix;

    public TextStagingRows(WarehouseTable table) {
        this.encoder = new CopyTextEncoder(table);
    }

    @Override
    public void startRows(String job, long batchId, long tag) {
        prefix = (job + '\t' + batchId + '\t' + tag + '\t').getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String encode(WarehouseRecord rec, long seq, ByteBuf out) {
        int mark = out.size();
        out.write(prefix);
        out.writeAscii(Long.toString(seq));
        out.write('\t');
        String error = encoder.encodeColumns(rec.values(), out);
        if (error == null) {
            out.writeAscii(Long.toString(rec.lsn()));
            out.write('\t');
            out.write(rec.op().code());
            out.write('\t');
            error = timestamp(rec.committedAtMicros() == 0 ? null : rec.committedAtMicros(), out);
            if (error != null) {
                error = "source commit time: " + error;
            }
        }
        if (error == null) {
            out.write('\t');
            error = timestamp(rec.previousHourMicros(), out);
            if (error != null) {
                error = "previous hour value: " + error;
            }
        }
        if (error != null) {
            out.truncate(mark);
            return error;
        }
        out.write('\n');
        return null;
    }

    private static String timestamp(Long micros, ByteBuf out) {
        return CopyTextEncoder.encodeValue(ColumnType.TIMESTAMPTZ, micros, out);
    }
}
