package io.pg2gp.jobs.ingest.enrich;

import io.pg2gp.connector.cdc.ChangeOp;
import io.pg2gp.jobs.ingest.StateFixtures.Backend;
import io.pg2gp.jobs.ingest.StateFixtures.Fixture;
import io.pg2gp.jobs.ingest.enrich.EnrichmentStateFixture.Subtask;
import io.pg2gp.jobs.ingest.model.EnrichedRequest;
import io.pg2gp.jobs.ingest.model.SourceChange;

import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.pg2gp.jobs.ingest.enrich.EnrichmentStateFixture.DELETED;
import static io.pg2gp.jobs.ingest.enrich.EnrichmentStateFixture.KNOWN;
import static io.pg2gp.jobs.ingest.enrich.EnrichmentStateFixture.MAX_PARALLELISM;
import static io.pg2gp.jobs.ingest.enrich.EnrichmentStateFixture.MISSED;
import static io.pg2gp.jobs.ingest.enrich.EnrichmentStateFixture.SETTINGS;
import static io.pg2gp.jobs.ingest.enrich.EnrichmentStateFixture.SNAPSHOT_TIME;
import static io.pg2gp.jobs.ingest.enrich.EnrichmentStateFixture.WAITING;
import static io.pg2gp.jobs.ingest.enrich.EnrichmentStateFixture.WAITING_TIMER;
import static io.pg2gp.jobs.ingest.enrich.EnrichmentStateFixture.request;
import static io.pg2gp.jobs.ingest.enrich.EnrichmentStateFixture.user;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The current code restores the enrichment state an earlier build wrote: savepoint fixtures in
 * {@code src/test/resources/state-fixtures} (see {@link EnrichmentStateFixture} for what they hold
 * and {@link RequestEnrichmentStateFixtureGenerator} for how they are written, deliberately). Each
 * fixture is restored on its own backend at parallelism 1 and rescaled to 2, and across backends
 * (canonical savepoints allow switching).
 */
class RequestEnrichmentStateCompatibilityTest {

    private final List<Subtask> subtasks = new ArrayList<>();

    /** Each fixture on its own backend at parallelism 1 and 2, and on the other backend. */
    static Stream<Arguments> restores() {
        return EnrichmentStateFixture.all()
                .flatMap(
                        f ->
                                Stream.of(
                                        Arguments.of(f, f.backend(), 1),
                                        Arguments.of(f, f.backend(), 2),
                                        Arguments.of(
                                                f,
                                                f.backend() == Backend.HEAP
                                                        ? Backend.ROCKSDB
                                                        : Backend.HEAP,
                                                1)));
    }

    @AfterEach
    void close() throws Exception {
        for (Subtask s : subtasks) {
            s.close();
        }
    }

    private void restore(Fixture written, Backend restoredOn, int parallelism) throws Exception {
        restore(written, restoredOn, parallelism, SETTINGS);
    }

    private void restore(
            Fixture written, Backend restoredOn, int parallelism, EnrichmentSettings settings)
            throws Exception {
        Path path = Path.of(getClass().getClassLoader().getResource(written.resource()).toURI());
        OperatorSubtaskState state = OperatorSnapshotUtil.readStateHandle(path.toString());
        for (int i = 0; i < parallelism; i++) {
            Subtask s = new Subtask(restoredOn, settings, parallelism, i);
            subtasks.add(s);
            s.harness.initializeState(
                    AbstractStreamOperatorTestHarness.repartitionOperatorState(
                            state, MAX_PARALLELISM, 1, parallelism, i));
            s.harness.open();
            s.setTime(SNAPSHOT_TIME);
        }
    }

    /** Sends the change to the subtask owning its key, as the keyBy would. */
    private void push(SourceChange c) throws Exception {
        int owner =
                KeyGroupRangeAssignment.assignKeyToParallelOperator(
                        c.userKey(), MAX_PARALLELISM, subtasks.size());
        subtasks.get(owner).harness.processElement(c, 0);
    }

    private void setTime(long millis) throws Exception {
        for (Subtask s : subtasks) {
            s.setTime(millis);
        }
    }

