package io.pg2gp.benchmarks;

import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseSink;
import io.pg2gp.jobs.ingest.model.EnrichedRequest;
import io.pg2gp.jobs.ingest.sink.RequestRecordSerializer;
import io.pg2gp.jobs.settings.WarehouseDdl;
import io.pg2gp.jobs.settings.WarehouseTables;
import io.pg2gp.testutils.PostgresServer;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import org.postgresql.copy.CopyIn;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;

/**
 * The warehouse sink alone: N enriched request rows, generated in memory by a bounded Flink source
 * (parallelism 2), into a freshly created {@code requests_analytical}. Next to it, in the same run
 * and into the same freshly created table: a raw pgjdbc COPY of the same rows pre-encoded (the
 * ceiling) and Flink's JdbcSink doing batched upserts (the usual alternative).
 */
final class SinkBenchmark {

    static final int PARALLELISM = 2;
    static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(5);
    static final Duration TIMEOUT = Duration.ofMinutes(20);
    static final String TABLE = "public." + WarehouseTables.REQUESTS;

    private final BenchArgs args;

    SinkBenchmark(BenchArgs args) {
        this.args = args;
    }

    void run() throws Exception {
        long n = args.rows();
        Report.title(
                String.format(
                        "sink: %,d enriched request rows into %s (PostgreSQL warehouse)",
                        n, TABLE));
        Measurement copy = new Measurement("raw COPY FROM STDIN (pgjdbc CopyManager, TEXT)");
        Measurement jdbc = new Measurement("Flink JdbcSink upsert (batch 5000, p=2)");
        Measurement pg2gp = new Measurement("pg2gp WarehouseSink (p=2, 5 s checkpoints)");
        try (PostgresServer wh = BenchServers.warehouse("bench-sink-warehouse")) {
            Report.line(
                    "warehouse PostgreSQL %s; table from WarehouseDdl.script(WarehouseDialect.POSTGRES, \"public\") (primary"
                            + " key and the created_at index), fresh database per measurement",
                    BenchServers.version(wh));
            List<byte[]> encoded = RequestRows.encodeCopy(n, args.users());
            Report.line(
                    "rows pre-encoded for COPY: %,d bytes (%.0f bytes/row)",
                    RequestRows.bytes(encoded), RequestRows.bytes(encoded) / (double) n);
            for (int run = 1; run <= args.runs(); run++) {
                Report.line("run %d/%d", run, args.runs());
                measureCopy(wh, "sink_copy_" + run, encoded, copy);
                measureJdbcSink(wh, "sink_jdbc_" + run, jdbc);
                measurePg2gp(wh, "sink_pg2gp_" + run, pg2gp);
            }
        }
        copy.printSummary();
        jdbc.printSummary();
        pg2gp.printSummary();
        Report.ratio("pg2gp sink / raw COPY", pg2gp.median() / copy.median(), 0.6);
        Report.ratio("pg2gp sink / Flink JdbcSink", pg2gp.median() / jdbc.median(), 3.0);
        Report.line(
                "(pg2gp and JdbcSink: from job submission until the job finished; pg2gp commits the"
                        + " last rows at the final checkpoint after end of input, so up to one"
                        + " checkpoint interval is included. COPY: the COPY alone.)");
    }

    private static String freshTable(PostgresServer wh, String db) {
        BenchServers.dropDatabase(wh, db);
        wh.createDatabase(db);
        wh.execute(db, WarehouseDdl.script(WarehouseDialect.POSTGRES, "public"));
        return db;
    }

    private static String rowsCheck(PostgresServer wh, String db, long expected) {
        long found = BenchServers.queryLong(wh, db, "SELECT count(*) FROM " + TABLE);
        if (found != expected) {
            throw new IllegalStateException(
                    db + ": expected " + expected + " rows in " + TABLE + ", found " + found);
        }
        return String.format("%,d/%,d rows in %s", found, expected, TABLE);
    }

    private void measureCopy(PostgresServer wh, String db, List<byte[]> encoded, Measurement m)
            throws Exception {
        freshTable(wh, db);
        long start;
        long nanos;
        try (Connection c = wh.connect(db)) {
            CopyIn in = RequestRows.copyIn(c, TABLE);
            start = System.nanoTime();
            for (byte[] chunk : encoded) {
                in.writeToCopy(chunk, 0, chunk.length);
            }
            in.endCopy();
            nanos = System.nanoTime() - start;
        }
        m.add(args.rows(), nanos, rowsCheck(wh, db, args.rows()));
        BenchServers.dropDatabase(wh, db);
    }

    private DataStream<EnrichedRequest> rows(StreamExecutionEnvironment env) {
        return env.fromSequence(0, args.rows() - 1)
                .name("sequence")
                .setParallelism(PARALLELISM)
                .map(new RequestRows.Generate(args.users()))
                .name("generate enriched requests")
                .returns(TypeInformation.of(EnrichedRequest.class))
                .setParallelism(PARALLELISM);
    }

    private void measureJdbcSink(PostgresServer wh, String db, Measurement m) throws Exception {
        freshTable(wh, db);
        StreamExecutionEnvironment env = FlinkJobs.environment(FlinkJobs.configuration(null));
        rows(env)
                .sinkTo(
                        RequestRows.jdbcSink(
                                RequestRows.upsertSql(TABLE),
                                wh.jdbcUrl(db),
                                PostgresServer.SUPERUSER,
                                null))
                .name("Flink JdbcSink")
                .setParallelism(PARALLELISM);
        JobClient job = FlinkJobs.submit(env, "bench sink: Flink JdbcSink");
        long nanos = FlinkJobs.awaitFinished(job, System.nanoTime(), TIMEOUT);
        m.add(args.rows(), nanos, rowsCheck(wh, db, args.rows()));
        BenchServers.dropDatabase(wh, db);
    }

    private void measurePg2gp(PostgresServer wh, String db, Measurement m) throws Exception {
        freshTable(wh, db);
        StreamExecutionEnvironment env =
                FlinkJobs.environment(FlinkJobs.configuration(CHECKPOINT_INTERVAL));
        rows(env)
                .sinkTo(
                        WarehouseSink.<EnrichedRequest>builder()
                                .connection(
                                        new WarehouseConnectionOptions(
                                                wh.jdbcUrl(db), PostgresServer.SUPERUSER, null))
                                .table(WarehouseTables.requestsAnalytical("public"))
                                .serializer(new RequestRecordSerializer())
                                .pipelineName("bench")
                                .build())
                .name("pg2gp WarehouseSink")
                .uid("bench-pg2gp-sink")
                .setParallelism(PARALLELISM);
        JobClient job = FlinkJobs.submit(env, "bench sink: pg2gp");
        long nanos = FlinkJobs.awaitFinished(job, System.nanoTime(), TIMEOUT);
        long commits = BenchServers.queryLong(wh, db, "SELECT count(*) FROM pg2gp.commit_ledger");
        m.add(args.rows(), nanos, rowsCheck(wh, db, args.rows()) + ", " + commits + " commits");
        BenchServers.dropDatabase(wh, db);
    }
}
