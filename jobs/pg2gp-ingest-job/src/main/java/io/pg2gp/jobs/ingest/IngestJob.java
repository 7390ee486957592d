package io.pg2gp.jobs.ingest;

import io.pg2gp.connector.cdc.PostgresPreflight;
import io.pg2gp.connector.warehouse.MissingTableException;
import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseSink;
import io.pg2gp.jobs.ingest.config.IngestSettings;
import io.pg2gp.jobs.ingest.sink.MonthlyPartitions;
import io.pg2gp.jobs.settings.ConnectorOptionNames;
import io.pg2gp.jobs.settings.FlinkSettings;
import io.pg2gp.jobs.settings.JobArguments;
import io.pg2gp.jobs.settings.Pg2gpOptions;
import io.pg2gp.jobs.settings.PipelineConfig;
import io.pg2gp.jobs.settings.SettingException;
import io.pg2gp.jobs.settings.WarehouseDdl;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
                    PipelineConfig config = JobArguments.parse(args);
                    prepare(config);
                    StreamExecutionEnvironment env =
                            StreamExecutionEnvironment.getExecutionEnvironment(
                                    FlinkSettings.of(config));
                    IngestPipeline.build(env, config);
                    env.execute(config.get(Pg2gpOptions.NAME));
                });
    }

    /**
     * Start-up, from the client before submit: the source is ready for CDC; the warehouse tables
     * exist and fit, the role holds what the sinks need and the bookkeeping objects exist (created
     * here once, so the subtasks run no DDL); monthly partitions are kept ahead. A failure says
     * which step failed and why. Returns the warnings, already logged.
     */
    public static List<String> prepare(PipelineConfig config) throws Exception {
        IngestSettings.checkPasswords(config);
        if (config.get(Pg2gpOptions.SOURCE_PREFLIGHT)) {
            try {
                new PostgresPreflight(IngestSettings.cdcOptions(config))
                        .check(config.get(Pg2gpOptions.SOURCE_PARALLELISM));
            } catch (IllegalStateException e) {
                throw new IllegalStateException(ConnectorOptionNames.explain(e.getMessage()), e);
            }
        }
        String schema = config.get(Pg2gpOptions.WAREHOUSE_SCHEMA);
        if (config.get(Pg2gpOptions.WAREHOUSE_CREATE_TABLES)) {
            WarehouseDdl.createIfMissing(config.warehouseConnection(), schema);
        }
        List<String> warnings = new ArrayList<>();
        for (WarehouseSink<?> sink : IngestPipeline.sinks(config)) {
            try {
                sink.prepare().forEach(w -> warnings.add(ConnectorOptionNames.explain(w)));
            } catch (MissingTableException e) {
                throw new SettingException(
                        e.getMessage()
                                + ", or set "
                                + Pg2gpOptions.WAREHOUSE_CREATE_TABLES.key()
                                + ": true",
                        e);
            } catch (IllegalStateException e) {
                throw new IllegalStateException(ConnectorOptionNames.explain(e.getMessage()), e);
            }
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
            String blocked = dialect.splitsPartitions() ? partitions.upkeepBlocked(c) : null;
            if (blocked != null) {
                LOG.warn(blocked);
                warnings.add(blocked);
            } else {
                partitions.ensureAhead(
                        c,
                        dialect,
                        YearMonth.now(ZoneOffset.UTC),
                        config.get(Pg2gpOptions.WAREHOUSE_PARTITIONS_AHEAD));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "keeping monthly partitions ahead failed: " + e.getMessage(), e);
        }
        return warnings;
    }
}
