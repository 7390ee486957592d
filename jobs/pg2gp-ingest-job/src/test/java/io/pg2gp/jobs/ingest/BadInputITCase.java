package io.pg2gp.jobs.ingest;

import io.pg2gp.jobs.settings.PipelineConfig;
import io.pg2gp.testutils.SeedWorkload;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Values and DDL a user can do on the source that once stopped the pipeline for good or changed
 * data silently: each either lands or becomes a dead letter with its reason, and the job keeps
 * running without a single restart.
 */
public class BadInputITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    private static final Duration CONVERGE = Duration.ofSeconds(120);

    /** A probe: changes made on the source while the pipeline runs, and what they must give. */
    @FunctionalInterface
    private interface Probe {
        void run(PipelineTestEnvironment env, SeedWorkload w, Statement s, JobClient job)
                throws Exception;
    }

    @Test
    void infiniteTimestampsAreCarried() throws Exception {
        withRunningPipeline(new PipelineTestEnvironment(), 0, BadInputITCase::infinity);
    }

    @Test
    void infiniteTimestampsInTheSnapshotAreCarried() throws Exception {
        withRunningPipeline(
                new PipelineTestEnvironment(),
                0,
                (env, w, s, job) -> {
                    setCreatedAt(s, w.requestIds().get(1), "infinity");
                    setCreatedAt(s, w.requestIds().get(2), "-infinity");
                },
                (env, w, s, job) ->
                        assertThat(warehouseText(env, "created_at", w.requestIds().get(1)))
                                .isEqualTo("infinity"));
    }

    @Test
    void aWidenedColumnsOutOfRangeValueIsDeadLetteredNeverWrapped() throws Exception {
        withRunningPipeline(new PipelineTestEnvironment(), 1, BadInputITCase::widenedColumn);
    }

    @Test
    void anUpdateLeavingAToastedValueWithoutFullIdentityIsReadBack() throws Exception {
        withRunningPipeline(new PipelineTestEnvironment(), 0, BadInputITCase::toastWithoutIdentity);
    }

    @Test
    void aTruncateIsAnAuditedDecisionAndTheRowsStay() throws Exception {
        withRunningPipeline(new PipelineTestEnvironment(), 1, BadInputITCase::truncateIgnored);
    }

    @Test
    void aDroppedColumnArrivesAsNull() throws Exception {
        withRunningPipeline(new PipelineTestEnvironment(), 0, BadInputITCase::droppedColumn);
    }

    /** All of them in one pipeline, on Greenplum through gpfdist (infinity: default partition). */
    @Test
    void allOfThemOnGreenplumThroughGpfdist() throws Exception {
        PipelineTestEnvironment env = PipelineTestEnvironment.onGreenplum(null);
        env.settings.put("warehouse.loader", "gpfdist");
        withRunningPipeline(
                env,
                2,
                (e, w, s, job) -> {
                    infinity(e, w, s, job);
                    widenedColumn(e, w, s, job);
                    toastWithoutIdentity(e, w, s, job);
                    truncateIgnored(e, w, s, job);
                    droppedColumn(e, w, s, job);
                });
    }

    /**
     * Seeds the source, runs the pipeline until the warehouse equals it, runs {@code probe}, and
     * checks that the job never restarted and that exactly {@code deadLetters} changes went to the
     * dead letters.
     */
    private static void withRunningPipeline(
            PipelineTestEnvironment environment, long deadLetters, Probe probe) throws Exception {
        withRunningPipeline(environment, deadLetters, (env, w, s, job) -> {}, probe);
    }

    /** As above, with {@code beforeStart} run on the seeded source before the job starts. */
    private static void withRunningPipeline(
            PipelineTestEnvironment environment, long deadLetters, Probe beforeStart, Probe probe)
            throws Exception {
        try (PipelineTestEnvironment env = environment;
                Connection src = env.sourceConnection();
                Statement s = src.createStatement()) {
            env.settings.put("source.slot-lag.interval", "1s");
            SeedWorkload w = new SeedWorkload(src, 13);
            for (int i = 0; i < 200; i++) {
                w.step();
            }
            beforeStart.run(env, w, s, null);
            JobClient job = IngestPipelineITCase.start(env, env.config(), null);
            try {
                env.awaitWarehouseEqualsSource(CONVERGE);
                probe.run(env, w, s, job);
                assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
                assertThat(IngestPipelineITCase.restarts(FLINK, job))
                        .as("no restart for any of it")
                        .isZero();
                assertThat(
                                env.count(
                                        env.warehouseConnection(),
                                        "SELECT count(*) FROM pg2gp.dead_letters"))
                        .isEqualTo(deadLetters);
            } finally {
                if (!job.getJobStatus().get().isGloballyTerminalState()) {
                    job.cancel().get();
                }
            }
        }
    }

    /** ±infinity inserted, moved in and out of infinity: carried, derived columns NULL. */
    private static void infinity(
            PipelineTestEnvironment env, SeedWorkload w, Statement s, JobClient job)
            throws Exception {
        String inf = w.addRequest();
        setCreatedAt(s, inf, "infinity");
        String minusInf = w.addRequest();
        setCreatedAt(s, minusInf, "-infinity");
        String back = w.addRequest();
        setCreatedAt(s, back, "infinity");
        setCreatedAt(s, back, "2025-06-01 12:00:00+00");
        for (int i = 0; i < 50; i++) {
            w.step();
        }
        env.awaitWarehouseEqualsSource(CONVERGE);
        assertThat(warehouseText(env, "created_at", inf)).isEqualTo("infinity");
        assertThat(warehouseText(env, "created_at", minusInf)).isEqualTo("-infinity");
        assertThat(warehouseText(env, "hour_of_day", inf)).isNull();
        assertThat(warehouseText(env, "created_date", minusInf)).isNull();
        assertThat(
                        env.count(
                                env.warehouseConnection(),
                                "SELECT count(*) FROM pg2gp.touched_hours WHERE NOT isfinite(hour)"))
                .as("no infinite hour for the rollups")
                .isZero();
    }

    /** ALTER ... TYPE bigint: in range lands, out of range is dead-lettered, never wrapped. */
    private static void widenedColumn(
            PipelineTestEnvironment env, SeedWorkload w, Statement s, JobClient job)
            throws Exception {
        s.execute("ALTER TABLE public.requests ALTER tokens_used TYPE bigint");
        String fits = w.addRequest();
        s.execute("UPDATE public.requests SET tokens_used = 2000000000 WHERE id = '" + fits + "'");
        String huge = w.addRequest();
        s.execute("UPDATE public.requests SET tokens_used = 5000000001 WHERE id = '" + huge + "'");
        awaitDeadLetter(env, "%5000000001%out of range%");
        List<String> letter =
                PipelineTestEnvironment.rows(
                        env.warehouseConnection(),
                        "SELECT target_table, cdc_op, cdc_lsn > 0, payload LIKE '%"
                                + huge
                                + "%' FROM pg2gp.dead_letters WHERE reason LIKE '%5000000001%'");
        assertThat(letter).containsExactly("public.requests_analytical | u | t | t");
        assertThat(warehouseText(env, "tokens_used", huge))
                .as("the insert before it, never 705032705")
                .isNotEqualTo("705032705");
        awaitMetric(job, "pg2gpSourceRejected", 1);
        // the operator repairs the row on the source: the next change lands
        s.execute("UPDATE public.requests SET tokens_used = 5 WHERE id = '" + huge + "'");
        env.awaitWarehouseEqualsSource(CONVERGE);
    }

    /** REPLICA IDENTITY DEFAULT + an update leaving a TOASTed value: read back by key. */
    private static void toastWithoutIdentity(
            PipelineTestEnvironment env, SeedWorkload w, Statement s, JobClient job)
            throws Exception {
        s.execute("ALTER TABLE public.requests REPLICA IDENTITY DEFAULT");
        String big = w.requestIds().get(7);
        s.execute(
                "UPDATE public.requests SET response = jsonb_build_object('agent_used',"
                        + " 'Docs', 'answer', (SELECT string_agg(md5(i::text), '') FROM"
                        + " generate_series(1, 400) i)) WHERE id = '"
                        + big
                        + "'");
        s.execute("UPDATE public.requests SET status = 'archived' WHERE id = '" + big + "'");
        for (int i = 0; i < 20; i++) {
            w.step();
        }
        env.awaitWarehouseEqualsSource(CONVERGE);
        assertThat(
                        env.count(
                                env.warehouseConnection(),
                                "SELECT count(*) FROM requests_analytical WHERE id = '"
                                        + big
                                        + "' AND status = 'archived'"
                                        + " AND length(response::text) > 12000"))
                .isEqualTo(1);
        awaitMetric(job, "pg2gpSourceRowsReadBack", 1);
        // re-checked while running (every source.slot-lag.interval)
        awaitMetric(job, "pg2gpSourceTablesWithoutFullIdentity", 1);
        s.execute("ALTER TABLE public.requests REPLICA IDENTITY FULL");
    }

    /** TRUNCATE with source.truncate: ignore (the default): an audit row, the rows stay. */
    private static void truncateIgnored(
            PipelineTestEnvironment env, SeedWorkload w, Statement s, JobClient job)
            throws Exception {
        long before =
                env.count(env.warehouseConnection(), "SELECT count(*) FROM requests_analytical");
        s.execute("TRUNCATE public.requests");
        awaitDeadLetter(env, "TRUNCATE%");
        assertThat(
                        PipelineTestEnvironment.rows(
                                env.warehouseConnection(),
                                "SELECT target_table, cdc_op FROM pg2gp.dead_letters"
                                        + " WHERE reason LIKE 'TRUNCATE%'"))
                .containsExactly("public.requests_analytical | t");
        assertThat(env.count(env.warehouseConnection(), "SELECT count(*) FROM requests_analytical"))
                .isEqualTo(before);
        awaitMetric(job, "pg2gpSourceTruncates", 1);
        // changes after it go on as before
        String after = w.addRequest();
        awaitCount(env, "SELECT count(*) FROM requests_analytical WHERE id = '" + after + "'", 1);
    }

    /** DROP COLUMN model: later changes carry NULL with a metric, the job goes on. */
    private static void droppedColumn(
            PipelineTestEnvironment env, SeedWorkload w, Statement s, JobClient job)
            throws Exception {
        s.execute("ALTER TABLE public.requests DROP COLUMN model");
        String afterDrop = "00000000-0000-0000-0000-0000000d0d0d";
        s.execute(
                "INSERT INTO public.requests (id, user_id, query, status) VALUES ('"
                        + afterDrop
                        + "', '"
                        + w.userIds().get(0)
                        + "', 'after the drop', 'pending')");
        awaitCount(
                env,
                "SELECT count(*) FROM requests_analytical WHERE id = '"
                        + afterDrop
                        + "' AND model IS NULL AND query = 'after the drop'"
                        + " AND user_email IS NOT NULL",
                1);
        awaitMetric(job, "pg2gpSourceMissingColumns", 1);
    }

    @Test
    void truncateFailStopsTheJobSayingWhatToDo() throws Exception {
        try (PipelineTestEnvironment env = new PipelineTestEnvironment();
                Connection src = env.sourceConnection();
                Statement s = src.createStatement()) {
            SeedWorkload w = new SeedWorkload(src, 14);
            for (int i = 0; i < 50; i++) {
                w.step();
            }
            env.settings.put("source.truncate", "fail");
            env.settings.put("pipeline.restart.attempts", "1");
            PipelineConfig config = env.config();
            JobClient job = IngestPipelineITCase.start(env, config, null);
            try {
                env.awaitWarehouseEqualsSource(CONVERGE);
                s.execute("TRUNCATE public.requests");
                Throwable failure = null;
                try {
                    job.getJobExecutionResult().get();
                } catch (Exception e) {
                    failure = e;
                }
                assertThat(failure).as("the job fails").isNotNull();
                assertThat(stackText(failure))
                        .contains("TRUNCATE of the source requests table")
                        .contains("source.truncate: ignore");
                assertThat(
                                env.count(
                                        env.warehouseConnection(),
                                        "SELECT count(*) FROM requests_analytical"))
                        .as("the warehouse keeps its rows")
                        .isPositive();
            } finally {
                if (!job.getJobStatus().get().isGloballyTerminalState()) {
                    job.cancel().get();
                }
            }
        }
    }

    /**
     * Waits until the operator metric {@code name} (summed over subtasks, through the REST API the
     * web UI reads) reaches {@code atLeast}.
     */
    private static void awaitMetric(JobClient job, String name, long atLeast)
            throws InterruptedException {
        PipelineTestEnvironment.await(
                name + " >= " + atLeast,
                CONVERGE,
                () -> {
                    try {
                        return metric(job, name) >= atLeast;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
    }

    private static long metric(JobClient job, String name) throws Exception {
        String base = rest() + "/jobs/" + job.getJobID();
        long sum = 0;
        Matcher vertex = Pattern.compile("\"id\":\"([0-9a-f]{32})\"").matcher(get(base));
        Set<String> vertices = new HashSet<>(); // listed twice: as vertices and in the plan
        while (vertex.find()) {
            vertices.add(vertex.group(1));
        }
        for (String vid : vertices) {
            String v = base + "/vertices/" + vid + "/subtasks/metrics";
            Matcher id = Pattern.compile("\"id\":\"([^\"]*\\." + name + ")\"").matcher(get(v));
            while (id.find()) {
                Matcher value =
                        Pattern.compile("\"sum\":([0-9.]+)")
                                .matcher(get(v + "?agg=sum&get=" + id.group(1)));
                if (value.find()) {
                    sum += (long) Double.parseDouble(value.group(1));
                }
            }
        }
        return sum;
    }

    private static String rest() {
        var conf = FLINK.getClientConfiguration();
        return "http://" + conf.get(RestOptions.ADDRESS) + ":" + conf.get(RestOptions.PORT);
    }

    private static String get(String url) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(url)).build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static String stackText(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c).append('\n');
        }
        return sb.toString();
    }

    private static void setCreatedAt(Statement s, String id, String value) throws SQLException {
        s.execute(
                "UPDATE public.requests SET created_at = '" + value + "' WHERE id = '" + id + "'");
    }

    private static String warehouseText(PipelineTestEnvironment env, String column, String id)
            throws SQLException {
        List<String> rows =
                PipelineTestEnvironment.rows(
                        env.warehouseConnection(),
                        "SELECT " + column + " FROM requests_analytical WHERE id = '" + id + "'");
        assertThat(rows).hasSize(1);
        return "null".equals(rows.get(0)) ? null : rows.get(0);
    }

    private static void awaitDeadLetter(PipelineTestEnvironment env, String reasonLike)
            throws InterruptedException {
        awaitCount(
                env,
                "SELECT count(*) FROM pg2gp.dead_letters WHERE reason LIKE '" + reasonLike + "'",
                1);
    }

    private static void awaitCount(PipelineTestEnvironment env, String sql, long expected)
            throws InterruptedException {
        PipelineTestEnvironment.await(
                sql + " = " + expected,
                CONVERGE,
                () -> {
                    try {
                        return env.count(env.warehouseConnection(), sql) == expected;
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
    }
}
