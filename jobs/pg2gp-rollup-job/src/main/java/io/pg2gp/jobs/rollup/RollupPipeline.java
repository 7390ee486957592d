package io.pg2gp.jobs.rollup;

import io.pg2gp.connector.warehouse.BookkeepingSchema;
import io.pg2gp.jobs.rollup.definition.FeatureDefinitions;
import io.pg2gp.jobs.rollup.definition.RollupDefinition;
import io.pg2gp.jobs.rollup.definition.RollupDefinitions;
import io.pg2gp.jobs.rollup.recompute.DirtyHoursFunction;
import io.pg2gp.jobs.rollup.recompute.DirtyKeysFunction;
import io.pg2gp.jobs.rollup.recompute.FeatureRecomputer;
import io.pg2gp.jobs.rollup.recompute.RollupHourRange;
import io.pg2gp.jobs.rollup.recompute.RollupRecomputer;
import io.pg2gp.jobs.rollup.source.TouchedHoursSource;
import io.pg2gp.jobs.rollup.source.TouchedKeysSource;
import io.pg2gp.jobs.settings.FlinkSettings;
import io.pg2gp.jobs.settings.PasswordCheck;
import io.pg2gp.jobs.settings.Pg2gpOptions;
import io.pg2gp.jobs.settings.PipelineConfig;
import io.pg2gp.jobs.settings.WarehouseTables;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

import java.util.List;

/**
 * The rollup job: touched hours (from the ingest job's commits) → dirty hours gathered in state →
 * recompute of every rollup for those hours; beside it, touched users (and users whose features
 * time made stale) → dirty users → recompute of their features. It reads the ingest job's pipeline
 * file.
 */
public final class RollupPipeline {

    public static final String SOURCE_UID = "pg2gp-touched-hours";
    public static final String RECOMPUTE_UID = "pg2gp-recompute-rollups";
    public static final String USERS_SOURCE_UID = "pg2gp-touched-users";
    public static final String FEATURES_UID = "pg2gp-recompute-features";

    private RollupPipeline() {}

