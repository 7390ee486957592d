package io.pg2gp.jobs.settings;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.ExceptionUtils;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The restart strategy the jobs run with ({@link FlinkSettings#restartStrategy}), on a MiniCluster,
 * scaled down to milliseconds: a budget of 3 restarts in a row survives 11 failures spread out over
 * time (more than the old fixed budget of 10, which never reset), and a job failing on every start
 * still ends in FAILED.
 */
class RestartStrategyITCase {

    private static final int ATTEMPTS = 3;
    private static final long RESET_AFTER_MILLIS = 1000;

    private static final AtomicInteger CALLS = new AtomicInteger();

    private static Configuration flink() {
        Map<String, String> m = new HashMap<>();
        m.put("source.database", "app");
        m.put("source.user", "cdc");
        m.put("warehouse.url", "jdbc:postgresql://localhost/dw");
        m.put("warehouse.user", "loader");
        m.put("pipeline.restart.attempts", String.valueOf(ATTEMPTS));
        m.put("pipeline.restart.initial-delay", "20ms");
        m.put("pipeline.restart.max-delay", "100ms");
        m.put("pipeline.restart.reset-after", RESET_AFTER_MILLIS + "ms");
        return FlinkSettings.restartStrategy(PipelineConfig.fromMap(m));
    }

    /** One record through a map that fails its first {@code failures} calls. */
    private static void run(int failures, long millisBeforeEachFailure) throws Exception {
        CALLS.set(0);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(1, flink());
        env.fromSequence(1, 1)
                .map(new FailFirstCalls(failures, millisBeforeEachFailure))
                .sinkTo(new DiscardingSink<>());
        env.execute("restart strategy");
    }

    @Test
    void failuresSpreadOverTimeNeverExhaustTheBudget() throws Exception {
        int failures = 11; // the old strategy failed the job on the 11th
        // each failure comes more than reset-after after the restart before it: a new incident
        run(failures, RESET_AFTER_MILLIS + 200);
        assertThat(CALLS.get()).isEqualTo(failures + 1);
    }

    @Test
    void aJobFailingOnEveryStartEndsInFailed() {
        assertThatThrownBy(() -> run(Integer.MAX_VALUE, 0))
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.stringifyException(e))
                                        .contains("Recovery is suppressed")
                                        .contains("injected failure"));
        // the first failure and ATTEMPTS restarts in a row; more only if a redeploy took longer
        // than reset-after (then the budget starts over, and still runs out)
        assertThat(CALLS.get()).isGreaterThanOrEqualTo(ATTEMPTS + 1);
    }

    private static final class FailFirstCalls implements MapFunction<Long, Long> {
        private static final long serialVersionUID = 1L;
        private final int failures;
        private final long sleepMillis;

        FailFirstCalls(int failures, long sleepMillis) {
            this.failures = failures;
            this.sleepMillis = sleepMillis;
        }

        @Override
        public Long map(Long value) throws Exception {
            if (CALLS.incrementAndGet() <= failures) {
                Thread.sleep(sleepMillis);
                throw new IllegalStateException("injected failure " + CALLS.get());
            }
            return value;
        }
    }
}
