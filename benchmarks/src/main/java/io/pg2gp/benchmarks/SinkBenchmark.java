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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The warehouse sink alone: N enriched request rows, generated in memory by a bounded Flink source
 * (parallelism 2), into a freshly created {@code requests_analytical}. Next to it, in the same run
 * and into the same freshly created table: a raw pgjdbc COPY of the same rows pre-encoded (the
 * ceiling) and Flink's JdbcSink doing batched upserts (the usual alternative). Each measurement
 * also prints what decides its figure ({@link SinkCost}): WAL bytes per row, CPU-seconds per
 * million rows of this JVM and of the warehouse server, and for the sink the server's time staging
 * versus applying per commit.
 */
final class SinkBenchmark {

    static final int PARALLELISM = 2;
    static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(5);
    static final Duration TIMEOUT = Duration.ofMinutes(20);
    static final String TABLE = "public." + WarehouseTables.REQUESTS;

    private final BenchArgs args;
    private final Map<String, List<SinkCost.Figures>> costs = new LinkedHashMap<>();

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
        try (PostgresServer wh =
                PostgresServer.builder("bench-sink-warehouse")
                        .sharedBuffers(BenchServers.SHARED_BUFFERS)
                        .setting("shared_preload_libraries=pg_stat_statements")
                        .setting("log_autovacuum_min_duration=0")
                        .start()) {
            Report.line(
                    "warehouse PostgreSQL %s; table from WarehouseDdl.script(WarehouseDialect.POSTGRES, \"public\") (primary"
                            + " key and the created_at index), fresh database per measurement",
                    BenchServers.version(wh));
            SinkCost.prepare(wh);
            Report.line("warehouse settings: %s", SinkCost.settings(wh));
            Report.line("load average at start: %s", SinkCost.loadAverage());
            List<byte[]> encoded = RequestRows.encodeCopy(n, args.users());
            Report.line(
                    "rows pre-encoded for COPY: %,d bytes (%.0f bytes/row)",
                    RequestRows.bytes(encoded), RequestRows.bytes(encoded) / (double) n);
            for (int run = 1; run <= args.runs(); run++) {
                Report.line("run %d/%d", run, args.runs());
                if (measured("copy")) {
                    measureCopy(wh, "sink_copy_" + run, encoded, copy);
                }
                if (measured("jdbc")) {
                    measureJdbcSink(wh, "sink_jdbc_" + run, jdbc);
                }
                if (measured("pg2gp")) {
                    measurePg2gp(wh, "sink_pg2gp_" + run, pg2gp);
                }
            }
        }
        copy.printSummary();
        jdbc.printSummary();
        pg2gp.printSummary();
        for (var e : costs.entrySet()) {
            printCostSummary(e.getKey(), e.getValue());
        }
        Report.line("load average at end: %s", SinkCost.loadAverage());
        // Issue 17's targets: JdbcSink is at-least-once and not transactional, COPY the ceiling.
        Report.ratio("pg2gp sink / raw COPY", pg2gp.median() / copy.median(), 0.8);
        Report.ratio("pg2gp sink / Flink JdbcSink", pg2gp.median() / jdbc.median(), 1.0);
        Report.line(
                "(pg2gp and JdbcSink: from job submission until the job finished; pg2gp commits the"
                        + " last rows at the final checkpoint, triggered when the input ends (a stream"
                        + " commits them at its next checkpoint). COPY: the COPY alone. CPU-s: this"
                        + " JVM (Flink MiniCluster, or the COPY client) and the warehouse server's"
                        + " processes, over the same interval; they survive a loaded machine far"
                        + " better than rows/s.)");
    }

    /**
     * {@code -Dpg2gp.bench.only=pg2gp} (or {@code copy}, {@code jdbc}, comma-separated): measure
     * only these, for profiling one of them (all by default; the ratios need all three).
     */
    private static boolean measured(String what) {
        String only = System.getProperty("pg2gp.bench.only", "");
        return only.isBlank() || List.of(only.split(",")).contains(what);
    }

    private SinkCost.Figures cost(String name, SinkCost cost) throws Exception {
        SinkCost.Figures f = cost.stop(args.rows());
        costs.computeIfAbsent(name, k -> new ArrayList<>()).add(f);
        return f;
    }

    private static void printCostSummary(String name, List<SinkCost.Figures> runs) {
        Report.line(
                "%-44s median WAL %.0f B/row; CPU-s per 1M rows: JVM %.2f, server %.2f, total %.2f",
                name,
                median(runs.stream().mapToDouble(SinkCost.Figures::walBytesPerRow).toArray()),
                median(runs.stream().mapToDouble(SinkCost.Figures::jvmCpuPerMillion).toArray()),
                median(runs.stream().mapToDouble(SinkCost.Figures::serverCpuPerMillion).toArray()),
                median(
                        runs.stream()
                                .mapToDouble(f -> f.jvmCpuPerMillion() + f.serverCpuPerMillion())
                                .toArray()));
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        int n = v.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
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
        SinkCost cost = SinkCost.start(wh);
        try (Connection c = wh.connect(db)) {
            CopyIn in = RequestRows.copyIn(c, TABLE);
            start = System.nanoTime();
            for (byte[] chunk : encoded) {
                in.writeToCopy(chunk, 0, chunk.length);
            }
            in.endCopy();
            nanos = System.nanoTime() - start;
        }
        Report.line("  %s", cost(m.name(), cost).describe());
        m.add(args.rows(), nanos, rowsCheck(wh, db, args.rows()));
        BenchServers.dropDatabase(wh, db);
    }

    private DataStream<EnrichedRequest> rows(StreamExecutionEnvironment env) {
        return env.fromSequence(0, args.rows() - 1)
                .name("sequence")
                .setParallelism(PARALLELISM)
                .map(new RequestRows.Generate(args.users(), true))
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
        SinkCost cost = SinkCost.start(wh);
        JobClient job = FlinkJobs.submit(env, "bench sink: Flink JdbcSink");
        long nanos = FlinkJobs.awaitFinished(job, System.nanoTime(), TIMEOUT);
        Report.line("  %s", cost(m.name(), cost).describe());
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
        SinkCost cost = SinkCost.start(wh);
        JobClient job = FlinkJobs.submit(env, "bench sink: pg2gp");
        long nanos = FlinkJobs.awaitFinished(job, System.nanoTime(), TIMEOUT);
        SinkCost.Figures f = cost(m.name(), cost);
        long commits = BenchServers.queryLong(wh, db, "SELECT count(*) FROM pg2gp.commit_ledger");
        long applyMillis =
                BenchServers.queryLong(
                        wh, db, "SELECT coalesce(sum(apply_millis), 0) FROM pg2gp.commit_ledger");
        Report.line("  %s", f.describe());
        for (String line : f.statements().top()) {
            Report.line("    %s", line);
        }
        for (String line : cost.autovacuum()) {
            Report.line("    %s", line);
        }
        for (String line : SinkCost.tableActivity(wh, db)) {
            Report.line("    %s", line);
        }
        Report.line(
                "  per commit (%d): staging %.0f ms server time (%d statements), apply %.0f ms"
                        + " (ledger; server statements outside staging %.0f ms)",
                commits,
                f.statements().stagingMillis() / Math.max(1, commits),
                f.statements().stagingCalls(),
                applyMillis / (double) Math.max(1, commits),
                f.statements().otherMillis() / Math.max(1, commits));
        m.add(args.rows(), nanos, rowsCheck(wh, db, args.rows()) + ", " + commits + " commits");
        BenchServers.dropDatabase(wh, db);
    }
}