    /** The ingest job's Flink settings, under the rollup job's own name. */
    public static Configuration flinkConfiguration(PipelineConfig config) {
        Configuration c = FlinkSettings.of(config);
        c.set(org.apache.flink.configuration.PipelineOptions.NAME, jobName(config));
        String dir = config.get(Pg2gpOptions.CHECKPOINT_DIR);
        if (dir != null) {
            // Apart from the ingest job's, so "the newest checkpoint" of each is unambiguous.
            c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDirectory(dir));
        }
        return c;
    }

    /** Where the rollup job's checkpoints go, below the pipeline's {@code checkpoint-dir}. */
    public static String checkpointDirectory(String pipelineCheckpointDir) {
        return pipelineCheckpointDir.replaceFirst("/+$", "") + "/rollups";
    }

    public static String jobName(PipelineConfig config) {
        return config.get(Pg2gpOptions.NAME) + "-rollups";
    }

    public static RollupRecomputer recomputer(PipelineConfig config) {
        List<RollupDefinition> rollups =
                RollupDefinitions.load(config.get(Pg2gpOptions.ROLLUP_DEFINITIONS_DIR));
        return new RollupRecomputer(rollups, config.get(Pg2gpOptions.WAREHOUSE_SCHEMA));
    }

    public static FeatureRecomputer featureRecomputer(PipelineConfig config) {
        return new FeatureRecomputer(
                FeatureDefinitions.load(config.get(Pg2gpOptions.ROLLUP_FEATURE_DEFINITIONS_DIR)),
                config.get(Pg2gpOptions.WAREHOUSE_SCHEMA));
    }

    /** The hours rollups are kept for ({@code rollup.hour-range.*}). */
    public static RollupHourRange hourRange(PipelineConfig config) {
        return RollupHourRange.parse(
                Pg2gpOptions.ROLLUP_HOUR_RANGE_FROM.key(),
                config.get(Pg2gpOptions.ROLLUP_HOUR_RANGE_FROM),
                Pg2gpOptions.ROLLUP_HOUR_RANGE_TO.key(),
                config.get(Pg2gpOptions.ROLLUP_HOUR_RANGE_TO));
    }

    /**
     * Checks the role's privileges (failing with the statements to run), creates the rollup tables
     * that are missing and (re)creates the dashboard views.
     */
    public static void prepare(PipelineConfig config) {
        PasswordCheck.warehouse(config);
        String schema = config.get(Pg2gpOptions.WAREHOUSE_SCHEMA);
        new RollupWarehouseSetup(
                        config.warehouseConnection(),
                        schema,
                        config.get(Pg2gpOptions.WAREHOUSE_BOOKKEEPING_SCHEMA),
                        RollupDefinitions.load(config.get(Pg2gpOptions.ROLLUP_DEFINITIONS_DIR)),
                        RollupDefinitions.views(schema),
                        featureRecomputer(config))
                .prepare();
    }

    public static void build(StreamExecutionEnvironment env, PipelineConfig config) {
        RollupHourRange hourRange = hourRange(config); // validated before anything runs
        String schema = config.get(Pg2gpOptions.WAREHOUSE_SCHEMA);
        var bookkeeping =
                new BookkeepingSchema(config.get(Pg2gpOptions.WAREHOUSE_BOOKKEEPING_SCHEMA));
        var poll = config.get(Pg2gpOptions.ROLLUP_POLL_INTERVAL);
        env.fromSource(
                        new TouchedHoursSource(
                                config.warehouseConnection(),
                                bookkeeping.schema(),
                                WarehouseTables.requestsAnalytical(schema).qualifiedName(),
                                poll),
                        WatermarkStrategy.noWatermarks(),
                        "Hours touched by ingest commits")
                .uid(SOURCE_UID)
                .setParallelism(1)
                .keyBy(hour -> 0, Types.INT)
                // the function in its own operator, for gauges right after a restore; same uid
                // and state as a plain process(), so savepoints still map
                .transform(
                        "Recompute dirty hours of every rollup",
                        Types.LONG,
                        new DirtyHoursFunction.Operator(
                                new DirtyHoursFunction(
                                        config.warehouseConnection(),
                                        recomputer(config),
                                        poll.toMillis(),
                                        config.get(Pg2gpOptions.ROLLUP_MAX_HOURS),
                                        hourRange)))
                .uid(RECOMPUTE_UID)
                .setParallelism(1)
                .sinkTo(new DiscardingSink<>())
                // the recompute writes the rollups itself; this counts the hours it recomputed
                .name("Recomputed hours (counted)")
                .setParallelism(1);
        features(env, config, bookkeeping);
    }

    /** Touched and stale users → dirty users → their features recomputed. */
    private static void features(
            StreamExecutionEnvironment env, PipelineConfig config, BookkeepingSchema bookkeeping) {
        FeatureRecomputer recomputer = featureRecomputer(config);
        if (recomputer.features().isEmpty()) {
            return;
        }
        String schema = config.get(Pg2gpOptions.WAREHOUSE_SCHEMA);
        var poll = config.get(Pg2gpOptions.ROLLUP_POLL_INTERVAL);
        env.fromSource(
                        new TouchedKeysSource(
                                config.warehouseConnection(),
                                bookkeeping.schema(),
                                WarehouseTables.requestsAnalytical(schema).qualifiedName(),
                                recomputer.staleKeysQuery(),
                                poll),
                        WatermarkStrategy.noWatermarks(),
                        "Users touched by ingest commits or stale",
                        Types.STRING)
                .uid(USERS_SOURCE_UID)
                .setParallelism(1)
                .keyBy(user -> 0, Types.INT)
                .transform(
                        "Recompute the features of dirty users",
                        Types.LONG,
                        new DirtyKeysFunction.Operator<>(
                                new DirtyKeysFunction<>(
                                        config.warehouseConnection(),
                                        recomputer,
                                        poll.toMillis(),
                                        config.get(Pg2gpOptions.ROLLUP_MAX_USERS),
                                        "dirty-users",
                                        Types.STRING,
                                        "Users")))
                .uid(FEATURES_UID)
                .setParallelism(1)
                .sinkTo(new DiscardingSink<>())
                .name("Recomputed users (counted)")
                .setParallelism(1);
    }
}
