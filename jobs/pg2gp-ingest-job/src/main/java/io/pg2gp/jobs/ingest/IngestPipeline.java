package io.pg2gp.jobs.ingest;

import io.pg2gp.connector.cdc.PostgresCdcSources;
import io.pg2gp.connector.warehouse.WarehouseRecordSerializer;
import io.pg2gp.connector.warehouse.WarehouseSink;
import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.jobs.ingest.cdc.SourceChangeDeserializer;
import io.pg2gp.jobs.ingest.config.PipelineConfig;
import io.pg2gp.jobs.ingest.config.PipelineOptions;
import io.pg2gp.jobs.ingest.enrich.RequestEnrichmentFunction;
import io.pg2gp.jobs.ingest.model.EnrichedRequest;
import io.pg2gp.jobs.ingest.model.SourceChange;
import io.pg2gp.jobs.ingest.model.SourceTable;
import io.pg2gp.jobs.ingest.sink.RequestRecordSerializer;
import io.pg2gp.jobs.ingest.sink.UserRecordSerializer;
import io.pg2gp.jobs.ingest.sink.WarehouseTables;

import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

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
    public static final String UID_USERS_FILTER = "pg2gp-users-changes";
    public static final String UID_ENRICH = "pg2gp-enrich-requests";
    public static final String UID_USERS_SINK = "pg2gp-sink-users-dim";
    public static final String UID_REQUESTS_SINK = "pg2gp-sink-requests-analytical";

    private IngestPipeline() {}

    /**
     * Flink settings the pipeline depends on: exactly-once checkpoints, bounded restarts, no Kryo.
     */
    public static Configuration flinkConfiguration(PipelineConfig config) {
        Configuration c = new Configuration();
        c.set(
                CheckpointingOptions.CHECKPOINTING_INTERVAL,
                config.get(PipelineOptions.CHECKPOINT_INTERVAL));
        c.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        // The sink gathers each checkpoint's batches before the barrier: aligned checkpoints only.
        c.set(CheckpointingOptions.ENABLE_UNALIGNED, false);
        c.set(
                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        String dir = config.get(PipelineOptions.CHECKPOINT_DIR);
        if (dir != null) {
            c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir);
        }
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        c.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS,
                config.get(PipelineOptions.RESTART_ATTEMPTS));
        c.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
                config.get(PipelineOptions.RESTART_DELAY));
        c.set(org.apache.flink.configuration.PipelineOptions.GENERIC_TYPES, false);
        c.set(
                org.apache.flink.configuration.PipelineOptions.NAME,
                config.get(PipelineOptions.NAME));
        c.set(
                org.apache.flink.configuration.PipelineOptions.MAX_PARALLELISM,
                config.get(PipelineOptions.MAX_PARALLELISM));
        c.set(
                org.apache.flink.configuration.ExecutionOptions.RUNTIME_MODE,
                RuntimeExecutionMode.STREAMING);
        return c;
    }

    /** Adds the pipeline to {@code env}, which must carry {@link #flinkConfiguration}. */
    public static void build(StreamExecutionEnvironment env, PipelineConfig config) {
        int parallelism = config.get(PipelineOptions.PARALLELISM);
        String schema = config.get(PipelineOptions.WAREHOUSE_SCHEMA);
        var cdc = config.cdcOptions();

        DataStream<SourceChange> changes =
                env.fromSource(
                                PostgresCdcSources.create(
                                        cdc,
                                        new SourceChangeDeserializer(
                                                config.get(PipelineOptions.SOURCE_USERS_TABLE),
                                                config.get(PipelineOptions.SOURCE_REQUESTS_TABLE))),
                                WatermarkStrategy.noWatermarks(),
                                "PostgreSQL CDC: users, requests")
                        .uid(UID_SOURCE)
                        .setParallelism(config.get(PipelineOptions.SOURCE_PARALLELISM));

        DataStream<SourceChange> users =
                changes.filter(c -> c.table == SourceTable.USERS)
                        .name("users changes")
                        .uid(UID_USERS_FILTER)
                        .setParallelism(config.get(PipelineOptions.SOURCE_PARALLELISM));
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
                                        new RequestEnrichmentFunction(config.enrichment())))
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

    private static <T> WarehouseSink<T> sink(
            PipelineConfig config, WarehouseTable table, WarehouseRecordSerializer<T> serializer) {
        return WarehouseSink.<T>builder()
                .connection(config.warehouseConnection())
                .table(table)
                .serializer(serializer)
                .pipelineName(config.get(PipelineOptions.NAME))
                .bookkeepingSchema(config.get(PipelineOptions.WAREHOUSE_BOOKKEEPING_SCHEMA))
                .deleteMode(config.get(PipelineOptions.WAREHOUSE_DELETE_MODE))
                .stageChunkBytes((int) config.get(PipelineOptions.WAREHOUSE_STAGE_CHUNK).getBytes())
                .loader(config.get(PipelineOptions.WAREHOUSE_LOADER))
                .gpfdist(config.gpfdistOptions())
                .applyMemory(
                        Math.max(
                                        1,
                                        config.get(PipelineOptions.WAREHOUSE_APPLY_MEMORY)
                                                .getMebiBytes())
                                + "MB")
                .build();
    }
}
