package io.pg2gp.jobs.ingest;

import io.pg2gp.connector.cdc.PostgresPreflight;
import io.pg2gp.connector.warehouse.internal.sql.WarehouseDialect;
import io.pg2gp.connector.warehouse.internal.sql.WarehouseSetup;
import io.pg2gp.jobs.ingest.config.FlinkSettings;
import io.pg2gp.jobs.ingest.config.PipelineConfig;
import io.pg2gp.jobs.ingest.config.PipelineOptions;
import io.pg2gp.jobs.ingest.sink.MonthlyPartitions;
import io.pg2gp.jobs.ingest.sink.WarehouseDdl;
import io.pg2gp.jobs.ingest.sink.WarehouseTables;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.nio.file.Path;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry point of the ingest job: {@code flink run pg2gp-ingest-job-job.jar --config pipeline.yaml
 * [--set key=value ...]}. Passwords come from environment variables only.
 */
public final class IngestJob {

    private IngestJob() {}

    public static void main(String[] args) throws Exception {
        PipelineConfig config = parseArgs(args);
        prepare(config);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.of(config));
        IngestPipeline.build(env, config);
        env.execute(config.get(PipelineOptions.NAME));
    }

    public static PipelineConfig parseArgs(String[] args) {
        Path file = null;
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> file = Path.of(value(args, ++i, "--config"));
                case "--set" -> overrides.add(value(args, ++i, "--set"));
                default ->
                        throw new IllegalArgumentException(
                                "unknown argument '"
                                        + args[i]
                                        + "'; usage: --config <pipeline.yaml> [--set key=value ...]");
            }
        }
        return PipelineConfig.load(file, overrides);
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    /** Start-up checks: the source is ready for CDC, the warehouse tables exist and fit. */
    public static void prepare(PipelineConfig config) throws Exception {
        if (config.get(PipelineOptions.SOURCE_PREFLIGHT)) {
            new PostgresPreflight(config.cdcOptions())
                    .check(config.get(PipelineOptions.SOURCE_PARALLELISM));
        }
        String schema = config.get(PipelineOptions.WAREHOUSE_SCHEMA);
        if (config.get(PipelineOptions.WAREHOUSE_CREATE_TABLES)) {
            WarehouseDdl.createIfMissing(config.warehouseConnection(), schema);
        }
        try (var c = config.warehouseConnection().open("pg2gp preflight")) {
            WarehouseSetup.checkTarget(
                    c,
                    WarehouseTables.requestsAnalytical(schema),
                    config.get(PipelineOptions.WAREHOUSE_DELETE_MODE));
            WarehouseSetup.checkTarget(
                    c,
                    WarehouseTables.usersDim(schema),
                    config.get(PipelineOptions.WAREHOUSE_DELETE_MODE));
            new MonthlyPartitions(schema)
                    .ensureAhead(
                            c,
                            WarehouseDialect.detect(c),
                            YearMonth.now(ZoneOffset.UTC),
                            config.get(PipelineOptions.WAREHOUSE_PARTITIONS_AHEAD));
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(
                    "cannot reach the warehouse "
                            + config.get(PipelineOptions.WAREHOUSE_URL)
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }
}
