package io.pg2gp.jobs.rollup.recompute;

import io.pg2gp.jobs.ingest.PipelineTestEnvironment;
import io.pg2gp.jobs.ingest.StateFixtures.Backend;
import io.pg2gp.jobs.ingest.StateFixtures.Fixture;
import io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.Subtask;
import io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.Warehouse;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.DELAY_MILLIS;
import static io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.H1;
import static io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.H2;
import static io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.H3;
import static io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.HOUR;
import static io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.PENDING_SINCE;
import static io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.SNAPSHOT_TIME;
import static io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.TIMER;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The current code restores the dirty hours and the recompute timer an earlier build wrote
 * (fixtures in {@code src/test/resources/state-fixtures}, written deliberately by {@link
 * DirtyHoursStateFixtureGenerator}), and recomputes exactly those hours into a real PostgreSQL
 * warehouse when the timer fires: the rollup rows of the restored hours then equal an aggregate
 * over the fact table written here independently of the rollups' own SELECTs, and the rows of the
 * hours that are not dirty stay as they were.
 */
class DirtyHoursStateCompatibilityITCase {

    /** The hours the fact table has rows in: the dirty ones and neighbours that are not. */
    private static final long FIRST_HOUR = H1 - HOUR;

    private static final int HOURS = 10;

    /** The rows of every rollup, as the rollup tables hold them. */
    private static final List<String> ROLLUPS =
            List.of(
                    "SELECT hour, agent, requests_count, avg_execution_time, total_tokens,"
                            + " unique_users, p95_latency, sum_latency_ms, latency_samples"
                            + " FROM public.rollup_hourly_agent_stats",
                    "SELECT hour, user_id, requests, total_tokens, sum_latency_ms,"
                            + " latency_samples, errors, slow_requests, agents_used"
                            + " FROM public.rollup_hourly_user_activity");

    /** The same rows computed from the fact table here, not by the rollups' SELECTs. */
    private static final List<String> FROM_FACTS =
            List.of(
                    "SELECT date_trunc('hour', created_at), response ->> 'agent_used', count(*),"
                            + " avg(execution_time_ms), sum(tokens_used), count(DISTINCT user_id),"
                            + " percentile_cont(0.95) WITHIN GROUP (ORDER BY execution_time_ms),"
                            + " sum(execution_time_ms), count(execution_time_ms)"
                            + " FROM public.requests_analytical WHERE NOT _deleted AND %s"
                            + " GROUP BY 1, 2",
                    "SELECT date_trunc('hour', created_at), user_id, count(*), sum(tokens_used),"
                            + " sum(execution_time_ms), count(execution_time_ms),"
                            + " count(*) FILTER (WHERE status = 'error'),"
                            + " count(*) FILTER (WHERE execution_time_ms > 5000),"
                            + " array_agg(DISTINCT response ->> 'agent_used'"
                            + " ORDER BY response ->> 'agent_used')"
                            + " FROM public.requests_analytical WHERE NOT _deleted AND %s"
                            + " GROUP BY 1, 2");

    private Warehouse warehouse;
    private Subtask subtask;

