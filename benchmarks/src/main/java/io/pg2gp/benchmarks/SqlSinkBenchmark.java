package io.pg2gp.benchmarks;

import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.connector.warehouse.WarehouseRowData;
import io.pg2gp.connector.warehouse.WarehouseSink;
import io.pg2gp.testutils.DatabaseServer;
import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.PostgresServer;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarCharType;

import java.io.IOException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code ./pg2gp bench sql}: the same N rows (generated in memory by a bounded Flink source, p=2)
 * into the same freshly created table through {@code 'connector' = 'greenplum'} (a
 * StreamTableEnvironment INSERT) and through the DataStream face of the same sink ({@link
 * WarehouseRowData} + {@link WarehouseSink}); next to them Flink's JDBC SQL connector ({@code
 * 'connector' = 'jdbc'}, batched INSERTs without a key, as it must on Greenplum 6, which has no
 * {@code ON CONFLICT}) into a table with the same data columns. Targets (issue 15): SQL ≥ 0.9× the
 * DataStream path; on Greenplum SQL ≥ 3× the JDBC connector. An untimed warm-up (a tenth of the
 * rows) runs every path once first, each run rotates the order of the three paths, and each
 * measurement also gives the CPU-seconds per 1M rows of this JVM and of the warehouse server
 * (Greenplum: coordinator and primary segments), which a shared machine's load bends less than wall
 * time.
 */
final class SqlSinkBenchmark {

    static final int PARALLELISM = 2;
    static final String TABLE = "bench_orders";
    static final RowType ROW_TYPE =
            RowType.of(
                    new org.apache.flink.table.types.logical.LogicalType[] {
                        new BigIntType(false),
                        new VarCharType(VarCharType.MAX_LENGTH),
                        new DecimalType(12, 2),
                        new VarCharType(VarCharType.MAX_LENGTH),
                        new LocalZonedTimestampType(6)
                    },
                    new String[] {"id", "customer", "amount", "note", "created_at"});
    static final List<String> KEY = List.of("id");
    private static final String FLINK_COLUMNS =
            "id BIGINT NOT NULL, customer STRING, amount DECIMAL(12, 2), note STRING,"
                    + " created_at TIMESTAMP_LTZ(6)";

    private final BenchArgs args;
    private DatabaseServer wh;
    private String passwordEnv;

    /** The warehouse server's processes: PostgreSQL, or Greenplum's coordinator. */
    private Optional<CoordinatorCpu> serverCpu = Optional.empty();

    /** Greenplum's primary segments together (empty on PostgreSQL). */
    private Optional<CoordinatorCpu> segmentCpu = Optional.empty();

    private final Map<Measurement, PathCpu> cpu = new LinkedHashMap<>();

    /** Rows of the measurement under way: the warm-up's, then {@code --rows}. */
    private long rows;

    SqlSinkBenchmark(BenchArgs args) {
        this.args = args;
    }

