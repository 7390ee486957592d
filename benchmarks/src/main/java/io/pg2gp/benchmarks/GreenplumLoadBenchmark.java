package io.pg2gp.benchmarks;

import io.pg2gp.connector.warehouse.GpfdistLoaderOptions;
import io.pg2gp.connector.warehouse.LoaderKind;
import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseSink;
import io.pg2gp.connector.warehouse.WarehouseSinkBuilder;
import io.pg2gp.jobs.ingest.model.EnrichedRequest;
import io.pg2gp.jobs.ingest.sink.RequestRecordSerializer;
import io.pg2gp.jobs.settings.WarehouseDdl;
import io.pg2gp.jobs.settings.WarehouseTables;
import io.pg2gp.testutils.GreenplumCluster;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import org.postgresql.copy.CopyIn;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;

/**
 * {@code ./pg2gp bench sink --warehouse greenplum}: N enriched request rows into a freshly created
 * Greenplum {@code requests_analytical} (a fresh database per measurement), five ways in one run:
 * the pg2gp sink with {@code loader: gpfdist}; Greenplum's own {@code gpfdist} binary serving the
 * same rows from a file to a readable external table (the physical reference for parallel loading);
 * a raw COPY through the coordinator; the sink with {@code loader: copy}; Flink's JdbcSink with
 * batched plain INSERTs. Next to the rates: the coordinator's CPU-seconds per 1M rows of each (from
 * {@code /proc}, for a cluster on this machine), the figure that decides whether loading scales
 * with the segments or stops at the coordinator.
 */
final class GreenplumLoadBenchmark {

    static final int PARALLELISM = SinkBenchmark.PARALLELISM;
    static final String TABLE = SinkBenchmark.TABLE;
    static final String EXTERNAL = "public.bench_rows_ext";
    static final String ROWS_FILE = "rows.txt";

    /** The file's columns ({@link RequestRows#COLUMNS}) typed as in the Greenplum DDL. */
    static final String EXTERNAL_COLUMNS =
            "id uuid, user_id uuid, query text, response jsonb, model text, tokens_used integer,"
                    + " execution_time_ms integer, status text, created_at timestamptz,"
                    + " user_email text, user_role text, agent_used text, query_type text,"
                    + " hour_of_day integer, day_of_week integer, is_weekend boolean,"
                    + " created_date date, _cdc_lsn bigint, _cdc_op char(1),"
                    + " _cdc_committed_at timestamptz";

    private final BenchArgs args;
    private GreenplumCluster gp;
    private CoordinatorCpuTally cpu;

    GreenplumLoadBenchmark(BenchArgs args) {
        this.args = args;
    }

