package io.pg2gp.jobs.ingest;

import io.pg2gp.connector.cdc.PostgresPreflight;
import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseSink;
import io.pg2gp.jobs.ingest.config.FlinkSettings;
import io.pg2gp.jobs.ingest.config.PasswordCheck;
import io.pg2gp.jobs.ingest.config.PipelineConfig;
import io.pg2gp.jobs.ingest.config.PipelineOptions;
import io.pg2gp.jobs.ingest.config.SettingException;
import io.pg2gp.jobs.ingest.sink.MonthlyPartitions;
import io.pg2gp.jobs.ingest.sink.WarehouseDdl;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry point of the ingest job: {@code flink run pg2gp-ingest-job-job.jar --config pipeline.yaml
 * [--set key=value ...]}. Passwords come from environment variables only.
 */
public final class IngestJob {

    private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);

    private IngestJob() {}

    public static void main(String[] args) throws Exception {
        SettingException.exitOnUserError(
                "pg2gp ingest job",
                () -> {
                    PipelineConfig config = parseArgs(args);
                    prepare(config);
                    StreamExecutionEnvironment env =
                            StreamExecutionEnvironment.getExecutionEnvironment(
                                    FlinkSettings.of(config));
                    IngestPipeline.build(env, config);
                    env.execute(config.get(PipelineOptions.NAME));
                });
    }

    public static PipelineConfig parseArgs(String[] args) {
        Path file = null;
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> file = Path.of(value(args, ++i, "--config"));
                case "--set" -> overrides.add(value(args, ++i, "--set"));
                default ->
                        throw new SettingException(
                                "unknown argument '"
                                        + args[i]
                                        + "'; usage: --config <pipeline.yaml> [--set key=value ...]");
            }
        }
        return PipelineConfig.load(file, overrides);
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new SettingException(flag + " needs a value");
        }
        return args[i];
    }

    /**
     * Start-up, from the client before submit: the source is ready for CDC; the warehouse tables
     * exist and fit, the role holds what the sinks need and the bookkeeping objects exist (created
     * here once, so the subtasks run no DDL); monthly partitions are kept ahead. A failure says
     * which step failed and why. Returns the warnings, already logged.
     */
    public static List<String> prepare(PipelineConfig config) throws Exception {
        PasswordCheck.check(config);
        if (config.get(PipelineOptions.SOURCE_PREFLIGHT)) {
            new PostgresPreflight(config.cdcOptions())
                    .check(config.get(PipelineOptions.SOURCE_PARALLELISM));
        }
        String schema = config.get(PipelineOptions.WAREHOUSE_SCHEMA);
        if (config.get(PipelineOptions.WAREHOUSE_CREATE_TABLES)) {
            WarehouseDdl.createIfMissing(config.warehouseConnection(), schema);
        }
        List<String> warnings = new ArrayList<>();
        for (WarehouseSink<?> sink : IngestPipeline.sinks(config)) {
            warnings.addAll(sink.prepare());
        }
        WarehouseConnectionOptions warehouse = config.warehouseConnection();
        Connection c;
        try {
            c = warehouse.open("pg2gp prepare");
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot connect to the warehouse " + warehouse.url() + ": " + e.getMessage(),
                    e);
        }
        MonthlyPartitions partitions = new MonthlyPartitions(schema);
        try (c) {
            WarehouseDialect dialect = WarehouseDialect.detect(c);
            String blocked = dialect.isGreenplum() ? partitions.upkeepBlocked(c) : null;
            if (blocked != null) {
                LOG.warn(blocked);
                warnings.add(blocked);
            } else {
                partitions.ensureAhead(
                        c,
                        dialect,
                        YearMonth.now(ZoneOffset.UTC),
                        config.get(PipelineOptions.WAREHOUSE_PARTITIONS_AHEAD));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "keeping monthly partitions ahead failed: " + e.getMessage(), e);
        }
        return warnings;
    }
}
