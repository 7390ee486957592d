package io.pg2gp.benchmarks;

import io.pg2gp.jobs.ingest.IngestJob;
import io.pg2gp.jobs.ingest.IngestPipeline;
import io.pg2gp.jobs.settings.FlinkSettings;
import io.pg2gp.jobs.settings.Pg2gpOptions;
import io.pg2gp.jobs.settings.PipelineConfig;
import io.pg2gp.testutils.DatabaseServer;
import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.PostgresServer;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.util.LinkedHashMap;
import java.util.Map;

/** Starts the whole ingest pipeline the way a deployment does, with the shipped defaults. */
final class Pipelines {

    static final String CHECKPOINT_INTERVAL = "5s";

    private Pipelines() {}

    /**
     * Settings for a pipeline from {@code srcDb} to {@code whDb}: the shipped defaults (parallelism
     * 2, 5 s checkpoints, enrichment max-wait 30 s, ...) plus what names the databases.
     */
    static Map<String, String> settings(
            PostgresServer src,
            String srcDb,
            DatabaseServer wh,
            String whDb,
            String slot,
            String startupMode) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("pipeline.name", "bench");
        s.put("pipeline.checkpoint-interval", CHECKPOINT_INTERVAL);
        // A benchmark should not hide failures behind many restarts.
        s.put("pipeline.restart.attempts", "2");
        s.put("pipeline.restart.initial-delay", "2s");
        s.put("source.host", src.host());
        s.put("source.port", String.valueOf(src.port()));
        s.put("source.database", srcDb);
        s.put("source.user", PostgresServer.SUPERUSER);
        s.put("source.slot-name", slot);
        s.put("source.startup-mode", startupMode);
        s.put("source.heartbeat.table", "public.pg2gp_heartbeat");
        s.put("source.heartbeat.interval", "10s");
        s.put("warehouse.url", wh.jdbcUrl(whDb));
        s.put("warehouse.user", wh.user());
        s.put("warehouse.create-tables", "true");
        if (wh instanceof GreenplumCluster gp && gp.managed()) {
            // The managed cluster's segments reach this host on the loopback address.
            s.put("warehouse.gpfdist.bind-address", "127.0.0.1");
            s.put("warehouse.gpfdist.advertised-host", "127.0.0.1");
        }
        if (wh instanceof GreenplumCluster) {
            // Measure the gpfdist loader, never a silent fallback to COPY.
            s.put("warehouse.loader", "gpfdist");
        }
        return s;
    }

    /** Preflight, warehouse tables, then the job; returns once it is submitted. */
    static JobClient start(Map<String, String> settings) throws Exception {
        PipelineConfig config = PipelineConfig.fromMap(settings);
        IngestJob.prepare(config);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.of(config));
        IngestPipeline.build(env, config);
        return env.executeAsync(config.get(Pg2gpOptions.NAME));
    }
}