    void run() throws Exception {
        long n = args.rows();
        gp = GreenplumCluster.locate().orElseThrow(GreenplumLoadBenchmark::noCluster);
        cpu =
                new CoordinatorCpuTally(
                        CoordinatorCpu.of(gp), CoordinatorCpu.segments(gp), args.rows());
        Report.title(
                String.format(
                        "sink: %,d enriched request rows into %s (Greenplum warehouse)", n, TABLE));
        try (Connection c = gp.connect(gp.maintenanceDatabase())) {
            Report.line(
                    "%s: %s; %d primary segments; optimizer=%s",
                    gp,
                    BenchServers.queryString(c, "SELECT version()").replaceAll(" \\(.*", ""),
                    BenchServers.queryLong(
                            c,
                            "SELECT count(*) FROM gp_segment_configuration"
                                    + " WHERE content >= 0 AND role = 'p'"),
                    BenchServers.queryString(c, "SHOW optimizer"));
        }
        Report.line(
                "table from WarehouseDdl.script(WarehouseDialect.GREENPLUM_6, \"public\") (distributed by user_id, monthly"
                        + " partitions, index on id); a fresh database per measurement");
        Report.line("the sink stages in chunks of " + stageChunkSize().toHumanReadableString());
        Measurement binary = new Measurement("gpfdist binary -> external table (INSERT SELECT)");
        Measurement sinkGpfdist = new Measurement("pg2gp WarehouseSink loader=gpfdist (p=2)");
        Measurement copy = new Measurement("raw COPY FROM STDIN via coordinator");
        Measurement sinkCopy = new Measurement("pg2gp WarehouseSink loader=copy (p=2)");
        Measurement jdbc = new Measurement("Flink JdbcSink INSERT (batch 5000, rewrite, p=2)");

        Path dir = Files.createTempDirectory("pg2gp-bench-gpfdist");
        try {
            List<byte[]> encoded = RequestRows.encodeCopy(n, args.users());
            try (OutputStream out = Files.newOutputStream(dir.resolve(ROWS_FILE))) {
                for (byte[] chunk : encoded) {
                    out.write(chunk);
                }
            }
            Report.line(
                    "rows encoded as COPY TEXT: %,d bytes (%.0f bytes/row), in memory for COPY and"
                            + " in %s for the gpfdist binary",
                    RequestRows.bytes(encoded),
                    RequestRows.bytes(encoded) / (double) n,
                    dir.resolve(ROWS_FILE));
            Optional<Path> gpfdist = gpfdistBinary();
            if (gpfdist.isEmpty()) {
                Report.line(
                        "no gpfdist binary (the managed cluster's $GPHOME, or GPHOME): the"
                                + " reference (a) is left out");
            }
            GpfdistLoaderOptions endpoints = endpoints();
            cpu.printIdle();
            for (int run = 1; run <= args.runs(); run++) {
                Report.line("run %d/%d", run, args.runs());
                if (gpfdist.isPresent() && selected("binary")) {
                    measureGpfdistBinary(gpfdist.get(), dir, "bench_gp_binary_" + run, binary);
                }
                if (selected("gpfdist")) {
                    measureSink(
                            "bench_gp_sink_gpfdist_" + run,
                            LoaderKind.GPFDIST,
                            endpoints,
                            sinkGpfdist);
                }
                if (selected("copy")) {
                    measureCopy("bench_gp_copy_" + run, encoded, copy);
                }
                if (selected("sinkcopy")) {
                    measureSink("bench_gp_sink_copy_" + run, LoaderKind.COPY, endpoints, sinkCopy);
                }
                if (selected("jdbc")) {
                    measureJdbcSink("bench_gp_jdbc_" + run, jdbc);
                }
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
        for (Measurement m : List.of(binary, sinkGpfdist, copy, sinkCopy, jdbc)) {
            if (!m.isEmpty()) {
                m.printSummary();
            }
        }
        if (!binary.isEmpty()) {
            Report.ratio(
                    "sink gpfdist / gpfdist binary", sinkGpfdist.median() / binary.median(), 0.8);
        }
        Report.ratio("sink gpfdist / Flink JdbcSink", sinkGpfdist.median() / jdbc.median(), 3.0);
        Report.ratio("sink gpfdist / sink copy", sinkGpfdist.median() / sinkCopy.median(), 1.0);
        Report.line(
                "(sinks and JdbcSink: from job submission (MiniCluster up) until the job finished, the last rows"
                        + " committed at the final checkpoint, triggered when the input ends."
                        + " gpfdist binary: the INSERT ... SELECT alone, server running"
                        + " and file written. COPY: the COPY alone.)");
        cpu.printSummary(binary, sinkGpfdist, copy, sinkCopy);
        upsertOnGreenplum();
    }

    /** {@code -Dpg2gp.bench.only=gpfdist,binary}: measure only these (all by default). */
    private static boolean selected(String what) {
        String only = System.getProperty("pg2gp.bench.only", "");
        return only.isBlank() || List.of(only.split(",")).contains(what);
    }

    /** {@code -Dpg2gp.bench.stage-chunk-size=32m}: the sink's chunk size (its default if unset). */
    private static MemorySize stageChunkSize() {
        String size = System.getProperty("pg2gp.bench.stage-chunk-size", "");
        return size.isBlank()
                ? WarehouseSinkBuilder.DEFAULT_STAGE_CHUNK_SIZE
                : MemorySize.parse(size);
    }

    static IllegalStateException noCluster() {
        return new IllegalStateException(
                "no Greenplum: set "
                        + GreenplumCluster.ENV_URL
                        + ", or "
                        + GreenplumCluster.ENV_SCRIPT
                        + " to gp-cluster");
    }

    private Optional<Path> gpfdistBinary() {
        Optional<Path> home = gp.home();
        if (home.isEmpty() && !gp.managed() && System.getenv("GPHOME") != null) {
            home = Optional.of(Path.of(System.getenv("GPHOME")));
        }
        return home.map(h -> h.resolve("bin/gpfdist")).filter(Files::isExecutable);
    }

    /** On the managed cluster the segments reach this host on 127.0.0.1; elsewhere its name. */
    private GpfdistLoaderOptions endpoints() {
        if (!gp.managed()) {
            return GpfdistLoaderOptions.DEFAULTS;
        }
        return GpfdistLoaderOptions.builder()
                .bindAddress("127.0.0.1")
                .advertisedHost("127.0.0.1")
                .build();
    }

    private String host() throws java.net.UnknownHostException {
        return gp.managed() ? "127.0.0.1" : java.net.InetAddress.getLocalHost().getHostName();
    }

    private void freshTable(String db) {
        dropDatabase(db);
        gp.createDatabase(db);
        gp.execute(db, WarehouseDdl.script(WarehouseDialect.GREENPLUM_6, "public"));
    }

    private void dropDatabase(String db) {
        if (Boolean.getBoolean("pg2gp.bench.keep")) {
            return;
        }
        BenchServers.dropDatabase(gp, db);
    }

    private String rowsCheck(String db) throws SQLException {
        try (Connection c = gp.connect(db)) {
            long found = BenchServers.queryLong(c, "SELECT count(*) FROM " + TABLE);
            if (found != args.rows()) {
                throw new IllegalStateException(
                        db
                                + ": expected "
                                + args.rows()
                                + " rows in "
                                + TABLE
                                + ", found "
                                + found);
            }
            return String.format("%,d/%,d rows", found, args.rows());
        }
    }

    /** Records the run with its coordinator CPU-seconds per 1M rows. */
    private void record(
            Measurement m, long nanos, CoordinatorCpuTally.Sample cpuBefore, String check)
            throws Exception {
        m.add(args.rows(), nanos, check + cpu.record(m, cpuBefore));
    }

    private void measureGpfdistBinary(Path binary, Path dir, String db, Measurement m)
            throws Exception {
        freshTable(db);
        try (GpfdistServer server = GpfdistServer.start(binary, dir);
                Connection c = gp.connect(db);
                Statement s = c.createStatement()) {
            s.execute(
                    "CREATE READABLE EXTERNAL TABLE "
                            + EXTERNAL
                            + " ("
                            + EXTERNAL_COLUMNS
                            + ") LOCATION ('"
                            + server.url(host(), ROWS_FILE)
                            + "') FORMAT 'TEXT' ENCODING 'UTF8'");
            CoordinatorCpuTally.Sample cpuBefore = cpu.now();
            double serverBefore = server.cpuSeconds();
            long start = System.nanoTime();
            s.execute(
                    "INSERT INTO "
                            + TABLE
                            + " ("
                            + RequestRows.COLUMNS
                            + ") SELECT * FROM "
                            + EXTERNAL);
            long nanos = System.nanoTime() - start;
            // The binary runs outside this JVM: its own CPU, to set beside the sink's gpfdist
            // server threads.
            String served =
                    String.format(
                            ", gpfdist process %.2f CPU-s/1M",
                            (server.cpuSeconds() - serverBefore) * 1e6 / args.rows());
            record(m, nanos, cpuBefore, rowsCheck(db) + served);
        }
        dropDatabase(db);
    }

    private void measureCopy(String db, List<byte[]> encoded, Measurement m) throws Exception {
        freshTable(db);
        try (Connection c = gp.connect(db)) {
            CopyIn in = RequestRows.copyIn(c, TABLE);
            CoordinatorCpuTally.Sample cpuBefore = cpu.now();
            long start = System.nanoTime();
            for (byte[] chunk : encoded) {
                in.writeToCopy(chunk, 0, chunk.length);
            }
            in.endCopy();
            long nanos = System.nanoTime() - start;
            record(m, nanos, cpuBefore, rowsCheck(db));
        }
        dropDatabase(db);
    }

    /**
     * The rows as a change stream delivers them: one ordered source (a CDC stream is read by one
     * reader), so every checkpoint's rows carry higher LSNs ({@code 1,000,000 + i}) than the
     * previous checkpoint's, then spread over the sink's subtasks. Two parallel sequence readers
     * would each run through their own half of the LSNs, so every batch after the first would hold
     * LSNs below ones already applied, which a real stream never does.
     */
    private DataStream<EnrichedRequest> rows(StreamExecutionEnvironment env) {
        return env.fromSequence(0, args.rows() - 1)
                .name("sequence")
                .setParallelism(1)
                .rebalance()
                .map(new RequestRows.Generate(args.users()))
                .name("generate enriched requests")
                .returns(TypeInformation.of(EnrichedRequest.class))
                .setParallelism(PARALLELISM);
    }

    private void measureSink(
            String db, LoaderKind loader, GpfdistLoaderOptions endpoints, Measurement m)
            throws Exception {
        freshTable(db);
        StreamExecutionEnvironment env =
                FlinkJobs.environment(FlinkJobs.configuration(SinkBenchmark.CHECKPOINT_INTERVAL));
        rows(env)
                .sinkTo(
                        WarehouseSink.<EnrichedRequest>builder()
                                .connection(
                                        new WarehouseConnectionOptions(
                                                gp.jdbcUrl(db),
                                                gp.user(),
                                                gp.password() == null
                                                        ? null
                                                        : GreenplumCluster.ENV_PASSWORD))
                                .table(WarehouseTables.requestsAnalytical("public"))
                                .serializer(new RequestRecordSerializer())
                                .pipelineName("bench")
                                .loader(loader)
                                .gpfdist(endpoints)
                                .stageChunkSize(stageChunkSize())
                                .build())
                .name("pg2gp WarehouseSink")
                .uid("bench-pg2gp-sink")
                .setParallelism(PARALLELISM);
        CoordinatorCpuTally.Sample cpuBefore = cpu.now();
        // From submission on, as FlinkJobs and SinkBenchmark time jobs: each job starts its own
        // MiniCluster, which is no part of loading (10+ s on a busy machine).
        long submitting = System.nanoTime();
        JobClient job = FlinkJobs.submit(env, "bench sink on Greenplum: " + loader);
        long nanos = FlinkJobs.awaitFinished(job, System.nanoTime(), SinkBenchmark.TIMEOUT);
        double withStartUp = (System.nanoTime() - submitting) / 1e9;
        long commits;
        long applyMillis;
        try (Connection c = gp.connect(db)) {
            commits = BenchServers.queryLong(c, "SELECT count(*) FROM pg2gp.commit_ledger");
            applyMillis =
                    BenchServers.queryLong(
                            c, "SELECT coalesce(sum(apply_millis), 0) FROM pg2gp.commit_ledger");
        }
        record(
                m,
                nanos,
                cpuBefore,
                String.format(
                        "%s, %d commits applying %.1f s, %.1f s with MiniCluster start",
                        rowsCheck(db), commits, applyMillis / 1e3, withStartUp));
        dropDatabase(db);
    }

    private void measureJdbcSink(String db, Measurement m) throws Exception {
        freshTable(db);
        StreamExecutionEnvironment env = FlinkJobs.environment(FlinkJobs.configuration(null));
        rows(env)
                .sinkTo(
                        RequestRows.jdbcSink(
                                RequestRows.insertSql(TABLE),
                                gp.jdbcUrl(db),
                                gp.user(),
                                gp.password()))
                .name("Flink JdbcSink")
                .setParallelism(PARALLELISM);
        CoordinatorCpuTally.Sample cpuBefore = cpu.now();
        // From submission on, as FlinkJobs and SinkBenchmark time jobs: each job starts its own
        // MiniCluster, which is no part of loading (10+ s on a busy machine).
        long submitting = System.nanoTime();
        JobClient job = FlinkJobs.submit(env, "bench sink on Greenplum: Flink JdbcSink");
        long nanos = FlinkJobs.awaitFinished(job, System.nanoTime(), SinkBenchmark.TIMEOUT);
        double withStartUp = (System.nanoTime() - submitting) / 1e9;
        record(
                m,
                nanos,
                cpuBefore,
                String.format("%s, %.1f s with MiniCluster start", rowsCheck(db), withStartUp));
        dropDatabase(db);
    }

    /**
     * Flink's JDBC upsert (the PostgreSQL dialect's {@code INSERT ... ON CONFLICT ... DO UPDATE},
     * which flink-connector-jdbc generates for every jdbc:postgresql URL) run once on this
     * Greenplum: prints what the server answers.
     */
    private void upsertOnGreenplum() throws Exception {
        String db = "bench_gp_upsert";
        freshTable(db);
        try (Connection c = gp.connect(db);
                PreparedStatement p = c.prepareStatement(RequestRows.upsertSql(TABLE))) {
            RequestRows.bind(p, RequestRows.enriched(0, args.users()));
            p.executeUpdate();
            Report.line(
                    "JdbcSink upsert (INSERT ... ON CONFLICT (id) DO UPDATE): ran on this server");
        } catch (SQLException e) {
            Report.line(
                    "JdbcSink upsert (INSERT ... ON CONFLICT (id) DO UPDATE, as flink-connector-jdbc's"
                            + " PostgresDialect writes it) on this server: %s (SQLSTATE %s)",
                    e.getMessage().replaceAll("\\s+", " "), e.getSQLState());
        }
        dropDatabase(db);
    }
}
