package io.pg2gp.connector.warehouse.internal.writer;

import io.pg2gp.connector.warehouse.ColumnType;
import io.pg2gp.connector.warehouse.WarehouseRecord;
import io.pg2gp.connector.warehouse.WarehouseTable;

import org.apache.flink.annotation.Internal;

/**
 * Staging rows as COPY BINARY tuples, for PostgreSQL's COPY (not gpfdist, which reads text): the
 * server stores the values without parsing them from text. Only for tables whose columns are all
 * {@link CopyBinaryEncoder#TYPES}.
 */
@Internal
public final class BinaryStagingRows implements StagingRowEncoder {

    private static final int BOOKKEEPING_FIELDS = 4;
    private static final int METADATA_FIELDS = 4;

    private final ColumnType[] types;
    private final String[] names;
    private final ByteBuf prefix = new ByteBuf(64);

    public BinaryStagingRows(WarehouseTable table) {
        if (!supports(table)) {
            throw new IllegalArgumentException(
                    table.qualifiedName() + " has a column COPY BINARY staging does not encode");
        }
        this.types = table.columns().stream().map(c -> c.type()).toArray(ColumnType[]::new);
        this.names = table.columns().stream().map(c -> c.name()).toArray(String[]::new);
    }

    /** Whether every column of {@code table} has a binary encoding here. */
    public static boolean supports(WarehouseTable table) {
        return table.columns().stream().allMatch(c -> CopyBinaryEncoder.TYPES.contains(c.type()));
    }

    @Override
    public void startRows(String job, long batchId, long tag) {
        prefix.clear();
        CopyBinaryEncoder.writeShort(BOOKKEEPING_FIELDS + types.length + METADATA_FIELDS, prefix);
        CopyBinaryEncoder.encodeField(ColumnType.TEXT, job, prefix);
        CopyBinaryEncoder.encodeField(ColumnType.INT8, batchId, prefix);
        CopyBinaryEncoder.encodeField(ColumnType.INT8, tag, prefix);
    }

    @Override
    public String encode(WarehouseRecord rec, long seq, ByteBuf out) {
        Object[] values = rec.values();
        if (values.length != types.length) {
            return "row has " + values.length + " values, table has " + types.length + " columns";
        }
        int mark = out.size();
        out.write(prefix.array(), 0, prefix.size());
        CopyBinaryEncoder.encodeField(ColumnType.INT8, seq, out);
        for (int i = 0; i < types.length; i++) {
            String error = CopyBinaryEncoder.encodeField(types[i], values[i], out);
            if (error != null) {
                out.truncate(mark);
                return "column " + names[i] + ": " + error;
            }
        }
        CopyBinaryEncoder.encodeField(ColumnType.INT8, rec.lsn(), out);
        CopyBinaryEncoder.writeInt(1, out);
        out.write(rec.op().code());
        long committedAt = rec.committedAtMicros();
        String error =
                CopyBinaryEncoder.encodeField(
                        ColumnType.TIMESTAMPTZ, committedAt == 0 ? null : committedAt, out);
        if (error != null) {
            out.truncate(mark);
            return "source commit time: " + error;
        }
        error =
                CopyBinaryEncoder.encodeField(
                        ColumnType.TIMESTAMPTZ, rec.previousHourMicros(), out);
        if (error != null) {
            out.truncate(mark);
            return "previous hour value: " + error;
        }
        return null;
    }
}
