package io.pg2gp.jobs.settings;

import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.CheckpointingMode;

import java.time.Duration;

/**
 * The Flink settings both jobs run with, derived from the pipeline file. Kept apart from the ingest
 * topology so the rollup job's jar, which ships without Flink CDC, can load it.
 */
public final class FlinkSettings {

    private FlinkSettings() {}

    /**
     * Flink settings the pipeline depends on: exactly-once checkpoints, bounded restarts, no Kryo.
     */
    public static Configuration of(PipelineConfig config) {
        Configuration c = new Configuration();
        Duration interval = config.get(Pg2gpOptions.CHECKPOINT_INTERVAL);
        c.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, interval);
        // Flink fires the first checkpoint at a random delay in [min-pause, interval] after the job
        // is scheduled, often before its tasks are running (a failed checkpoint at every start);
        // a full interval of pause also keeps applies from running back to back after a slow one.
        c.set(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS, interval);
        c.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        // The sink gathers each checkpoint's batches before the barrier: aligned checkpoints only.
        c.set(CheckpointingOptions.ENABLE_UNALIGNED, false);
        c.set(
                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        String dir = config.get(Pg2gpOptions.CHECKPOINT_DIR);
        if (dir != null) {
            c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir);
        }
        c.addAll(restartStrategy(config));
        c.set(org.apache.flink.configuration.PipelineOptions.GENERIC_TYPES, false);
        // No operator keeps or mutates a record it emitted or received from a chained operator,
        // so records pass along chains without a copy (2.6% of the job's CPU in a profile).
        c.set(org.apache.flink.configuration.PipelineOptions.OBJECT_REUSE, true);
        c.set(org.apache.flink.configuration.PipelineOptions.NAME, config.get(Pg2gpOptions.NAME));
        c.set(
                org.apache.flink.configuration.PipelineOptions.MAX_PARALLELISM,
                config.get(Pg2gpOptions.MAX_PARALLELISM));
        c.set(
                org.apache.flink.configuration.ExecutionOptions.RUNTIME_MODE,
                RuntimeExecutionMode.STREAMING);
        return c;
    }

    /**
     * Exponential delay with a reset: restarts in a row wait longer and longer (a TaskManager that
     * is gone for a minute costs a handful of attempts, not one every few seconds) and count
     * against {@code pipeline.restart.attempts}; a job that ran {@code
     * pipeline.restart.reset-after} since its last restart starts afresh, so separate outages never
     * add up, while a source that fails on every start ends the job in FAILED.
     */
    public static Configuration restartStrategy(PipelineConfig config) {
        Configuration c = new Configuration();
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        c.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF,
                config.get(Pg2gpOptions.RESTART_DELAY));
        c.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF,
                config.get(Pg2gpOptions.RESTART_MAX_DELAY));
        c.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER,
                config.get(Pg2gpOptions.RESTART_DELAY_MULTIPLIER));
        c.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD,
                config.get(Pg2gpOptions.RESTART_RESET_AFTER));
        c.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS,
                config.get(Pg2gpOptions.RESTART_ATTEMPTS));
        // Flink's default: the jobs of one cluster do not all hammer a recovering database at once.
        c.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR, 0.1);
        return c;
    }
}