    private List<EnrichedRequest> drain() {
        List<EnrichedRequest> out = new ArrayList<>();
        for (Subtask s : subtasks) {
            out.addAll(s.harness.extractOutputValues());
            s.harness.getOutput().clear();
        }
        return out;
    }

    private long count(String metric) {
        return subtasks.stream().mapToLong(s -> s.metrics.count(metric)).sum();
    }

    private int timers() {
        return subtasks.stream().mapToInt(s -> s.harness.numProcessingTimeTimers()).sum();
    }

    @SuppressWarnings("unchecked")
    private static long waitingGauge(Subtask s) {
        return ((Gauge<Long>) s.metrics.get("pg2gpEnrichWaiting")).getValue();
    }

    /** {@code pg2gpEnrichWaiting} of each subtask, in subtask order. */
    private List<Long> waitingGauges() {
        return subtasks.stream()
                .map(RequestEnrichmentStateCompatibilityTest::waitingGauge)
                .toList();
    }

    /** What each subtask's gauge must read: the changes waiting for the users it owns. */
    private List<Long> waitingOwnedBy(Map<String, Integer> waitingPerUser) {
        Long[] expected = new Long[subtasks.size()];
        Arrays.fill(expected, 0L);
        waitingPerUser.forEach(
                (u, n) ->
                        expected[
                                        KeyGroupRangeAssignment.assignKeyToParallelOperator(
                                                u, MAX_PARALLELISM, subtasks.size())] +=
                                n);
        return List.of(expected);
    }

    /** Savepoints every subtask and restores the state into {@code parallelism} new ones. */
    private void rescale(Backend backend, int parallelism) throws Exception {
        OperatorSubtaskState[] states = new OperatorSubtaskState[subtasks.size()];
        for (int i = 0; i < states.length; i++) {
            states[i] = subtasks.get(i).savepoint(2);
        }
        OperatorSubtaskState all = AbstractStreamOperatorTestHarness.repackageState(states);
        close();
        subtasks.clear();
        for (int i = 0; i < parallelism; i++) {
            Subtask s = new Subtask(backend, SETTINGS, parallelism, i);
            subtasks.add(s);
            s.harness.initializeState(
                    AbstractStreamOperatorTestHarness.repartitionOperatorState(
                            all, MAX_PARALLELISM, states.length, parallelism, i));
            s.harness.open();
            s.setTime(SNAPSHOT_TIME);
        }
    }

    private static List<String> idStatusEmail(List<EnrichedRequest> out) {
        return out.stream()
                .map(e -> e.request.id + "/" + e.request.status + "/" + e.userEmail)
                .toList();
    }

    @ParameterizedTest(name = "{0} fixture on {1}, parallelism {2}")
    @MethodSource("restores")
    void theRestoredStateHoldsEveryKindOfEntry(Fixture written, Backend restoredOn, int p)
            throws Exception {
        restore(written, restoredOn, p);
        assertThat(timers()).as("the wait of %s", WAITING).isEqualTo(1);
        if (restoredOn == Backend.HEAP) { // RocksDB does not count its entries
            assertThat(subtasks).allMatch(s -> s.harness.numKeyedStateEntries() > 0);
        }
        // a rescale really splits the fixture's users over the subtasks
        assertThat(
                        Stream.of(KNOWN, WAITING, MISSED, DELETED)
                                .map(
                                        u ->
                                                KeyGroupRangeAssignment.assignKeyToParallelOperator(
                                                        u, MAX_PARALLELISM, p))
                                .distinct())
                .hasSize(p);
        assertThat(drain()).isEmpty();
    }

    @ParameterizedTest(name = "{0} fixture on {1}, parallelism {2}")
    @MethodSource("restores")
    void aKnownUserStillEnrichesANewRequest(Fixture written, Backend restoredOn, int p)
            throws Exception {
        restore(written, restoredOn, p);
        push(request(ChangeOp.INSERT, "r1b", KNOWN, "pending", 200));
        List<EnrichedRequest> out = drain();
        assertThat(idStatusEmail(out)).containsExactly("r1b/pending/known@x");
        assertThat(out.get(0).userRole).isEqualTo("admin");
        assertThat(out.get(0).agentUsed).isEqualTo("QA");
        assertThat(count("pg2gpEnriched")).isEqualTo(1);
        assertThat(count("pg2gpEnrichMissed")).isZero();
    }