    void run() throws Exception {
        long n = args.rows();
        Report.title(
                String.format(
                        "sql: %,d rows into public.%s through 'connector' = 'greenplum' vs the"
                                + " DataStream sink vs 'connector' = 'jdbc' (%s warehouse)",
                        n, TABLE, args.greenplum() ? "Greenplum" : "PostgreSQL"));
        Measurement sql = new Measurement("SQL 'connector'='greenplum' (p=2)");
        Measurement stream = new Measurement("DataStream WarehouseSink<RowData> (p=2)");
        Measurement jdbc = new Measurement("SQL 'connector'='jdbc' INSERT (p=2)");
        PostgresServer pg = null;
        if (args.greenplum()) {
            GreenplumCluster gp =
                    GreenplumCluster.locate().orElseThrow(GreenplumLoadBenchmark::noCluster);
            wh = gp;
            passwordEnv = gp.password() == null ? null : GreenplumCluster.ENV_PASSWORD;
            serverCpu = CoordinatorCpu.of(gp);
            segmentCpu = CoordinatorCpu.segments(gp);
        } else {
            pg =
                    PostgresServer.builder("bench-sql-warehouse")
                            .sharedBuffers(BenchServers.SHARED_BUFFERS)
                            .start();
            wh = pg;
            serverCpu = CoordinatorCpu.postgres(pg.dataDir());
        }
        cpu.put(stream, new PathCpu());
        cpu.put(sql, new PathCpu());
        cpu.put(jdbc, new PathCpu());
        rows = n;
        try {
            try (Connection c = wh.connect(wh.maintenanceDatabase())) {
                Report.line(
                        "warehouse %s: %s",
                        wh,
                        BenchServers.queryString(c, "SELECT version()").replaceAll(" \\(.*", ""));
            }
            Report.line(
                    "rows: id BIGINT (sequence), customer, amount DECIMAL(12,2), note (~40 chars),"
                            + " created_at TIMESTAMP_LTZ(6); loader auto; 5 s checkpoints; a fresh"
                            + " database per measurement; load average at start: %s",
                    SinkCost.loadAverage());
            // The order rotates from run to run (run 1: SQL, jdbc, DataStream; run 2: jdbc,
            // DataStream, SQL; ...): no path always runs first in a cold JVM or after another.
            List<Measurement> paths = List.of(sql, jdbc, stream);
            // An untimed warm-up of every path first: the first job of a fresh JVM pays for
            // class loading and JIT compilation (the planner's most), whichever path it is.
            rows = Math.max(1000, n / 10);
            Report.line("warm-up, untimed: %,d rows through each path", rows);
            measureSql("bench_sql_warmup_sql", new Measurement("warm-up: " + sql.name()));
            measureJdbc("bench_sql_warmup_jdbc", new Measurement("warm-up: " + jdbc.name()));
            measureStream("bench_sql_warmup_stream", new Measurement("warm-up: " + stream.name()));
            cpu.keySet().retainAll(paths);
            rows = n;
            for (int run = 1; run <= args.runs(); run++) {
                List<String> order = new ArrayList<>();
                for (int i = 0; i < paths.size(); i++) {
                    order.add(paths.get((run - 1 + i) % paths.size()).name());
                }
                Report.line(
                        "run %d/%d (load average %s; order: %s)",
                        run, args.runs(), SinkCost.loadAverage(), String.join(", ", order));
                for (int i = 0; i < paths.size(); i++) {
                    Measurement m = paths.get((run - 1 + i) % paths.size());
                    if (m == sql) {
                        measureSql("bench_sql_sql_" + run, sql);
                    } else if (m == jdbc) {
                        measureJdbc("bench_sql_jdbc_" + run, jdbc);
                    } else {
                        measureStream("bench_sql_stream_" + run, stream);
                    }
                }
            }
        } finally {
            if (pg != null) {
                pg.close();
            }
        }
        sql.printSummary();
        stream.printSummary();
        jdbc.printSummary();
        printCpuSummary();
        Report.line("load average at end: %s", SinkCost.loadAverage());
        Report.ratio("SQL greenplum / DataStream sink", sql.median() / stream.median(), 0.9);
        if (args.greenplum()) {
            Report.ratio("SQL greenplum / SQL jdbc", sql.median() / jdbc.median(), 3.0);
        } else {
            Report.line(
                    "SQL greenplum / SQL jdbc: %.2fx (the 3x target is Greenplum's)",
                    sql.median() / jdbc.median());
        }
        Report.line(
                "(each: from just before submission (SQL: executeSql, which plans the statement and"
                        + " prepares the warehouse) until the job finished; pg2gp commits the last"
                        + " rows at the final checkpoint, triggered when the input ends)");
    }

    private String freshDatabase(String db, boolean pg2gpColumns) {
        dropDatabase(db);
        wh.createDatabase(db);
        wh.execute(db, createTable(pg2gpColumns, args.greenplum()));
        return db;
    }

    /**
     * The benchmark's table: the data columns, with pg2gp's metadata columns when it loads them.
     */
    static String createTable(boolean pg2gpColumns, boolean greenplum) {
        return "CREATE TABLE public."
                + TABLE
                + " (id bigint NOT NULL, customer text, amount numeric(12, 2), note text,"
                + " created_at timestamptz"
                + (pg2gpColumns
                        ? ", _cdc_lsn bigint NOT NULL, _cdc_op char(1) NOT NULL,"
                                + " _cdc_committed_at timestamptz, _synced_at timestamptz"
                                + " NOT NULL DEFAULT now()"
                        : "")
                + ", PRIMARY KEY (id))"
                + (greenplum ? " DISTRIBUTED BY (id)" : "");
    }

    private void dropDatabase(String db) {
        if (wh instanceof GreenplumCluster gp) {
            BenchServers.dropDatabase(gp, db);
        } else {
            BenchServers.dropDatabase((PostgresServer) wh, db);
        }
    }

    private String rowsCheck(String db) throws Exception {
        try (Connection c = wh.connect(db)) {
            long found =
                    BenchServers.queryLong(
                            c,
                            "SELECT count(*) FROM public."
                                    + TABLE
                                    + " WHERE note = 'order ' || id || E'\\tnote \\u00e9\\u00e8'");
            if (found != rows) {
                throw new IllegalStateException(
                        db + ": expected " + rows + " rows, found " + found);
            }
            return String.format("%,d/%,d rows", found, rows);
        }
    }

