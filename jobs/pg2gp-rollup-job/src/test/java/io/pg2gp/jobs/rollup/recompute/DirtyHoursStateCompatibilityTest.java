package io.pg2gp.jobs.rollup.recompute;

import io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.Backend;
import io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.Fixture;
import io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.Subtask;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.DELAY_MILLIS;
import static io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.H1;
import static io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.H2;
import static io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.H3;
import static io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.SNAPSHOT_TIME;
import static io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.SQL;
import static io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.TIMER;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The current code restores the dirty hours and the recompute timer an earlier build wrote
 * (fixtures in {@code src/test/resources/state-fixtures}, written deliberately by {@link
 * DirtyHoursStateFixtureGenerator}), and recomputes exactly those hours when the timer fires. The
 * recompute's SQL goes to a recording JDBC driver, so no warehouse is needed.
 */
class DirtyHoursStateCompatibilityTest {

    private Subtask subtask;

    /** Each fixture on its own backend and on the other one. */
    static Stream<Arguments> restores() {
        return Fixture.all()
                .flatMap(
                        f ->
                                Stream.of(
                                        Arguments.of(f, f.backend()),
                                        Arguments.of(
                                                f,
                                                f.backend() == Backend.HEAP
                                                        ? Backend.ROCKSDB
                                                        : Backend.HEAP)));
    }

    @BeforeEach
    void clearRecording() {
        SQL.clear();
    }

    @AfterEach
    void close() throws Exception {
        if (subtask != null) {
            subtask.close();
        }
    }

    private void restore(Fixture written, Backend restoredOn) throws Exception {
        Path path = Path.of(getClass().getClassLoader().getResource(written.resource()).toURI());
        OperatorSubtaskState state = OperatorSnapshotUtil.readStateHandle(path.toString());
        subtask = new Subtask(restoredOn);
        subtask.harness.initializeState(state);
        subtask.harness.open();
        subtask.harness.setProcessingTime(SNAPSHOT_TIME);
    }

    /** The hour predicates of the recomputes sent so far, one per transaction. */
    private static List<String> recomputed() {
        return SQL.stream()
                .filter(s -> s.startsWith("SELECT count(*)"))
                .map(s -> s.substring(s.indexOf(" WHERE ") + 7, s.indexOf(" AND NOT _deleted")))
                .toList();
    }

    private static String range(long from, long to) {
        return "(created_at >= timestamptz '"
                + Instant.ofEpochMilli(from)
                + "' AND created_at < timestamptz '"
                + Instant.ofEpochMilli(to)
                + "')";
    }

    private static final long HOUR = 3_600_000;

    @ParameterizedTest(name = "{0} fixture on {1}")
    @MethodSource("restores")
    void theRestoredTimerRecomputesTheRestoredHours(Fixture written, Backend restoredOn)
            throws Exception {
        restore(written, restoredOn);
        assertThat(subtask.harness.numProcessingTimeTimers()).isEqualTo(1);
        subtask.harness.setProcessingTime(TIMER - 1);
        assertThat(recomputed()).isEmpty();
        subtask.harness.setProcessingTime(TIMER);
        // at most two hours a transaction, in hour order; H1 and H2 are one range
        assertThat(recomputed())
                .containsExactly(
                        "(" + range(H1, H2 + HOUR) + ")", "(" + range(H3, H3 + HOUR) + ")");
        assertThat(subtask.metrics.count("pg2gpRecomputes")).isEqualTo(2);
        assertThat(subtask.metrics.count("pg2gpRecomputedHours")).isEqualTo(3);
        assertThat(subtask.harness.numProcessingTimeTimers()).isZero();
        assertThat(subtask.harness.extractOutputValues()).isEmpty(); // nothing goes downstream
    }

    @ParameterizedTest(name = "{0} fixture on {1}")
    @MethodSource("restores")
    void aHourDirtiedAfterTheRestoreJoinsTheRestoredTimer(Fixture written, Backend restoredOn)
            throws Exception {
        restore(written, restoredOn);
        long h4 = H3 + HOUR;
        subtask.harness.processElement(h4, 0);
        subtask.harness.processElement(H2, 0); // already pending
        assertThat(subtask.harness.numProcessingTimeTimers())
                .as("the restored timer state keeps a second timer from being registered")
                .isEqualTo(1);
        subtask.harness.setProcessingTime(TIMER);
        assertThat(recomputed())
                .containsExactly(
                        "(" + range(H1, H2 + HOUR) + ")", "(" + range(H3, h4 + HOUR) + ")");
        assertThat(subtask.metrics.count("pg2gpRecomputedHours")).isEqualTo(4);
    }

    @ParameterizedTest(name = "{0} fixture on {1}")
    @MethodSource("restores")
    void recomputedHoursLeaveTheStateAndTheNextHourGetsItsOwnTimer(
            Fixture written, Backend restoredOn) throws Exception {
        restore(written, restoredOn);
        subtask.harness.setProcessingTime(TIMER);
        SQL.clear();
        long h5 = H3 + 5 * HOUR;
        subtask.harness.processElement(h5, 0);
        assertThat(subtask.harness.numProcessingTimeTimers()).isEqualTo(1);
        subtask.harness.setProcessingTime(TIMER + DELAY_MILLIS - 1);
        assertThat(recomputed()).isEmpty();
        subtask.harness.setProcessingTime(TIMER + DELAY_MILLIS);
        assertThat(recomputed()).containsExactly("(" + range(h5, h5 + HOUR) + ")");
    }
}