    @ParameterizedTest(name = "{0} fixture on {1}, parallelism {2}")
    @MethodSource("restores")
    void waitingRequestsLeaveEnrichedInOrderWhenTheirUserArrives(
            Fixture written, Backend restoredOn, int p) throws Exception {
        restore(written, restoredOn, p);
        assertThat(waitingGauges())
                .as("right after the restore, per subtask")
                .isEqualTo(waitingOwnedBy(Map.of(WAITING, 3)));
        push(user(ChangeOp.INSERT, WAITING, "waiting@x", 201));
        List<EnrichedRequest> out = drain();
        assertThat(idStatusEmail(out))
                .containsExactly(
                        "r2a/pending/waiting@x", "r2a/success/waiting@x", "r2b/pending/waiting@x");
        assertThat(out).extracting(e -> e.lsn).containsExactly(105L, 106L, 107L);
        assertThat(count("pg2gpEnriched")).isEqualTo(3);
        assertThat(count("pg2gpEnrichMissed")).isZero();
        assertThat(waitingGauges()).as("drained").containsOnly(0L);
        // the restored timer still fires, with nothing left to write
        setTime(WAITING_TIMER);
        assertThat(timers()).isZero();
        assertThat(drain()).isEmpty();
    }

    @ParameterizedTest(name = "{0} fixture on {1}, parallelism {2}")
    @MethodSource("restores")
    void theRestoredTimerWritesTheWaitingRequestsAndTheyAreRepairedLater(
            Fixture written, Backend restoredOn, int p) throws Exception {
        restore(written, restoredOn, p);
        setTime(WAITING_TIMER - 1);
        assertThat(drain()).isEmpty();
        setTime(WAITING_TIMER);
        List<EnrichedRequest> early = drain();
        assertThat(idStatusEmail(early))
                .containsExactly("r2a/pending/null", "r2a/success/null", "r2b/pending/null");
        assertThat(early).noneMatch(e -> e.userKnown);
        assertThat(count("pg2gpEnrichMissed")).isEqualTo(3);
        assertThat(timers()).isZero();
        assertThat(waitingGauges()).as("drained by the timer").containsOnly(0L);
        // overdue now: a further change goes out at once
        push(request(ChangeOp.UPDATE, "r2b", WAITING, "success", 202));
        assertThat(idStatusEmail(drain())).containsExactly("r2b/success/null");
        push(user(ChangeOp.INSERT, WAITING, "waiting@x", 203));
        List<EnrichedRequest> repaired = drain();
        assertThat(idStatusEmail(repaired))
                .containsExactlyInAnyOrder("r2a/success/waiting@x", "r2b/success/waiting@x");
        assertThat(repaired).extracting(e -> e.lsn).containsExactlyInAnyOrder(106L, 202L);
        assertThat(count("pg2gpEnrichRepaired")).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0} fixture on {1}, parallelism {2}")
    @MethodSource("restores")
    void theMissedRequestIsRepairedWhenItsUserArrives(Fixture written, Backend restoredOn, int p)
            throws Exception {
        restore(written, restoredOn, p);
        // the user is still overdue: its next request does not wait
        push(request(ChangeOp.INSERT, "r3b", MISSED, "pending", 204));
        assertThat(idStatusEmail(drain())).containsExactly("r3b/pending/null");
        assertThat(timers()).isEqualTo(1);
        push(user(ChangeOp.INSERT, MISSED, "missed@x", 205));
        List<EnrichedRequest> repaired = drain();
        assertThat(idStatusEmail(repaired))
                .containsExactlyInAnyOrder("r3/pending/missed@x", "r3b/pending/missed@x");
        assertThat(repaired).extracting(e -> e.lsn).containsExactlyInAnyOrder(102L, 204L);
        assertThat(count("pg2gpEnrichRepaired")).isEqualTo(2);
        assertThat(count("pg2gpEnrichMissed")).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0} fixture on {1}, parallelism {2}")
    @MethodSource("restores")
    void theMissedRequestStillExpiresAfterTheRepairRetention(
            Fixture written, Backend restoredOn, int p) throws Exception {
        restore(written, restoredOn, p);
        for (Subtask s : subtasks) {
            // the TTL clock only: the restored write time plus the retention has passed
            s.harness.setStateTtlProcessingTime(
                    SNAPSHOT_TIME + SETTINGS.repairRetention().toMillis());
        }
        push(user(ChangeOp.INSERT, MISSED, "missed@x", 205));
        assertThat(drain()).isEmpty();
        assertThat(count("pg2gpEnrichRepaired")).isZero();
    }

