package io.pg2gp.connector.warehouse;

import io.pg2gp.connector.warehouse.internal.table.RowDataKeySelector;
import io.pg2gp.connector.warehouse.internal.table.RowDataRecordSerializer;
import io.pg2gp.connector.warehouse.internal.table.TargetTableSetup;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The DataStream face of the SQL connector: a {@link WarehouseSink} for a stream of {@link RowData}
 * of any row type, with the type mapping of {@code 'connector' = 'greenplum'}
 * (docs/sql-connector.md).
 *
 * <pre>{@code
 * WarehouseTable table = WarehouseRowData.table("public", "orders", rowType, List.of("id"), Map.of());
 * WarehouseSink<RowData> sink = WarehouseSink.<RowData>builder()
 *     .connection(connection).table(table).pipelineName("orders")
 *     .serializer(WarehouseRowData.serializer(rowType, null, false))
 *     .build();
 * changelog.keyBy(WarehouseRowData.keySelector(rowType, List.of("id")))
 *     .sinkTo(sink).uid("orders-sink");
 * }</pre>
 *
 * Without a version column the versions of a key are numbered in arrival order at its writer, which
 * is only correct when the stream is partitioned by the key in front of the sink, as above.
 */
@PublicEvolving
public final class WarehouseRowData {

    /** Key column of append-mode tables (no primary key): a fresh uuid per row. */
    public static final String ROW_ID_COLUMN = TargetTableSetup.ROW_ID_COLUMN;

    private WarehouseRowData() {}

    /**
     * The warehouse table for rows of {@code rowType}. With an empty {@code key} the table is
     * append-only, keyed by {@link #ROW_ID_COLUMN}. {@code stringColumns} stores string columns as
     * {@link ColumnType#JSONB}, {@link ColumnType#JSON} or {@link ColumnType#UUID} instead of text.
     *
     * @throws org.apache.flink.table.api.ValidationException naming a column whose type has no
     *     mapping
     */
    public static WarehouseTable table(
            String schema,
            String name,
            RowType rowType,
            List<String> key,
            Map<String, ColumnType> stringColumns) {
        Map<String, String> targetTypes = new HashMap<>();
        stringColumns.forEach((column, type) -> targetTypes.put(column, type.sqlName()));
        return TargetTableSetup.table(schema, name, rowType, key, targetTypes);
    }

    /**
     * Serializes INSERT and UPDATE_AFTER as new versions and DELETE as deletions (UPDATE_BEFORE is
     * skipped). {@code versionColumn} (INT, BIGINT, TIMESTAMP or TIMESTAMP_LTZ) orders a key's
     * versions; null numbers them in arrival order. {@code appendMode} must match a table built
     * without a key.
     */
    public static WarehouseRecordSerializer<RowData> serializer(
            RowType rowType, String versionColumn, boolean appendMode) {
        return new RowDataRecordSerializer(rowType, versionColumn, appendMode);
    }

    /** Partitions a RowData stream by {@code key} in front of the sink. */
    public static KeySelector<RowData, String> keySelector(RowType rowType, List<String> key) {
        return new RowDataKeySelector(rowType, key);
    }
}