    private DataStream<RowData> rows(StreamExecutionEnvironment env) {
        return env.fromSequence(0, rows - 1)
                .name("sequence")
                .setParallelism(PARALLELISM)
                .map(new Generate())
                .name("generate rows")
                .returns(InternalTypeInfo.of(ROW_TYPE))
                .setParallelism(PARALLELISM);
    }

    private void measureStream(String db, Measurement m) throws Exception {
        freshDatabase(db, true);
        StreamExecutionEnvironment env =
                FlinkJobs.environment(FlinkJobs.configuration(SinkBenchmark.CHECKPOINT_INTERVAL));
        rows(env)
                .keyBy(WarehouseRowData.keySelector(ROW_TYPE, KEY))
                .sinkTo(dataStreamSink(wh, db, passwordEnv, "bench-sql"))
                .name("pg2gp WarehouseSink")
                .uid("bench-sql-sink")
                .setParallelism(PARALLELISM);
        CpuSample before = cpuNow();
        long start = System.nanoTime();
        JobClient job = FlinkJobs.submit(env, "bench sql: DataStream sink");
        String submitted = submitted(start);
        long nanos = FlinkJobs.awaitFinished(job, start, SinkBenchmark.TIMEOUT);
        String cost = cpu.computeIfAbsent(m, k -> new PathCpu()).add(before, cpuNow(), rows);
        m.add(rows, nanos, rowsCheck(db) + cost + submitted);
        dropDatabase(db);
    }

    /** The DataStream face of the sink into the benchmark's table of {@code db}. */
    static WarehouseSink<RowData> dataStreamSink(
            DatabaseServer wh, String db, String passwordEnv, String pipeline) {
        return WarehouseSink.<RowData>builder()
                .connection(new WarehouseConnectionOptions(wh.jdbcUrl(db), wh.user(), passwordEnv))
                .table(WarehouseRowData.table("public", TABLE, ROW_TYPE, KEY, Map.of()))
                .serializer(WarehouseRowData.serializer(ROW_TYPE, null, false))
                .pipelineName(pipeline)
                .build();
    }

    private void measureSql(String db, Measurement m) throws Exception {
        freshDatabase(db, true);
        StreamExecutionEnvironment env =
                FlinkJobs.environment(FlinkJobs.configuration(SinkBenchmark.CHECKPOINT_INTERVAL));
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
        tEnv.createTemporaryView("src", tEnv.fromDataStream(rows(env)));
        tEnv.executeSql(
                "CREATE TEMPORARY TABLE dst ("
                        + FLINK_COLUMNS
                        + ", PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'greenplum',"
                        + " 'url' = '"
                        + wh.jdbcUrl(db)
                        + "', 'table-name' = 'public."
                        + TABLE
                        + "', 'username' = '"
                        + wh.user()
                        + "'"
                        + (passwordEnv == null ? "" : ", 'password-env' = '" + passwordEnv + "'")
                        + ", 'sink.parallelism' = '"
                        + PARALLELISM
                        + "', 'sink.pipeline-name' = 'bench-sql')");
        CpuSample before = cpuNow();
        long start = System.nanoTime();
        TableResult r = tEnv.executeSql("INSERT INTO dst SELECT * FROM src");
        JobClient job = r.getJobClient().orElseThrow();
        String submitted = submitted(start);
        long nanos = FlinkJobs.awaitFinished(job, start, SinkBenchmark.TIMEOUT);
        String cost = cpu.computeIfAbsent(m, k -> new PathCpu()).add(before, cpuNow(), rows);
        m.add(rows, nanos, rowsCheck(db) + cost + submitted);
        dropDatabase(db);
    }

