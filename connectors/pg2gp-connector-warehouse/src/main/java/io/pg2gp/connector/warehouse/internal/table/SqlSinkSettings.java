package io.pg2gp.connector.warehouse.internal.table;

import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.GpfdistLoaderOptions;
import io.pg2gp.connector.warehouse.LoaderKind;
import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.connector.warehouse.WarehouseSink;
import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.table.GreenplumConnectorOptions;

import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;

import java.util.List;
import java.util.Map;

/** The SQL sink's options, read and checked once, and the {@link WarehouseSink} they make. */
@Internal
final class SqlSinkSettings {

    private final RowType rowType;
    private final List<String> key;
    private final String flinkTable;
    private final String schemaName;
    private final String tableName;
    private final WarehouseConnectionOptions connection;
    private final LoaderKind loader;
    private final GpfdistLoaderOptions gpfdist;
    private final DeleteMode deleteMode;
    private final Integer parallelism;
    private final MemorySize stageChunkSize;
    private final boolean createTable;
    private final String versionColumn;
    private final String pipelineName;
    private final String bookkeepingSchema;

    private SqlSinkSettings(
            ReadableConfig o, RowType rowType, List<String> key, String flinkTable) {
        this.rowType = rowType;
        this.key = List.copyOf(key);
        this.flinkTable = flinkTable;
        String qualified = o.get(GreenplumConnectorOptions.TABLE_NAME).trim();
        int dot = qualified.indexOf('.');
        this.schemaName = dot < 0 ? "public" : qualified.substring(0, dot);
        this.tableName = dot < 0 ? qualified : qualified.substring(dot + 1);
        try {
            this.connection =
                    new WarehouseConnectionOptions(
                            o.get(GreenplumConnectorOptions.URL),
                            o.get(GreenplumConnectorOptions.USERNAME),
                            o.get(GreenplumConnectorOptions.PASSWORD_ENV));
        } catch (IllegalArgumentException e) {
            throw new ValidationException("option 'url': " + e.getMessage(), e);
        }
        this.loader = o.get(GreenplumConnectorOptions.LOADER);
        this.gpfdist = GreenplumDynamicTableSink.gpfdist(o);
        this.deleteMode = o.get(GreenplumConnectorOptions.DELETE_MODE);
        this.parallelism = o.getOptional(GreenplumConnectorOptions.SINK_PARALLELISM).orElse(null);
        if (parallelism != null && parallelism < 1) {
            throw new ValidationException(
                    "option 'sink.parallelism' must be positive, got " + parallelism);
        }
        this.stageChunkSize = o.get(GreenplumConnectorOptions.STAGE_CHUNK_SIZE);
        this.createTable = o.get(GreenplumConnectorOptions.CREATE_TABLE);
        this.versionColumn = o.getOptional(GreenplumConnectorOptions.VERSION_COLUMN).orElse(null);
        if (versionColumn != null) {
            int field = rowType.getFieldNames().indexOf(versionColumn);
            if (field < 0) {
                throw new ValidationException(
                        "option 'sink.version-column': "
                                + versionColumn
                                + " is not a column of "
                                + flinkTable);
            }
            if (!GreenplumDynamicTableSink.isVersionType(rowType.getTypeAt(field).getTypeRoot())) {
                throw new ValidationException(
                        "option 'sink.version-column': "
                                + versionColumn
                                + " must be INT, BIGINT, TIMESTAMP or TIMESTAMP_LTZ, is "
                                + rowType.getTypeAt(field).asSummaryString());
            }
        }
        this.pipelineName =
                o.getOptional(GreenplumConnectorOptions.PIPELINE_NAME)
                        .orElse("sql-" + schemaName + "_" + tableName);
        this.bookkeepingSchema = o.get(GreenplumConnectorOptions.BOOKKEEPING_SCHEMA);
    }

    static SqlSinkSettings from(
            ReadableConfig options, RowType rowType, List<String> key, String flinkTable) {
        return new SqlSinkSettings(options, rowType, key, flinkTable);
    }

    WarehouseTable table(Map<String, String> targetTypes) {
        try {
            return TargetTableSetup.table(schemaName, tableName, rowType, key, targetTypes);
        } catch (IllegalArgumentException e) {
            throw new ValidationException(
                    "greenplum sink of " + flinkTable + ": " + e.getMessage(), e);
        }
    }

    /** The sink, its string columns typed as the existing target's ({@code targetTypes}). */
    WarehouseSink<RowData> sink(Map<String, String> targetTypes) {
        WarehouseTable table = table(targetTypes);
        try {
            return GreenplumDynamicTableSink.builder()
                    .connection(connection)
                    .table(table)
                    .serializer(new RowDataRecordSerializer(rowType, versionColumn, key.isEmpty()))
                    .pipelineName(pipelineName)
                    .bookkeepingSchema(bookkeepingSchema)
                    .deleteMode(deleteMode)
                    .stageChunkSize(stageChunkSize)
                    .loader(loader)
                    .gpfdist(gpfdist)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new ValidationException(
                    "greenplum sink of " + flinkTable + ": " + e.getMessage(), e);
        }
    }

    RowType rowType() {
        return rowType;
    }

    List<String> key() {
        return key;
    }

    String flinkTable() {
        return flinkTable;
    }

    String schemaName() {
        return schemaName;
    }

    String tableName() {
        return tableName;
    }

    WarehouseConnectionOptions connection() {
        return connection;
    }

    DeleteMode deleteMode() {
        return deleteMode;
    }

    Integer parallelism() {
        return parallelism;
    }

    boolean createTable() {
        return createTable;
    }
}
