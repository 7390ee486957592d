package io.pg2gp.benchmarks;

import io.pg2gp.testutils.PostgresServer;

import org.apache.flink.core.execution.JobClient;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The initial snapshot: N existing requests (and their users) through the whole pipeline with
 * startup mode initial, until the warehouse holds N rows, next to {@code psql \copy requests to
 * /dev/null} of the same table.
 */
final class SnapshotBenchmark {

    /** Chosen from trial runs; see {@link #SPLIT_SIZE_REASON}. */
    static final int DEFAULT_SPLIT_SIZE = 100_000;

    static final String SPLIT_SIZE_REASON =
            "each chunk opens and drops a temporary replication slot; 100k-row chunks were about 3x"
                    + " faster than the default 8096 in the measurements of the reference notes";

    static final Duration TIMEOUT = Duration.ofMinutes(30);

    private final BenchArgs args;

    SnapshotBenchmark(BenchArgs args) {
        this.args = args;
    }

    void run() throws Exception {
        long n = args.rows();
        long users = args.users();
        Report.title(
                String.format(
                        "snapshot: %,d existing requests + %,d users, startup mode initial, until the"
                                + " warehouse holds every row",
                        n, users));
        Measurement copy = new Measurement("psql \\copy requests to /dev/null");
        Measurement snapshot =
                new Measurement("pg2gp pipeline, snapshot (split " + args.splitSize() + ")");
        try (PostgresServer src = BenchServers.source("bench-snapshot-source");
                PostgresServer wh = BenchServers.warehouse("bench-snapshot-warehouse")) {
            Report.line(
                    "source and warehouse PostgreSQL %s; IngestPipeline with the shipped defaults"
                            + " (parallelism 2, source parallelism 2, %s checkpoints, enrichment"
                            + " max-wait 30 s); source.snapshot.split-size %,d%s",
                    BenchServers.version(src),
                    Pipelines.CHECKPOINT_INTERVAL,
                    args.splitSize(),
                    args.splitSize() == DEFAULT_SPLIT_SIZE ? " (" + SPLIT_SIZE_REASON + ")" : "");
            for (int run = 1; run <= args.runs(); run++) {
                Report.line("run %d/%d", run, args.runs());
                measure(src, wh, run, copy, snapshot);
            }
        }
        copy.printSummary();
        snapshot.printSummary();
        Report.ratio("snapshot / psql \\copy", snapshot.median() / copy.median(), 0.25); // issue 17
        Report.line(
                "(pipeline: from job submission until count(*) of requests_analytical = %,d,"
                        + " polled every 500 ms once the ledger shows enough rows; psql: process"
                        + " start to exit. Run 1 starts in a cold JVM: JIT compilation took about"
                        + " a third of the JVM's CPU in a profiled run; later runs reuse the JVM,"
                        + " as a long-running TaskManager does.)",
                n);
    }

    private void measure(
            PostgresServer src, PostgresServer wh, int run, Measurement copy, Measurement snapshot)
            throws Exception {
        long n = args.rows();
        long users = args.users();
        String srcDb = "snap_src_" + run;
        String whDb = "snap_wh_" + run;
        String slot = "snap_cdc_" + run;
        BenchServers.dropDatabase(src, srcDb);
        BenchServers.dropDatabase(wh, whDb);
        src.createDatabase(srcDb);
        wh.createDatabase(whDb);
        BenchServers.createSourceSchema(src, srcDb);
        try (Connection c = src.connect(srcDb)) {
            SourceWorkload.insertUsersAndRequests(c, users, n, true);
            c.createStatement().execute("VACUUM ANALYZE");
        }

        copy.add(n, psqlCopy(src, srcDb, n), String.format("psql printed COPY %,d", n));

        Map<String, String> settings = Pipelines.settings(src, srcDb, wh, whDb, slot, "initial");
        settings.put("source.snapshot.split-size", String.valueOf(args.splitSize()));
        JobClient job = Pipelines.start(settings);
        long start = System.nanoTime();
        try (WarehouseLedger ledger = new WarehouseLedger(wh, whDb)) {
            long done =
                    FlinkJobs.awaitCondition(
                            "every snapshot row in the warehouse",
                            job,
                            TIMEOUT,
                            Duration.ofMillis(500),
                            () ->
                                    ledger.applied("requests_analytical") >= n
                                            && ledger.count(
                                                            "SELECT count(*) FROM public.requests_analytical")
                                                    == n);
            long unenriched =
                    ledger.count(
                            "SELECT count(*) FROM public.requests_analytical WHERE user_email IS NULL");
            // Requests read before their users' chunk wait (enrichment max-wait) or are repaired
            // when the user arrives; say how long until every row carried its user.
            long enrichedAt =
                    FlinkJobs.awaitCondition(
                            "every request enriched",
                            job,
                            Duration.ofMinutes(5),
                            Duration.ofMillis(500),
                            () ->
                                    ledger.count(
                                                    "SELECT count(*) FROM public.requests_analytical"
                                                            + " WHERE user_email IS NULL")
                                            == 0);
            FlinkJobs.cancel(job);
            String applied = ledger.applySummary("requests_analytical");
            long userRows = ledger.count("SELECT count(*) FROM public.users_dim");
            long dead = ledger.count("SELECT count(*) FROM pg2gp.dead_letters");
            long rows = ledger.count("SELECT count(*) FROM public.requests_analytical");
            if (rows != n || userRows != users || dead != 0) {
                throw new IllegalStateException(
                        String.format(
                                "warehouse holds %d requests, %d users, %d dead letters; expected"
                                        + " %d, %d, 0",
                                rows, userRows, dead, n, users));
            }
            snapshot.add(
                    n,
                    done - start,
                    String.format(
                            "%,d/%,d requests, %,d/%,d users, 0 dead letters; %,d rows lacked user"
                                    + " fields at that moment, all enriched %.1f s after start; %s",
                            rows,
                            n,
                            userRows,
                            users,
                            unenriched,
                            (enrichedAt - start) / 1e9,
                            applied));
        } finally {
            FlinkJobs.cancel(job);
        }
        BenchServers.dropSlot(src, srcDb, slot);
        BenchServers.dropDatabase(src, srcDb);
        BenchServers.dropDatabase(wh, whDb);
    }

    private static final Pattern COPY_COUNT = Pattern.compile("COPY (\\d+)");

    /** Times {@code psql -c "\copy requests to /dev/null"} and checks it copied n rows. */
    static long psqlCopy(PostgresServer src, String db, long n) throws Exception {
        List<String> command =
                List.of(
                        src.bin("psql"),
                        "-X",
                        "-h",
                        "127.0.0.1",
                        "-p",
                        String.valueOf(src.port()),
                        "-U",
                        PostgresServer.SUPERUSER,
                        "-d",
                        db,
                        "-c",
                        "\\copy requests to /dev/null");
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("psql \\copy did not finish");
        }
        long nanos = System.nanoTime() - start;
        Matcher m = COPY_COUNT.matcher(out);
        if (p.exitValue() != 0 || !m.find() || Long.parseLong(m.group(1)) != n) {
            throw new IllegalStateException("psql \\copy: expected COPY " + n + ", got: " + out);
        }
        return nanos;
    }
}
