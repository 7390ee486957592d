package io.pg2gp.benchmarks;

import io.pg2gp.testutils.DatabaseServer;
import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.PostgresServer;

import org.apache.flink.core.execution.JobClient;

import java.time.Duration;
import java.util.Map;

/**
 * The whole pipeline: the source benchmark's backlog (users, N inserts, N updates) through CDC,
 * enrichment and the exactly-once sink until the warehouse shows every change, next to
 * pg_recvlogical draining the same backlog. Then, on the PostgreSQL warehouse, freshness under a
 * steady load ({@link FreshnessProbe}). With {@code --warehouse greenplum} the warehouse is the
 * Greenplum cluster of the sink benchmark, loaded through gpfdist.
 */
final class EndToEndBenchmark {

    static final Duration TIMEOUT = Duration.ofMinutes(30);

    private final BenchArgs args;

    EndToEndBenchmark(BenchArgs args) {
        this.args = args;
    }

    void run() throws Exception {
        long n = args.rows();
        long users = args.users();
        Report.title(
                String.format(
                        "e2e: backlog of %,d users + %,d inserts + %,d updates through the whole"
                                + " pipeline until warehouse-visible",
                        users, n, n));
        Measurement recv = new Measurement("pg_recvlogical, whole backlog");
        Measurement e2e = new Measurement("pg2gp pipeline, whole backlog");
        if (args.greenplum()) {
            GreenplumCluster gp =
                    GreenplumCluster.locate().orElseThrow(GreenplumLoadBenchmark::noCluster);
            String version;
            try (var c = gp.connect(gp.maintenanceDatabase())) {
                version = BenchServers.queryString(c, "SELECT version()").replaceAll(" \\(.*", "");
            }
            try (PostgresServer src = BenchServers.source("bench-e2e-source")) {
                Report.line(
                        "source PostgreSQL %s; warehouse %s (%s); IngestPipeline with the shipped"
                                + " defaults (parallelism 2, source parallelism 2, %s checkpoints),"
                                + " loader gpfdist, startup mode committed",
                        BenchServers.version(src), gp, version, Pipelines.CHECKPOINT_INTERVAL);
                runs(src, gp, recv, e2e);
                Report.line(
                        "(freshness under steady load: measured on the PostgreSQL warehouse only)");
            }
            return;
        }
        try (PostgresServer src = BenchServers.source("bench-e2e-source");
                PostgresServer wh = BenchServers.warehouse("bench-e2e-warehouse")) {
            Report.line(
                    "source and warehouse PostgreSQL %s (two servers); IngestPipeline with the"
                            + " shipped defaults (parallelism 2, source parallelism 2, %s checkpoints),"
                            + " startup mode committed",
                    BenchServers.version(src), Pipelines.CHECKPOINT_INTERVAL);
            runs(src, wh, recv, e2e);
            new FreshnessProbe(src, wh).run(e2e.median() / 2);
        }
    }

    private void runs(PostgresServer src, DatabaseServer wh, Measurement recv, Measurement e2e)
            throws Exception {
        for (int run = 1; run <= args.runs(); run++) {
            Report.line("run %d/%d", run, args.runs());
            measure(src, wh, run, recv, e2e);
        }
        recv.printSummary();
        e2e.printSummary();
        if (args.greenplum()) {
            Report.line(
                    "ratio pipeline / pg_recvlogical %.2fx (no target on Greenplum yet)",
                    e2e.median() / recv.median());
        } else {
            Report.ratio(
                    "pipeline / pg_recvlogical", e2e.median() / recv.median(), 0.6); // issue 17
        }
        Report.line(
                "(pipeline: from job submission until the commit ledger shows every change"
                        + " applied, polled every 250 ms; rates count all %,d changes)",
                args.users() + 2 * args.rows());
    }

    private static void dropDatabase(DatabaseServer wh, String db) {
        if (wh instanceof GreenplumCluster gp) {
            BenchServers.dropDatabase(gp, db);
        } else {
            BenchServers.dropDatabase((PostgresServer) wh, db);
        }
    }