    /** Each fixture on its own backend and on the other one. */
    static Stream<Arguments> restores() {
        return DirtyHoursStateFixture.all()
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

    /**
     * Fact rows in every hour from {@link #FIRST_HOUR} on (several agents and users, some errors,
     * slow and deleted rows), and in both rollups one stale row per hour that only a recompute of
     * the hour replaces.
     */
    @BeforeEach
    void warehouse() throws Exception {
        warehouse = new Warehouse();
        try (Connection c = warehouse.connect();
                Statement s = c.createStatement()) {
            s.execute(
                    "INSERT INTO public.requests_analytical (id, user_id, response, agent_used,"
                            + " tokens_used, execution_time_ms, status, created_at, _cdc_lsn,"
                            + " _cdc_op, _deleted) SELECT gen_random_uuid(),"
                            + " md5((g % 7)::text)::uuid,"
                            + " jsonb_build_object('agent_used', 'agent-' || g % 3),"
                            + " 'agent-' || g % 3, g % 100, (g * 373) % 9000,"
                            + " CASE WHEN g % 5 = 0 THEN 'error' ELSE 'success' END, "
                            + at(FIRST_HOUR)
                            + " + g * interval '7 minutes', g, 'c', g % 11 = 0"
                            + " FROM generate_series(0, "
                            + (HOURS * 60 / 7)
                            + ") g");
            s.execute(
                    "INSERT INTO public.rollup_hourly_agent_stats (hour, agent, requests_count,"
                            + " unique_users, latency_samples) SELECT h, 'stale', -1, -1, -1 FROM"
                            + " generate_series("
                            + at(FIRST_HOUR)
                            + ", "
                            + at(FIRST_HOUR + (HOURS - 1) * HOUR)
                            + ", interval '1 hour') h");
            s.execute(
                    "INSERT INTO public.rollup_hourly_user_activity (hour, requests,"
                            + " latency_samples, errors, slow_requests) SELECT h, -1, -1, -1, -1"
                            + " FROM generate_series("
                            + at(FIRST_HOUR)
                            + ", "
                            + at(FIRST_HOUR + (HOURS - 1) * HOUR)
                            + ", interval '1 hour') h");
        }
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
        subtask = new Subtask(restoredOn, warehouse);
        subtask.harness.initializeState(state);
        subtask.harness.open();
        subtask.harness.setProcessingTime(SNAPSHOT_TIME);
    }

    private static String at(long millis) {
        return "timestamptz '" + Instant.ofEpochMilli(millis) + "'";
    }

    private static String hourIn(String column, Collection<Long> hours) {
        return "date_trunc('hour', "
                + column
                + ") IN ("
                + hours.stream()
                        .map(DirtyHoursStateCompatibilityITCase::at)
                        .collect(Collectors.joining(", "))
                + ")";
    }

    /** Every rollup's rows of the given hours (or of all other hours), in order. */
    private List<List<String>> rollupRows(Collection<Long> hours, boolean in) throws Exception {
        String where = (in ? "" : "NOT ") + hourIn("hour", hours);
        List<List<String>> out = new ArrayList<>();
        for (String select : ROLLUPS) {
            out.add(
                    PipelineTestEnvironment.rows(
                            warehouse.connect(),
                            select + " WHERE " + where + " ORDER BY 1, 2 NULLS FIRST"));
        }
        return out;
    }

    /** Every rollup's rows of the given hours as computed here from the fact table. */
    private List<List<String>> fromFacts(Collection<Long> hours) throws Exception {
        List<List<String>> out = new ArrayList<>();
        for (String select : FROM_FACTS) {
            out.add(
                    PipelineTestEnvironment.rows(
                            warehouse.connect(),
                            select.formatted(hourIn("created_at", hours))
                                    + " ORDER BY 1, 2 NULLS FIRST"));
        }
        return out;
    }

    /**
     * The rollup rows of {@code recomputed} equal the facts; all other hours' rows {@code rest}.
     */
    private void assertRecomputed(Collection<Long> recomputed, List<List<String>> rest)
            throws Exception {
        List<List<String>> expected = fromFacts(recomputed);
        assertThat(expected).allSatisfy(rows -> assertThat(rows).isNotEmpty());
        assertThat(expected.get(0))
                .as("every recomputed hour has facts")
                .extracting(r -> r.substring(0, r.indexOf(" | ")))
                .containsAll(
                        recomputed.stream()
                                .map(h -> Instant.ofEpochMilli(h).toString())
                                .map(h -> h.replace('T', ' ').replace("Z", "+00"))
                                .toList());
        assertThat(rollupRows(recomputed, true)).isEqualTo(expected);
        assertThat(rollupRows(recomputed, false)).as("the hours not dirty").isEqualTo(rest);
    }

    /** Every rollup's rows of every hour but the given ones, before anything is recomputed. */
    private List<List<String>> untouched(Collection<Long> hours) throws Exception {
        List<List<String>> rows = rollupRows(hours, false);
        assertThat(rows).allSatisfy(r -> assertThat(r).isNotEmpty());
        return rows;
    }

    private long gauge(String name) {
        return subtask.metrics.gauge(name);
    }

    /** The pending gauges right after the restore, before any input: the restored 3 hours. */
    private void assertRestoredGauges() {
        long before = System.currentTimeMillis();
        long age = gauge("pg2gpOldestPendingAgeMillis");
        long after = System.currentTimeMillis();
        assertThat(gauge("pg2gpDirtyHoursPending")).isEqualTo(3);
        assertThat(age).isBetween(before - PENDING_SINCE, after - PENDING_SINCE);
    }

    private void assertDrainedGauges() {
        assertThat(gauge("pg2gpDirtyHoursPending")).isZero();
        assertThat(gauge("pg2gpOldestPendingAgeMillis")).isZero();
    }

    @ParameterizedTest(name = "{0} fixture on {1}")
    @MethodSource("restores")
    void theRestoredTimerRecomputesTheRestoredHours(Fixture written, Backend restoredOn)
            throws Exception {
        List<Long> dirty = List.of(H1, H2, H3);
        List<List<String>> rest = untouched(dirty);
        List<List<String>> stale = rollupRows(dirty, true);
        restore(written, restoredOn);
        assertRestoredGauges();
        assertThat(subtask.harness.numProcessingTimeTimers()).isEqualTo(1);
        subtask.harness.setProcessingTime(TIMER - 1);
        assertThat(rollupRows(dirty, true)).as("not yet recomputed").isEqualTo(stale);
        assertRestoredGauges();
        subtask.harness.setProcessingTime(TIMER);
        assertRecomputed(dirty, rest);
        // at most two hours a transaction: H1 and H2, then H3
        assertThat(subtask.metrics.count("pg2gpRecomputes")).isEqualTo(2);
        assertThat(subtask.metrics.count("pg2gpRecomputedHours")).isEqualTo(3);
        assertThat(subtask.harness.numProcessingTimeTimers()).isZero();
        assertThat(subtask.harness.extractOutputValues()).isEmpty(); // nothing goes downstream
        assertDrainedGauges();
    }

    @ParameterizedTest(name = "{0} fixture on {1}")
    @MethodSource("restores")
    void aHourDirtiedAfterTheRestoreJoinsTheRestoredTimer(Fixture written, Backend restoredOn)
            throws Exception {
        long h4 = H3 + HOUR;
        List<Long> dirty = List.of(H1, H2, H3, h4);
        List<List<String>> rest = untouched(dirty);
        restore(written, restoredOn);
        assertRestoredGauges();
        subtask.harness.processElement(h4, 0);
        subtask.harness.processElement(H2, 0); // already pending
        assertThat(gauge("pg2gpDirtyHoursPending")).isEqualTo(4);
        assertThat(subtask.harness.numProcessingTimeTimers())
                .as("the restored timer state keeps a second timer from being registered")
                .isEqualTo(1);
        subtask.harness.setProcessingTime(TIMER);
        assertRecomputed(dirty, rest);
        assertThat(subtask.metrics.count("pg2gpRecomputes")).isEqualTo(2);
        assertThat(subtask.metrics.count("pg2gpRecomputedHours")).isEqualTo(4);
        assertDrainedGauges();
    }

    @ParameterizedTest(name = "{0} fixture on {1}")
    @MethodSource("restores")
    void recomputedHoursLeaveTheStateAndTheNextHourGetsItsOwnTimer(
            Fixture written, Backend restoredOn) throws Exception {
        restore(written, restoredOn);
        subtask.harness.setProcessingTime(TIMER);
        assertDrainedGauges();
        // New facts in a recomputed hour and in a later one: only the later one is dirtied.
        long h5 = H3 + 5 * HOUR;
        try (Connection c = warehouse.connect();
                Statement s = c.createStatement()) {
            s.execute(
                    "INSERT INTO public.requests_analytical (id, user_id, response, agent_used,"
                            + " tokens_used, execution_time_ms, status, created_at, _cdc_lsn,"
                            + " _cdc_op) SELECT gen_random_uuid(), gen_random_uuid(),"
                            + " '{\"agent_used\": \"late\"}', 'late', 1, 1, 'success', h"
                            + " + interval '30 minutes', 1000, 'c' FROM (VALUES ("
                            + at(H1)
                            + "), ("
                            + at(h5)
                            + ")) v(h)");
        }
        List<List<String>> rest = untouched(List.of(h5));
        List<List<String>> stale = rollupRows(List.of(h5), true);
        subtask.harness.processElement(h5, 0);
        assertThat(gauge("pg2gpDirtyHoursPending")).isEqualTo(1);
        assertThat(subtask.harness.numProcessingTimeTimers()).isEqualTo(1);
        subtask.harness.setProcessingTime(TIMER + DELAY_MILLIS - 1);
        assertThat(rollupRows(List.of(h5), true)).isEqualTo(stale);
        subtask.harness.setProcessingTime(TIMER + DELAY_MILLIS);
        assertRecomputed(List.of(h5), rest);
        assertThat(subtask.metrics.count("pg2gpRecomputes")).isEqualTo(3);
        assertThat(subtask.metrics.count("pg2gpRecomputedHours")).isEqualTo(4);
        assertDrainedGauges();
    }
}
