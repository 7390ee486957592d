package io.pg2gp.jobs.settings;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FlinkSettingsTest {

    private static PipelineConfig config(String... keyValues) {
        Map<String, String> m = new HashMap<>();
        m.put("source.database", "app");
        m.put("source.user", "cdc");
        m.put("warehouse.url", "jdbc:postgresql://localhost/dw");
        m.put("warehouse.user", "loader");
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return PipelineConfig.fromMap(m);
    }

    @Test
    void restartsAreExponentialWithAResetByDefault() {
        Configuration c = FlinkSettings.of(config());
        assertThat(c.get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("exponential-delay");
        assertThat(c.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF))
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(c.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF))
                .isEqualTo(Duration.ofMinutes(5));
        assertThat(
                        c.get(
                                RestartStrategyOptions
                                        .RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER))
                .isEqualTo(2.0);
        assertThat(
                        c.get(
                                RestartStrategyOptions
                                        .RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD))
                .isEqualTo(Duration.ofMinutes(15));
        assertThat(c.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS))
                .isEqualTo(20);
        // the budget of one incident: about an hour of failures in a row, then FAILED
        double waited = 0;
        double delay = 1;
        for (int i = 0; i < 20; i++) {
            waited += delay;
            delay = Math.min(300, delay * 2);
        }
        assertThat(waited / 60).isBetween(45.0, 75.0);
    }

    @Test
    void settingsReachFlinkAndTheOldDelayKeyStillReads() {
        Configuration c =
                FlinkSettings.of(
                        config(
                                "pipeline.restart.delay", "3s",
                                "pipeline.restart.attempts", "7",
                                "pipeline.restart.max-delay", "1min",
                                "pipeline.restart.delay-multiplier", "1.5",
                                "pipeline.restart.reset-after", "2min"));
        assertThat(c.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF))
                .isEqualTo(Duration.ofSeconds(3));
        assertThat(c.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS))
                .isEqualTo(7);
        assertThat(c.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF))
                .isEqualTo(Duration.ofMinutes(1));
        assertThat(
                        c.get(
                                RestartStrategyOptions
                                        .RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER))
                .isEqualTo(1.5);
    }

    @Test
    void aCheckpointStartsAFullIntervalAfterTheJobAndAfterThePreviousOne() {
        Configuration c = FlinkSettings.of(config("pipeline.checkpoint-interval", "7s"));
        assertThat(c.get(CheckpointingOptions.CHECKPOINTING_INTERVAL))
                .isEqualTo(Duration.ofSeconds(7));
        // Flink's first trigger comes at a random delay in [min-pause, interval]
        assertThat(c.get(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS))
                .isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void nonsensicalDelaysAreRejected() {
        assertThatThrownBy(() -> config("pipeline.restart.reset-after", "0s"))
                .hasMessageContaining("pipeline.restart.reset-after");
        assertThatThrownBy(() -> config("pipeline.restart.delay-multiplier", "0.5"))
                .hasMessageContaining("delay-multiplier");
        assertThatThrownBy(
                        () ->
                                config(
                                        "pipeline.restart.initial-delay", "10min",
                                        "pipeline.restart.max-delay", "5min"))
                .hasMessageContaining("initial-delay");
    }
}
