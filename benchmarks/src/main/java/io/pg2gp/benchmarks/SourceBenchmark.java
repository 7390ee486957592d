package io.pg2gp.benchmarks;

import io.pg2gp.connector.cdc.PostgresCdcOptions;
import io.pg2gp.connector.cdc.PostgresCdcSources;
import io.pg2gp.connector.cdc.StartupMode;
import io.pg2gp.jobs.ingest.cdc.SourceChangeDeserializer;
import io.pg2gp.testutils.PostgresServer;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

import java.time.Duration;
import java.util.List;

/**
 * The CDC source alone: a replication backlog (users and N inserts, then N updates, written after
 * both slots were created) drained by the Flink CDC source into a counting, discarding sink, next
 * to pg_recvlogical draining the same backlog from its own slot.
 */
final class SourceBenchmark {

    static final Duration TIMEOUT = Duration.ofMinutes(30);

    private final BenchArgs args;

    SourceBenchmark(BenchArgs args) {
        this.args = args;
    }

    void run() throws Exception {
        long n = args.rows();
        long users = args.users();
        Report.title(
                String.format(
                        "source: drain a backlog of %,d users + %,d inserts, then %,d updates"
                                + " (requests, REPLICA IDENTITY FULL)",
                        users, n, n));
        Measurement recvInserts = new Measurement("pg_recvlogical, insert phase");
        Measurement recvUpdates = new Measurement("pg_recvlogical, update phase");
        Measurement recvAll = new Measurement("pg_recvlogical, both phases");
        Measurement cdcInserts = new Measurement("Flink CDC source, insert phase");
        Measurement cdcUpdates = new Measurement("Flink CDC source, update phase");
        Measurement cdcAll = new Measurement("Flink CDC source, both phases");
        try (PostgresServer src = BenchServers.source("bench-source")) {
            Report.line(
                    "source PostgreSQL %s; pgoutput proto_version 1, publication pg2gp; Flink CDC"
                            + " 3.5.0 incremental source, startup mode committed, SourceChangeDeserializer,"
                            + " parallelism 1, 5 s checkpoints, counting sink",
                    BenchServers.version(src));
            for (int run = 1; run <= args.runs(); run++) {
                Report.line("run %d/%d", run, args.runs());
                String db = "source_" + run;
                String cdcSlot = "bench_cdc_" + run;
                String recvSlot = "bench_recv_" + run;
                BenchServers.dropDatabase(src, db);
                src.createDatabase(db);
                BenchServers.createSourceSchema(src, db);
                BenchServers.createLogicalSlot(src, db, cdcSlot);
                BenchServers.createLogicalSlot(src, db, recvSlot);
                SourceWorkload.Backlog backlog = SourceWorkload.writeBacklog(src, db, users, n);
                Report.line(
                        "backlog written in %.1f s (100k-row transactions), WAL up to %s",
                        backlog.seconds(), backlog.lsnAfterUpdates());

                long recvIns = PgRecvLogical.stream(src, db, recvSlot, backlog.lsnAfterInserts());
                long recvUpd = PgRecvLogical.stream(src, db, recvSlot, backlog.lsnAfterUpdates());
                String recvCheck = "slot confirmed " + backlog.lsnAfterUpdates() + ", exit 0";
                recvInserts.add(users + n, recvIns, "slot confirmed " + backlog.lsnAfterInserts());
                recvUpdates.add(n, recvUpd, recvCheck);
                recvAll.add(users + 2 * n, recvIns + recvUpd, recvCheck);

                long[] cdc = drainWithFlinkCdc(src, db, cdcSlot, users + n, n);
                String counted =
                        String.format("counted %,d inserts + %,d updates, 0 other", users + n, n);
                cdcInserts.add(users + n, cdc[0], counted);
                cdcUpdates.add(n, cdc[1], counted);
                cdcAll.add(users + 2 * n, cdc[0] + cdc[1], counted);

                BenchServers.dropSlot(src, db, cdcSlot);
                BenchServers.dropSlot(src, db, recvSlot);
                BenchServers.dropDatabase(src, db);
            }
        }
        for (Measurement m :
                List.of(recvInserts, recvUpdates, recvAll, cdcInserts, cdcUpdates, cdcAll)) {
            m.printSummary();
        }
        Report.ratio(
                "CDC source / pg_recvlogical, inserts",
                cdcInserts.median() / recvInserts.median(),
                0.5);
        Report.ratio(
                "CDC source / pg_recvlogical, updates",
                cdcUpdates.median() / recvUpdates.median(),
                0.5);
        Report.ratio("CDC source / pg_recvlogical, both", cdcAll.median() / recvAll.median(), 0.5);
        Report.line(
                "(Flink: from job submission until the phase's last change was counted, so the"
                        + " insert phase includes the source's start-up; pg_recvlogical: process"
                        + " start to exit at --endpos.)");
    }

    /** Returns the nanoseconds of the insert phase (from submission) and of the update phase. */
    private static long[] drainWithFlinkCdc(
            PostgresServer src, String db, String slot, long inserts, long updates)
            throws Exception {
        PostgresCdcOptions options =
                PostgresCdcOptions.builder()
                        .host(src.host())
                        .port(src.port())
                        .database(db)
                        .user(PostgresServer.SUPERUSER)
                        .slotName(slot)
                        .publicationName("pg2gp")
                        .tables(List.of("public.users", "public.requests"))
                        .startupMode(StartupMode.COMMITTED)
                        .build();
        ChangeCounter.reset(inserts, updates);
        StreamExecutionEnvironment env =
                FlinkJobs.environment(FlinkJobs.configuration(Duration.ofSeconds(5)));
        env.setParallelism(1);
        env.fromSource(
                        PostgresCdcSources.create(
                                options,
                                new SourceChangeDeserializer("public.users", "public.requests")),
                        WatermarkStrategy.noWatermarks(),
                        "PostgreSQL CDC")
                .filter(new ChangeCounter())
                .name("count changes")
                .sinkTo(new DiscardingSink<>())
                .name("discard");
        JobClient job = FlinkJobs.submit(env, "bench source: Flink CDC drain");
        long start = System.nanoTime();
        try {
            FlinkJobs.awaitCondition(
                    "every change counted",
                    job,
                    TIMEOUT,
                    Duration.ofMillis(20),
                    () ->
                            ChangeCounter.updatesDoneNanos != 0
                                    && ChangeCounter.insertsDoneNanos != 0);
        } finally {
            FlinkJobs.cancel(job);
        }
        // After the cancel: the counts must be exact (no change lost, none twice).
        if (ChangeCounter.INSERTS.get() != inserts
                || ChangeCounter.UPDATES.get() != updates
                || ChangeCounter.OTHERS.get() != 0) {
            throw new IllegalStateException(
                    String.format(
                            "Flink CDC delivered %d inserts, %d updates, %d others; expected %d, %d, 0",
                            ChangeCounter.INSERTS.get(),
                            ChangeCounter.UPDATES.get(),
                            ChangeCounter.OTHERS.get(),
                            inserts,
                            updates));
        }
        long insertsDone = ChangeCounter.insertsDoneNanos;
        return new long[] {insertsDone - start, ChangeCounter.updatesDoneNanos - insertsDone};
    }
}