    @ParameterizedTest(name = "{0} fixture on {1}, parallelism {2}")
    @MethodSource("restores")
    void aLongerRetentionAfterTheRestoreKeepsTheMissedRequest(
            Fixture written, Backend restoredOn, int p) throws Exception {
        EnrichmentSettings longer =
                new EnrichmentSettings(
                        SETTINGS.maxWait(),
                        SETTINGS.maxWaitingPerUser(),
                        Duration.ofDays(7),
                        SETTINGS.zone());
        restore(written, restoredOn, p, longer);
        for (Subtask s : subtasks) {
            s.harness.setStateTtlProcessingTime(
                    SNAPSHOT_TIME + SETTINGS.repairRetention().toMillis());
        }
        push(user(ChangeOp.INSERT, MISSED, "missed@x", 205));
        assertThat(idStatusEmail(drain())).containsExactly("r3/pending/missed@x");
    }

    @ParameterizedTest(name = "{0} fixture on {1}, parallelism {2}")
    @MethodSource("restores")
    void aDeletedUserStaysDeletedAndAnOlderVersionReplayedIsIgnored(
            Fixture written, Backend restoredOn, int p) throws Exception {
        restore(written, restoredOn, p);
        push(user(ChangeOp.INSERT, DELETED, "deleted@x", 103)); // older than the restored delete
        push(request(ChangeOp.INSERT, "r4", DELETED, "pending", 206));
        assertThat(drain()).as("r4 waits: its user is unknown").isEmpty();
        assertThat(timers()).isEqualTo(2);
        assertThat(waitingGauges()).isEqualTo(waitingOwnedBy(Map.of(WAITING, 3, DELETED, 1)));
        push(user(ChangeOp.INSERT, DELETED, "again@x", 207));
        assertThat(idStatusEmail(drain())).containsExactly("r4/pending/again@x");
        assertThat(waitingGauges()).isEqualTo(waitingOwnedBy(Map.of(WAITING, 3)));
    }

    @ParameterizedTest(name = "{0} fixture on {1}, parallelism {2}")
    @MethodSource("restores")
    void theWaitingGaugeOfEachSubtaskIsExactAfterARescale(
            Fixture written, Backend restoredOn, int p) throws Exception {
        restore(written, restoredOn, p);
        push(request(ChangeOp.INSERT, "r4", DELETED, "pending", 206)); // waits too
        for (int parallelism : new int[] {3, 1}) {
            rescale(restoredOn, parallelism);
            assertThat(waitingGauges())
                    .as("rescaled to %d", parallelism)
                    .isEqualTo(waitingOwnedBy(Map.of(WAITING, 3, DELETED, 1)));
        }
        push(user(ChangeOp.INSERT, WAITING, "waiting@x", 201));
        push(user(ChangeOp.INSERT, DELETED, "again@x", 207));
        assertThat(idStatusEmail(drain()))
                .containsExactly(
                        "r2a/pending/waiting@x",
                        "r2a/success/waiting@x",
                        "r2b/pending/waiting@x",
                        "r4/pending/again@x");
        assertThat(waitingGauges()).as("drained").containsOnly(0L);
    }
}