    private void measure(
            PostgresServer src, DatabaseServer wh, int run, Measurement recv, Measurement e2e)
            throws Exception {
        long n = args.rows();
        long users = args.users();
        String srcDb = "e2e_src_" + run;
        String whDb = "e2e_wh_" + run;
        String slot = "e2e_cdc_" + run;
        String recvSlot = "e2e_recv_" + run;
        BenchServers.dropDatabase(src, srcDb);
        dropDatabase(wh, whDb);
        src.createDatabase(srcDb);
        wh.createDatabase(whDb);
        BenchServers.createSourceSchema(src, srcDb);
        BenchServers.createLogicalSlot(src, srcDb, slot);
        BenchServers.createLogicalSlot(src, srcDb, recvSlot);
        SourceWorkload.Backlog backlog = SourceWorkload.writeBacklog(src, srcDb, users, n);
        Report.line("backlog written in %.1f s (100k-row transactions)", backlog.seconds());

        long recvNanos = PgRecvLogical.stream(src, srcDb, recvSlot, backlog.lsnAfterUpdates());
        recv.add(users + 2 * n, recvNanos, "slot confirmed " + backlog.lsnAfterUpdates());

        SinkCost cost = wh instanceof PostgresServer pg ? startCost(pg) : null;
        JvmThreadCpu threads = JvmThreadCpu.start();
        Map<String, Double> threadsBefore = threads == null ? Map.of() : threads.seconds();
        JobClient job =
                Pipelines.start(Pipelines.settings(src, srcDb, wh, whDb, slot, "committed"));
        long start = System.nanoTime();
        try (WarehouseLedger ledger = new WarehouseLedger(wh, whDb)) {
            long done =
                    FlinkJobs.awaitCondition(
                            "every change applied in the warehouse",
                            job,
                            TIMEOUT,
                            Duration.ofMillis(250),
                            () ->
                                    ledger.applied("requests_analytical") >= 2 * n
                                            && ledger.applied("users_dim") >= users);
            FlinkJobs.cancel(job);
            String check = check(ledger, n, users);
            e2e.add(users + 2 * n, done - start, check);
            Report.line("  %s", ledger.applySummary("requests_analytical"));
            if (cost != null) {
                printCost(cost.stop(users + 2 * n));
            }
            if (threads != null) {
                Report.line(
                        "    this JVM's CPU-s per 1M changes by thread: %s",
                        JvmThreadCpu.perMillion(threadsBefore, threads.seconds(), users + 2 * n));
            }
        } finally {
            FlinkJobs.cancel(job);
            if (threads != null) {
                threads.close();
            }
        }
        BenchServers.dropSlot(src, srcDb, slot);
        BenchServers.dropSlot(src, srcDb, recvSlot);
        BenchServers.dropDatabase(src, srcDb);
        dropDatabase(wh, whDb);
    }

    private static SinkCost startCost(PostgresServer wh) throws Exception {
        SinkCost.prepare(wh);
        return SinkCost.start(wh);
    }

    /**
     * The warehouse's side of the run (WAL and CPU per million changes; this JVM's CPU is the whole
     * pipeline's, source included) and the statements that took its time: where the apply goes.
     */
    private static void printCost(SinkCost.Figures f) {
        Report.line("    warehouse: %s (per 1M changes)", f.describe());
        Report.line(
                "    warehouse statement time: staging %.1f s in %,d calls, the rest %.1f s; top:",
                f.statements().stagingMillis() / 1000,
                f.statements().stagingCalls(),
                f.statements().otherMillis() / 1000);
        for (String line : f.statements().top()) {
            Report.line("      %s", line);
        }
    }

    /** Every request present and completed, every user present, nothing dead-lettered. */
    static String check(WarehouseLedger ledger, long n, long users) throws Exception {
        long rows = ledger.count("SELECT count(*) FROM public.requests_analytical");
        long completed =
                ledger.count(
                        "SELECT count(*) FROM public.requests_analytical WHERE status <> 'pending'"
                                + " AND response IS NOT NULL AND user_email IS NOT NULL");
        long userRows = ledger.count("SELECT count(*) FROM public.users_dim");
        long dead = ledger.count("SELECT count(*) FROM pg2gp.dead_letters");
        if (rows != n || completed != n || userRows != users || dead != 0) {
            throw new IllegalStateException(
                    String.format(
                            "warehouse holds %d requests (%d completed and enriched), %d users,"
                                    + " %d dead letters; expected %d, %d, %d, 0",
                            rows, completed, userRows, dead, n, n, users));
        }
        return String.format(
                "%,d/%,d requests, all updated and enriched; %,d/%,d users; 0 dead letters",
                rows, n, userRows, users);
    }
}
