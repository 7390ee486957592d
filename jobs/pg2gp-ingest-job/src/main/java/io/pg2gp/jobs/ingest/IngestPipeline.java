package io.pg2gp.jobs.ingest;

import io.pg2gp.connector.cdc.PostgresCdcSources;
import io.pg2gp.connector.warehouse.WarehouseRecordSerializer;
import io.pg2gp.connector.warehouse.WarehouseSink;
import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.jobs.ingest.cdc.SourceChangeDeserializer;
import io.pg2gp.jobs.ingest.cdc.SourceRowReader;
import io.pg2gp.jobs.ingest.config.IngestSettings;
import io.pg2gp.jobs.ingest.enrich.RequestEnrichmentFunction;
import io.pg2gp.jobs.ingest.model.EnrichedRequest;
import io.pg2gp.jobs.ingest.model.SourceChange;
import io.pg2gp.jobs.ingest.model.SourceChangeWireTypeInfo;
import io.pg2gp.jobs.ingest.model.SourceTable;
import io.pg2gp.jobs.ingest.monitor.ChangeMetrics;
import io.pg2gp.jobs.ingest.sink.RequestRecordSerializer;
import io.pg2gp.jobs.ingest.sink.UserRecordSerializer;
import io.pg2gp.jobs.settings.FlinkSettings;
import io.pg2gp.jobs.settings.Pg2gpOptions;
import io.pg2gp.jobs.settings.PipelineConfig;
import io.pg2gp.jobs.settings.WarehouseTables;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.util.List;

/**
 * The ingest job's topology:
 *
 * <pre>
 * PostgreSQL CDC ─┬─ users ────────────────────────────────► sink users_dim
 *                 └─ users + requests ─ keyBy(user) ─ enrich ─► sink requests_analytical
 * </pre>
 */
public final class IngestPipeline {

    public static final String UID_SOURCE = "pg2gp-cdc-source";
    public static final String UID_CHANGE_METRICS = "pg2gp-change-metrics";
    public static final String UID_USERS_FILTER = "pg2gp-users-changes";
    public static final String UID_ENRICH = "pg2gp-enrich-requests";
    public static final String UID_USERS_SINK = "pg2gp-sink-users-dim";
    public static final String UID_REQUESTS_SINK = "pg2gp-sink-requests-analytical";

    private IngestPipeline() {}

    /** Adds the pipeline to {@code env}, which must carry {@link FlinkSettings#of}. */
    public static void build(StreamExecutionEnvironment env, PipelineConfig config) {
        int parallelism = config.get(Pg2gpOptions.PARALLELISM);
        String schema = config.get(Pg2gpOptions.WAREHOUSE_SCHEMA);
        var cdc = IngestSettings.cdcOptions(config);

        DataStream<SourceChange> changes =
                env.fromSource(
                                PostgresCdcSources.create(
                                        cdc,
                                        new SourceChangeDeserializer(
                                                config.get(Pg2gpOptions.SOURCE_USERS_TABLE),
                                                config.get(Pg2gpOptions.SOURCE_REQUESTS_TABLE),
                                                new SourceRowReader(
                                                        cdc,
                                                        config.get(Pg2gpOptions.SOURCE_USERS_TABLE),
                                                        config.get(
                                                                Pg2gpOptions
                                                                        .SOURCE_REQUESTS_TABLE)))),
                                WatermarkStrategy.noWatermarks(),
                                "PostgreSQL CDC: users, requests")
                        .uid(UID_SOURCE)
                        .setParallelism(config.get(Pg2gpOptions.SOURCE_PARALLELISM))
                        .map(
                                new ChangeMetrics(
                                        cdc,
                                        config.get(Pg2gpOptions.SOURCE_SLOT_LAG_INTERVAL),
                                        IngestSettings.truncate(config)))
                        .returns(SourceChangeWireTypeInfo.INSTANCE)
                        .name("Count changes")
                        .uid(UID_CHANGE_METRICS)
                        .setParallelism(config.get(Pg2gpOptions.SOURCE_PARALLELISM));

        DataStream<SourceChange> users =
                changes.filter(c -> c.table == SourceTable.USERS)
                        .name("users changes")
                        .uid(UID_USERS_FILTER)
                        .setParallelism(config.get(Pg2gpOptions.SOURCE_PARALLELISM));
        users.sinkTo(sink(config, WarehouseTables.usersDim(schema), new UserRecordSerializer()))
                .name("Warehouse sink: users_dim")
                .uid(UID_USERS_SINK)
                .setParallelism(parallelism);

        DataStream<EnrichedRequest> enriched =
                changes.keyBy(SourceChange::userKey)
                        // the function in its own operator, for gauges exact after a restore;
                        // same uid and state as a plain process(), so savepoints still map
                        .transform(
                                "Enrich requests with users",
                                TypeInformation.of(EnrichedRequest.class),
                                new RequestEnrichmentFunction.Operator(
                                        new RequestEnrichmentFunction(
                                                IngestSettings.enrichment(config))))
                        .uid(UID_ENRICH)
                        .setParallelism(parallelism);
        enriched.sinkTo(
                        sink(
                                config,
                                WarehouseTables.requestsAnalytical(schema),
                                new RequestRecordSerializer()))
                .name("Warehouse sink: requests_analytical")
                .uid(UID_REQUESTS_SINK)
                .setParallelism(parallelism);
    }

    /** The two warehouse sinks, for {@link IngestJob#prepare} to prepare before submit. */
    static List<WarehouseSink<?>> sinks(PipelineConfig config) {
        String schema = config.get(Pg2gpOptions.WAREHOUSE_SCHEMA);
        return List.of(
                sink(config, WarehouseTables.usersDim(schema), new UserRecordSerializer()),
                sink(
                        config,
                        WarehouseTables.requestsAnalytical(schema),
                        new RequestRecordSerializer()));
    }

    private static <T> WarehouseSink<T> sink(
            PipelineConfig config, WarehouseTable table, WarehouseRecordSerializer<T> serializer) {
        return WarehouseSink.<T>builder()
                .connection(config.warehouseConnection())
                .table(table)
                .serializer(serializer)
                .pipelineName(config.get(Pg2gpOptions.NAME))
                .bookkeepingSchema(config.get(Pg2gpOptions.WAREHOUSE_BOOKKEEPING_SCHEMA))
                .deleteMode(config.get(Pg2gpOptions.WAREHOUSE_DELETE_MODE))
                .stageChunkSize(config.get(Pg2gpOptions.WAREHOUSE_STAGE_CHUNK))
                .loader(config.get(Pg2gpOptions.WAREHOUSE_LOADER))
                .gpfdist(config.gpfdistOptions())
                .housekeeping(config.housekeepingOptions())
                .applyMemory(config.get(Pg2gpOptions.WAREHOUSE_APPLY_MEMORY))
                .build();
    }
}
