package io.pg2gp.connector.warehouse.internal.table;

import io.pg2gp.connector.warehouse.WarehouseRecord;
import io.pg2gp.connector.warehouse.WarehouseRecordSerializer;

import org.apache.flink.annotation.Internal;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;

import java.security.SecureRandom;
import java.util.List;
import java.util.UUID;

/**
 * {@link RowData} of a changelog to warehouse records: INSERT and UPDATE_AFTER become new versions,
 * DELETE a deletion, UPDATE_BEFORE is skipped (the upsert apply replaces by key).
 *
 * <p>The version ({@code _cdc_lsn}) orders a key's versions in the apply: newest wins within a
 * batch, and a version replaces a stored row only when it is not older. It comes from the version
 * column when one is named. Otherwise it is a sequence this serializer assigns in arrival order.
 * That is correct because the sink's input is partitioned by the primary key: all changes of a key
 * reach one writer subtask, in the order the upstream produced them, and each subtask has its own
 * copy of this serializer, so one key's versions are numbered by one monotonic counter. The counter
 * is a hybrid clock, {@code max(previous + 1, wall-clock millis << 20)}: it never goes back within
 * a subtask, and after a restart, a rescale (a key may move to another subtask) or a new job on the
 * same table it starts above every number given before, as long as the TaskManagers' clocks differ
 * by less than the time a restart takes and no subtask writes more than a million rows per
 * millisecond. Batches apply in checkpoint order, so a later checkpoint's version of a key always
 * carries the larger number.
 *
 * <p>Without a primary key (append mode) every row gets a fresh {@code _pg2gp_row_id} (random
 * 64-bit prefix per subtask and a counter), the key of the staged-batch apply, so each row is
 * inserted once however often it repeats.
 */
@Internal
public final class RowDataRecordSerializer implements WarehouseRecordSerializer<RowData> {

    private static final long serialVersionUID = 1L;

    private final RowData.FieldGetter[] getters;
    private final RowDataTypeMapping.FieldConverter[] converters;
    private final String versionColumn;
    private final RowData.FieldGetter versionGetter;
    private final boolean appendRowId;

    private transient long lastVersion;
    private transient long rowIdPrefix;
    private transient long rowIdCounter;

    /**
     * @param versionColumn a BIGINT, INT or TIMESTAMP(_LTZ) column ordering a key's versions, or
     *     null for the arrival sequence
     * @param appendRowId whether records get a trailing {@code _pg2gp_row_id} value (append mode)
     */
    public RowDataRecordSerializer(RowType rowType, String versionColumn, boolean appendRowId) {
        List<RowType.RowField> fields = rowType.getFields();
        this.getters = new RowData.FieldGetter[fields.size()];
        this.converters = new RowDataTypeMapping.FieldConverter[fields.size()];
        RowData.FieldGetter version = null;
        for (int i = 0; i < fields.size(); i++) {
            LogicalType type = fields.get(i).getType();
            getters[i] = RowData.createFieldGetter(type, i);
            converters[i] = RowDataTypeMapping.converter(type);
            if (fields.get(i).getName().equals(versionColumn)) {
                version = getters[i];
            }
        }
        if (versionColumn != null && version == null) {
            throw new IllegalArgumentException("version column " + versionColumn + " not found");
        }
        this.versionColumn = versionColumn;
        this.versionGetter = version;
        this.appendRowId = appendRowId;
    }

    @Override
    public WarehouseRecord serialize(RowData row) {
        WarehouseRecord.Op op;
        switch (row.getRowKind()) {
            case INSERT:
                op = WarehouseRecord.Op.INSERT;
                break;
            case UPDATE_AFTER:
                op = WarehouseRecord.Op.UPDATE;
                break;
            case DELETE:
                op = WarehouseRecord.Op.DELETE;
                break;
            default:
                return null;
        }
        Object[] values = new Object[getters.length + (appendRowId ? 1 : 0)];
        for (int i = 0; i < getters.length; i++) {
            Object v = getters[i].getFieldOrNull(row);
            values[i] = v == null ? null : converters[i].convert(v);
        }
        if (appendRowId) {
            values[getters.length] = nextRowId();
        }
        if (versionGetter == null) {
            return new WarehouseRecord(op, nextVersion(), 0L, values);
        }
        Object version = versionGetter.getFieldOrNull(row);
        if (version == null) {
            return WarehouseRecord.rejected(
                    "version column " + versionColumn + " is NULL", op, 0L, 0L, values);
        }
        long v =
                version instanceof TimestampData
                        ? RowDataTypeMapping.micros((TimestampData) version)
                        : ((Number) version).longValue();
        return new WarehouseRecord(op, v, 0L, values);
    }

    private long nextVersion() {
        lastVersion = Math.max(lastVersion + 1, System.currentTimeMillis() << 20);
        return lastVersion;
    }

    private String nextRowId() {
        if (rowIdPrefix == 0) {
            rowIdPrefix = new SecureRandom().nextLong() | 1L;
        }
        return new UUID(rowIdPrefix, ++rowIdCounter).toString();
    }
}
