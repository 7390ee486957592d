package io.pg2gp.connector.warehouse.internal.table;

import io.pg2gp.connector.warehouse.GpfdistLoaderOptions;
import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.connector.warehouse.WarehouseSink;
import io.pg2gp.connector.warehouse.WarehouseSinkBuilder;
import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.table.GreenplumConnectorOptions;

import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.catalog.UniqueConstraint;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.ProviderContext;
import org.apache.flink.table.connector.sink.DataStreamSinkProvider;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.types.RowKind;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * The planner's face of the sink: an upsert changelog (with a primary key) or appends, keyed by the
 * primary key in front of the {@link WarehouseSink} so one key's changes reach one writer in order.
 * Options and types are checked when the planner creates it, before any connection; the warehouse
 * is asked (target column types, {@code sink.create-table}, the sink's own {@link
 * WarehouseSink#prepare()}) when the planner asks for the runtime provider.
 */
@Internal
public final class GreenplumDynamicTableSink implements DynamicTableSink {

    private final SqlSinkSettings settings;

    private GreenplumDynamicTableSink(SqlSinkSettings settings) {
        this.settings = settings;
    }

    /** Validates everything that needs no warehouse; throws naming the option or column. */
    public static GreenplumDynamicTableSink create(
            ReadableConfig options, ResolvedSchema schema, String flinkTable) {
        RowType rowType = (RowType) schema.toPhysicalRowDataType().getLogicalType();
        List<String> key =
                schema.getPrimaryKey().map(UniqueConstraint::getColumns).orElse(List.of());
        SqlSinkSettings settings = SqlSinkSettings.from(options, rowType, key, flinkTable);
        // builds the table and the sink once, so a bad type or value fails at planning time
        settings.sink(Map.of());
        return new GreenplumDynamicTableSink(settings);
    }

    @Override
    public ChangelogMode getChangelogMode(ChangelogMode requestedMode) {
        if (settings.key().isEmpty()) {
            return ChangelogMode.insertOnly();
        }
        return ChangelogMode.newBuilder()
                .addContainedKind(RowKind.INSERT)
                .addContainedKind(RowKind.UPDATE_AFTER)
                .addContainedKind(RowKind.DELETE)
                .build();
    }

    @Override
    public SinkRuntimeProvider getSinkRuntimeProvider(Context context) {
        WarehouseSink<RowData> sink = prepareWarehouse();
        RowDataKeySelector keys =
                settings.key().isEmpty()
                        ? null
                        : new RowDataKeySelector(settings.rowType(), settings.key());
        Integer parallelism = settings.parallelism();
        String table = sink.options().table().qualifiedName();
        String uid = "greenplum-sink-" + sink.options().pipelineName() + "-" + table;
        return new DataStreamSinkProvider() {
            @Override
            public DataStreamSink<?> consumeDataStream(
                    ProviderContext provider, DataStream<RowData> stream) {
                DataStream<RowData> in = keys == null ? stream : stream.keyBy(keys);
                DataStreamSink<RowData> out = in.sinkTo(sink).name("Greenplum sink: " + table);
                // The committer's state is matched by uid on restore; the planner generates
                // uids only for compiled plans, else the sink names itself by its pipeline.
                out.uid(provider.generateUid("greenplum-sink").orElse(uid));
                if (parallelism != null) {
                    out.setParallelism(parallelism);
                }
                return out;
            }
        };
    }

    private WarehouseSink<RowData> prepareWarehouse() {
        WarehouseConnectionOptions connection = settings.connection();
        try (Connection c = connection.open("pg2gp sql " + settings.tableName() + " planner")) {
            Map<String, String> targetTypes =
                    TargetTableSetup.targetTypes(c, settings.schemaName(), settings.tableName());
            if (targetTypes.isEmpty() && settings.createTable()) {
                WarehouseTable table = settings.table(Map.of());
                TargetTableSetup.createIfMissing(
                        c, table, settings.rowType(), settings.deleteMode());
                targetTypes = TargetTableSetup.targetTypes(c, table.schema(), table.name());
            }
            WarehouseSink<RowData> sink = settings.sink(targetTypes);
            sink.prepare();
            return sink;
        } catch (SQLException e) {
            throw new ValidationException(
                    "greenplum sink of "
                            + settings.flinkTable()
                            + ": cannot prepare the warehouse table "
                            + settings.schemaName()
                            + "."
                            + settings.tableName()
                            + " at "
                            + connection.url()
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }

    @Override
    public DynamicTableSink copy() {
        return new GreenplumDynamicTableSink(settings);
    }

    @Override
    public String asSummaryString() {
        return "greenplum";
    }

    static boolean isVersionType(LogicalTypeRoot root) {
        switch (root) {
            case INTEGER:
            case BIGINT:
            case TIMESTAMP_WITHOUT_TIME_ZONE:
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
                return true;
            default:
                return false;
        }
    }

    static GpfdistLoaderOptions gpfdist(ReadableConfig options) {
        GpfdistLoaderOptions.Builder b = GpfdistLoaderOptions.builder();
        options.getOptional(GreenplumConnectorOptions.GPFDIST_BIND_ADDRESS)
                .ifPresent(b::bindAddress);
        options.getOptional(GreenplumConnectorOptions.GPFDIST_ADVERTISED_HOST)
                .ifPresent(b::advertisedHost);
        String range = options.get(GreenplumConnectorOptions.GPFDIST_PORT_RANGE).trim();
        try {
            String[] parts = range.split("-", 2);
            int first = Integer.parseInt(parts[0].trim());
            int last = parts.length == 1 ? first : Integer.parseInt(parts[1].trim());
            b.portRange(first, last);
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ValidationException(
                    "option 'gpfdist.port-range' must be 'first-last' or '0', got '"
                            + range
                            + "': "
                            + e.getMessage(),
                    e);
        }
    }

    static WarehouseSinkBuilder<RowData> builder() {
        return WarehouseSink.builder();
    }
}
