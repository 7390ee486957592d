package io.pg2gp.jobs.rollup;

import io.pg2gp.connector.warehouse.HousekeepingOptions;
import io.pg2gp.jobs.ingest.IngestPipelineITCase;
import io.pg2gp.jobs.ingest.PipelineTestEnvironment;
import io.pg2gp.jobs.settings.PipelineConfig;
import io.pg2gp.testutils.WarehouseHealth;
import io.pg2gp.testutils.WarehouseHealth.ApplyTimes;
import io.pg2gp.testutils.WarehouseHealth.Relation;
import io.pg2gp.testutils.WarehouseHealth.Sample;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pipeline on Greenplum for a while: the ingest job (real replication slot, gpfdist loader, 5 s
 * checkpoints, housekeeping at its defaults) and the rollup job (which consumes and purges the
 * touched hours) on one MiniCluster, under seed-shaped traffic of single-change transactions
 * ({@link SoakTraffic}). {@link WarehouseHealth} samples the warehouse periodically; the table of
 * the samples at start, middle and end is printed, and the run must be flat: the tables every apply
 * empties (staging, work tables, touched hours) keep their size and hold no more dead rows than the
 * last VACUUM cycle left, the rollup tables each recompute rewrites keep their size (on runs of ten
 * minutes or more), the catalogs do not gain dead rows with the applies, the apply's p95 at the end
 * is within a generous factor of the start, and after the traffic stops the warehouse equals the
 * source row by row. Bounds are on trends, not on absolute times, so a busy machine slows the run
 * without failing it.
 *
 * <p>Three minutes of traffic by default; longer with {@code -Dpg2gp.soak.minutes=20} (or {@code
 * PG2GP_SOAK_MINUTES}), and {@code pg2gp.soak.rate} (transactions/s, default 30), {@code
 * pg2gp.soak.seed-requests} (default 30,000), {@code pg2gp.soak.sample-seconds}. Runs against the
 * user's cluster too ({@code PG2GP_GREENPLUM_URL}).
 */
class GreenplumSoakITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    private static final double MINUTES = setting("pg2gp.soak.minutes", 3);
    private static final int RATE = (int) setting("pg2gp.soak.rate", 30);
    private static final int SEED_REQUESTS = (int) setting("pg2gp.soak.seed-requests", 30_000);
    private static final int SEED_USERS = 300;
    private static final Duration SAMPLE_EVERY =
            Duration.ofSeconds(
                    (long)
                            setting(
                                    "pg2gp.soak.sample-seconds",
                                    Math.min(60, Math.max(15, MINUTES * 60 / 6))));

    private static final Duration SNAPSHOT = Duration.ofMinutes(20);
    private static final Duration QUIESCE = Duration.ofMinutes(10);
    private static final String BOOKKEEPING = "pg2gp";
    private static final String FACTS = "public.requests_analytical";
    private static final List<String> SAMPLED =
            List.of(
                    FACTS,
                    "public.users_dim",
                    "public.rollup_hourly_agent_stats",
                    "public.rollup_hourly_user_activity");

    /**
     * The facts as the source says they must be, but for the user's attributes, which are those of
     * the user when the request last changed (README: which user attributes a row carries), not the
     * current ones the source join gives; users_dim is compared whole.
     */
    private static final String EXPECTED_FACTS =
            "SELECT r.id, r.user_id, r.query, r.response::text, r.model, r.tokens_used,"
                    + " r.execution_time_ms, r.status, r.created_at,"
                    + " CASE WHEN jsonb_typeof(r.response) = 'object' THEN r.response->>'agent_used' END,"
                    + " EXTRACT(HOUR FROM r.created_at)::int, r.created_at::date"
                    + " FROM public.requests r ORDER BY r.id";

    private static final String ACTUAL_FACTS =
            "SELECT id, user_id, query, response::text, model, tokens_used, execution_time_ms,"
                    + " status, created_at, agent_used, hour_of_day, created_date"
                    + " FROM public.requests_analytical ORDER BY id";

    /** Runs long enough for the rollup tables' size to settle before the middle sample. */
    private static final double ROLLUP_SIZE_MINUTES = 10;

    /** Applies between two VACUUMs of the churned tables at the housekeeping defaults. */
    private static final int VACUUM_EVERY = HousekeepingOptions.DEFAULTS.vacuumEveryApplies();

    @Test
    void theWarehouseStaysFlatUnderSteadyTraffic() throws Exception {
        try (PipelineTestEnvironment env = PipelineTestEnvironment.onGreenplum(null);
                SoakTraffic traffic = new SoakTraffic(env.sourceConnection(), 42);
                Connection wh = env.warehouseConnection()) {
            env.settings.put("pipeline.checkpoint-interval", "5s");
            env.settings.put("warehouse.loader", "gpfdist");
            env.settings.put("pipeline.restart.attempts", "100");
            env.settings.put("pipeline.restart.delay", "2s");
            PipelineConfig config = env.config();
            traffic.seed(SEED_USERS, SEED_REQUESTS);

            JobClient ingest = IngestPipelineITCase.start(env, config, null);
            JobClient rollups = null;
            try {
                long t = System.nanoTime();
                awaitSnapshot(env);
                log(
                        "snapshot of %,d requests applied in %d s",
                        SEED_REQUESTS, (System.nanoTime() - t) / 1_000_000_000L);
                rollups = startRollups(config);

                WarehouseHealth health = new WarehouseHealth(wh, BOOKKEEPING, SAMPLED);
                Sample begin = health.sample();
                traffic.start(RATE);
                List<Sample> samples = new ArrayList<>();
                long started = System.nanoTime();
                long total = (long) (MINUTES * 60e9);
                for (int k = 1; System.nanoTime() - started < total; k++) {
                    long due = started + Math.min(total, k * SAMPLE_EVERY.toNanos());
                    Thread.sleep(Math.max(0, (due - System.nanoTime()) / 1_000_000));
                    Sample s = health.sample();
                    samples.add(s);
                    ApplyTimes facts = s.applies(FACTS);
                    log(
                            "%s: %,d transactions (%.1f/s), load %s, staging %s, apply %s",
                            s.elapsed(),
                            traffic.transactions(),
                            traffic.transactions() * 1e9 / (System.nanoTime() - started),
                            loadAverage(),
                            s.relation(staging()),
                            facts);
                }
                traffic.stop();
                long transactions = traffic.transactions();
                Sample start = samples.get(0);
                Sample middle = samples.get((samples.size() - 1) / 2);
                Sample end = samples.get(samples.size() - 1);
                System.out.printf(
                        "%nGreenplum soak: %.0f min of traffic, %,d transactions (%.1f/s, target"
                                + " %d/s), %,d seeded requests, 5 s checkpoints, housekeeping"
                                + " defaults (%s), load average %s, %d ingest restarts%n%s%n",
                        MINUTES,
                        transactions,
                        transactions / (MINUTES * 60),
                        RATE,
                        SEED_REQUESTS,
                        HousekeepingOptions.DEFAULTS,
                        loadAverage(),
                        IngestPipelineITCase.restarts(FLINK, ingest),
                        WarehouseHealth.table(
                                List.of("start", "middle", "end"), List.of(start, middle, end)));

                // The last third of the traffic against the first, from the ledger.
                Duration third = Duration.ofNanos(total / 3);
                Map<String, ApplyTimes> early =
                        health.applyTimes(begin.at(), begin.at().plus(third));
                Map<String, ApplyTimes> late = health.applyTimes(end.at().minus(third), end.at());
                long recentStaged = rowsStagedByTheLastApplies(wh, 2 * VACUUM_EVERY, begin.at());
                log(
                        "apply, first third %s; last third %s; rows staged by the last %d applies"
                                + " of each table: %,d",
                        early, late, 2 * VACUUM_EVERY, recentStaged);

                t = System.nanoTime();
                awaitWarehouseEqualsSource(env);
                log(
                        "warehouse equals source %d s after the traffic stopped",
                        (System.nanoTime() - t) / 1_000_000_000L);

                assertThat(transactions).as("transactions written").isGreaterThan(100);
                assertChurnedTablesFlat(start, middle, end, recentStaged);
                assertCatalogsFlat(samples, middle, end);
                for (Map.Entry<String, ApplyTimes> e : late.entrySet()) {
                    ApplyTimes first = early.get(e.getKey());
                    if (first != null && first.applies() >= 3 && e.getValue().applies() >= 3) {
                        assertThat(e.getValue().p95Millis())
                                .as("apply p95 of %s, last third vs first third", e.getKey())
                                .isLessThanOrEqualTo(3 * first.p95Millis() + 2000);
                    }
                }
                assertThat(early.get(FACTS)).as("applies to the facts early on").isNotNull();
                assertThat(late.get(FACTS)).as("applies to the facts at the end").isNotNull();
                assertThat(
                                env.count(
                                        env.warehouseConnection(),
                                        "SELECT count(*) FROM pg2gp.dead_letters"))
                        .isZero();
            } finally {
                cancel(rollups);
                cancel(ingest);
            }
        }
    }

    /**
     * Staging, the staged dead letters, the apply's work tables and the touched hours are emptied
     * by every apply (or by the rollup job) and vacuumed every {@value #VACUUM_EVERY}-ish applies:
     * they hold no more dead rows than the applies since the last VACUUM could have left, and no
     * more space than the larger of their size at the first sample (the snapshot's high-water mark,
     * which VACUUM gives back only when the heap's last pages are empty) and what those rows take
     * at that sample's row width (a size measured against the middle sample would depend on whether
     * a VACUUM had just run). Without VACUUM they keep every row ever staged. The rollup tables,
     * rewritten by the recomputes and vacuumed every 20 of them, reach their size only after the
     * first cycles: on runs of {@value #ROLLUP_SIZE_MINUTES} minutes or more their size at the end
     * is that of the middle.
     */
    private static void assertChurnedTablesFlat(
            Sample start, Sample middle, Sample end, long recentStaged) {
        // Each staged change touches at most two hours.
        long rows = 2 * recentStaged + 1000;
        for (Relation r : end.relations().values()) {
            if (r.name().startsWith("public.rollup_")) {
                if (MINUTES >= ROLLUP_SIZE_MINUTES) {
                    Relation mid = middle.relation(r.name());
                    assertThat(r.bytes())
                            .as("size of %s at the end vs the middle (%s)", r.name(), mid)
                            .isLessThanOrEqualTo(mid.bytes() * 3 / 2 + 512 * 1024);
                }
                continue;
            }
            if (!churned(r.name())) {
                continue;
            }
            assertThat(r.deadRows())
                    .as("dead rows of %s at the end", r.name())
                    .isLessThanOrEqualTo(rows);
            Relation first = start.relation(r.name());
            long rowBytes = first.bytes() / Math.max(1, first.liveRows() + first.deadRows());
            assertThat(r.bytes())
                    .as("size of %s at the end (%s at the start)", r.name(), first)
                    .isLessThanOrEqualTo(Math.max(first.bytes(), rowBytes * rows) + 1024 * 1024);
        }
    }

    /**
     * Dead catalog rows (coordinator and segments) gained from the middle to the end: a few hundred
     * at most for housekeeping and the rollup job, never some per apply (a temporary table per
     * apply left dozens of dead pg_attribute rows each).
     */
    private static void assertCatalogsFlat(List<Sample> samples, Sample middle, Sample end) {
        long applies = 0;
        for (Sample s : samples.subList(samples.indexOf(middle) + 1, samples.size())) {
            applies += s.applies().values().stream().mapToLong(ApplyTimes::applies).sum();
        }
        for (String catalog : WarehouseHealth.CATALOGS) {
            var from = middle.catalogs().get(catalog);
            var to = end.catalogs().get(catalog);
            long bound = 200 + applies / 2;
            assertThat(to.coordinator() - from.coordinator())
                    .as("dead %s rows gained on the coordinator over %d applies", catalog, applies)
                    .isLessThanOrEqualTo(bound);
            assertThat(to.segments() - from.segments())
                    .as("dead %s rows gained on the segments over %d applies", catalog, applies)
                    .isLessThanOrEqualTo(bound);
        }
    }

    private static boolean churned(String relation) {
        return relation.startsWith(BOOKKEEPING + ".stage_")
                || relation.startsWith(BOOKKEEPING + ".apply_")
                || relation.equals(BOOKKEEPING + ".touched_hours");
    }

    private static String staging() {
        return BOOKKEEPING + ".stage_public_requests_analytical";
    }

    /**
     * Rows staged by the last {@code applies} applies of each table committed after {@code since}
     * (the snapshot's apply left out), summed over the tables.
     */
    private static long rowsStagedByTheLastApplies(Connection wh, int applies, Instant since)
            throws Exception {
        try (PreparedStatement p =
                wh.prepareStatement(
                        "SELECT coalesce(sum(rows_staged), 0) FROM (SELECT rows_staged,"
                                + " row_number() OVER (PARTITION BY target_table ORDER BY"
                                + " commit_seq DESC) n FROM "
                                + BOOKKEEPING
                                + ".commit_ledger WHERE committed_at > ?) x WHERE n <= ?")) {
            p.setTimestamp(1, Timestamp.from(since));
            p.setInt(2, applies);
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Polls until the facts (but for the user attributes) and users_dim equal the source, then
     * checks that every fact carries its user's attributes.
     */
    private static void awaitWarehouseEqualsSource(PipelineTestEnvironment env) throws Exception {
        long deadline = System.nanoTime() + QUIESCE.toNanos();
        List<String> expected = List.of();
        List<String> actual = List.of();
        while (System.nanoTime() < deadline) {
            expected = PipelineTestEnvironment.rows(env.sourceConnection(), EXPECTED_FACTS);
            actual = PipelineTestEnvironment.rows(env.warehouseConnection(), ACTUAL_FACTS);
            if (expected.equals(actual) && env.expectedUsers().equals(env.actualUsers())) {
                assertThat(
                                env.count(
                                        env.warehouseConnection(),
                                        "SELECT count(*) FROM "
                                                + FACTS
                                                + " WHERE user_email IS NULL OR user_role IS NULL"))
                        .as("facts without their user's attributes")
                        .isZero();
                return;
            }
            Thread.sleep(2000);
        }
        throw new AssertionError(PipelineTestEnvironment.describeDifference(expected, actual));
    }

    /** Waits until the warehouse counts the seeded rows, then until it equals the source. */
    private static void awaitSnapshot(PipelineTestEnvironment env) throws Exception {
        long expected = env.count(env.sourceConnection(), "SELECT count(*) FROM public.requests");
        PipelineTestEnvironment.await(
                "the snapshot's " + expected + " requests in the warehouse",
                SNAPSHOT,
                () -> {
                    try {
                        Thread.sleep(2000);
                        return env.count(env.warehouseConnection(), "SELECT count(*) FROM " + FACTS)
                                == expected;
                    } catch (Exception e) {
                        return false; // the sink has not created its tables yet
                    }
                });
        awaitWarehouseEqualsSource(env);
    }

    private static JobClient startRollups(PipelineConfig config) throws Exception {
        RollupPipeline.prepare(config);
        StreamExecutionEnvironment see =
                StreamExecutionEnvironment.getExecutionEnvironment(
                        RollupPipeline.flinkConfiguration(config));
        RollupPipeline.build(see, config);
        return see.executeAsync(RollupPipeline.jobName(config));
    }

    private static void cancel(JobClient job) throws Exception {
        if (job != null && !job.getJobStatus().get().isGloballyTerminalState()) {
            job.cancel().get();
        }
    }

    private static double setting(String property, double defaultValue) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            value = System.getenv(property.toUpperCase().replaceAll("[.-]", "_"));
        }
        return value == null || value.isBlank() ? defaultValue : Double.parseDouble(value);
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "n/a";
        }
    }

    private static void log(String format, Object... args) {
        System.out.printf("[soak %s] %s%n", Instant.now(), String.format(format, args));
    }
}