    private void measureJdbc(String db, Measurement m) throws Exception {
        freshDatabase(db, false);
        StreamExecutionEnvironment env = FlinkJobs.environment(FlinkJobs.configuration(null));
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
        tEnv.createTemporaryView("src", tEnv.fromDataStream(rows(env)));
        String password = passwordEnv == null ? "" : System.getenv().getOrDefault(passwordEnv, "");
        tEnv.executeSql(
                "CREATE TEMPORARY TABLE dst ("
                        + FLINK_COLUMNS.replace("TIMESTAMP_LTZ(6)", "TIMESTAMP(6)")
                        + ") WITH ('connector' = 'jdbc', 'url' = '"
                        + wh.jdbcUrl(db)
                        + (wh.jdbcUrl(db).contains("?") ? "&" : "?")
                        + "reWriteBatchedInserts=true', 'table-name' = 'public."
                        + TABLE
                        + "', 'username' = '"
                        + wh.user()
                        + "', 'password' = '"
                        + password
                        + "', 'sink.buffer-flush.max-rows' = '5000',"
                        + " 'sink.buffer-flush.interval' = '1s', 'sink.parallelism' = '"
                        + PARALLELISM
                        + "')");
        CpuSample before = cpuNow();
        long start = System.nanoTime();
        // The JDBC connector has no TIMESTAMP_LTZ; the column is timestamptz either way.
        TableResult r =
                tEnv.executeSql(
                        "INSERT INTO dst SELECT id, customer, amount, note,"
                                + " CAST(created_at AS TIMESTAMP(6)) FROM src");
        JobClient job = r.getJobClient().orElseThrow();
        String submitted = submitted(start);
        long nanos = FlinkJobs.awaitFinished(job, start, SinkBenchmark.TIMEOUT);
        String cost = cpu.computeIfAbsent(m, k -> new PathCpu()).add(before, cpuNow(), rows);
        m.add(rows, nanos, rowsCheck(db) + cost + submitted);
        dropDatabase(db);
    }

    /**
     * The time until the job was submitted: for the SQL paths planning, code generation and (for
     * the greenplum connector) preparing the warehouse table, a fixed cost per job that weighs on a
     * short run.
     */
    private static String submitted(long start) {
        return String.format("; submitted after %.2f s", (System.nanoTime() - start) / 1e9);
    }

    /** CPU-seconds so far of this JVM (the MiniCluster), the server and the segments. */
    record CpuSample(double jvm, double server, double segments) {}

    private CpuSample cpuNow() throws IOException {
        return new CpuSample(
                ProcessHandle.current()
                        .info()
                        .totalCpuDuration()
                        .map(d -> d.toNanos() / 1e9)
                        .orElse(Double.NaN),
                serverCpu.isPresent() ? serverCpu.get().seconds() : Double.NaN,
                segmentCpu.isPresent() ? segmentCpu.get().seconds() : 0);
    }

    /** One path's CPU-seconds per 1M rows, run by run. */
    static final class PathCpu {
        final List<Double> jvm = new ArrayList<>();
        final List<Double> server = new ArrayList<>();
        final List<Double> segments = new ArrayList<>();

        String add(CpuSample before, CpuSample after, long rows) {
            double perMillion = 1e6 / rows;
            jvm.add((after.jvm() - before.jvm()) * perMillion);
            server.add((after.server() - before.server()) * perMillion);
            segments.add((after.segments() - before.segments()) * perMillion);
            return String.format(
                    "; CPU-s/1M: JVM %.1f, server %.1f%s",
                    last(jvm),
                    last(server),
                    after.segments() > 0 ? String.format(", segments %.1f", last(segments)) : "");
        }

        private static double last(List<Double> values) {
            return values.get(values.size() - 1);
        }
    }

    private void printCpuSummary() {
        boolean gp = segmentCpu.isPresent();
        Report.line(
                "CPU-seconds per 1M rows, medians (JVM: this process, i.e. the MiniCluster that"
                        + " generates, plans, encodes%s; server: the %s's postmaster and every"
                        + " backend%s):",
                gp ? " and serves gpfdist" : "",
                gp ? "coordinator" : "warehouse server",
                gp ? "; segments: the primaries together" : "");
        for (Map.Entry<Measurement, PathCpu> e : cpu.entrySet()) {
            PathCpu c = e.getValue();
            if (c.jvm.isEmpty()) {
                continue;
            }
            List<Double> total = new ArrayList<>();
            for (int i = 0; i < c.jvm.size(); i++) {
                total.add(c.jvm.get(i) + c.server.get(i) + c.segments.get(i));
            }
            Report.line(
                    "  %-44s JVM %6.1f  server %6.1f%s  total %6.1f",
                    e.getKey().name(),
                    median(c.jvm),
                    median(c.server),
                    gp ? String.format("  segments %6.1f", median(c.segments)) : "",
                    median(total));
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Row i: deterministic values, text with a tab and non-ASCII characters. */
    static final class Generate implements MapFunction<Long, RowData> {
        private static final long BASE = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

        @Override
        public RowData map(Long i) {
            return GenericRowData.of(
                    i,
                    StringData.fromString("customer " + (i % 9973)),
                    DecimalData.fromBigDecimal(BigDecimal.valueOf(i % 1_000_000, 2), 12, 2),
                    StringData.fromString("order " + i + "\tnote \u00e9\u00e8"),
                    TimestampData.fromEpochMillis(BASE + i * 1000, (int) (i % 1000) * 1000));
        }
    }
}
