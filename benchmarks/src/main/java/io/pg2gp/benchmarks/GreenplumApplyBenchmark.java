package io.pg2gp.benchmarks;

import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.testutils.CommitterApplyHarness;
import io.pg2gp.jobs.ingest.sink.MonthlyPartitions;
import io.pg2gp.jobs.settings.WarehouseDdl;
import io.pg2gp.jobs.settings.WarehouseTables;
import io.pg2gp.testutils.GreenplumCluster;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./pg2gp bench apply --warehouse greenplum [--rows N] [--runs R]}: does the apply's cost
 * grow with the batch or with the table? The real {@code requests_analytical} (the job's DDL:
 * distributed by user_id, monthly partitions, index on id) is filled server-side with N and 10 x N
 * rows over 24 months and analysed; then batches of {@value #BATCH} seed-shaped changes (updates of
 * rows up to 60 days old, new rows, a few deletes) are staged and applied by the committer's apply
 * (through {@link CommitterApplyHarness}), one committed transaction each. Printed per table size:
 * apply time p50 and the time per statement; rows read from the fact table by the match and the
 * delete (EXPLAIN ANALYZE of the recorded statements of one more batch, rolled back), with the
 * Postgres planner (what the apply uses) and with GPORCA; and the ratio large/small against the
 * target 1.5x.
 */
final class GreenplumApplyBenchmark {

    static final int BATCH = 10_000;
    static final String JOB = "bench-apply";
    static final String SCHEMA = "public";
    static final int MONTHS = 24;
    static final int TOUCHED_DAYS = 60;

    private static final Pattern SCAN_ON_TARGET =
            Pattern.compile(
                    "(Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan|Dynamic \\w+ Scan|"
                            + "Table Scan)(?: using \\S+)? on (requests_analytical\\S*)"
                            + ".*?actual time=\\S+ rows=(\\d+) loops=(\\d+)");
    private static final Pattern MOTION =
            Pattern.compile(
                    "(Redistribute|Broadcast|Explicit Redistribute) Motion .*?actual time=\\S+"
                            + " rows=(\\d+)");
    private static final Pattern PARTITIONS =
            Pattern.compile(
                    "Partitions (?:selected|scanned): (?:Avg )?([\\d.]+) \\(out of (\\d+)\\)");

    private final BenchArgs args;
    private final WarehouseTable table = WarehouseTables.requestsAnalytical(SCHEMA);
    private GreenplumCluster gp;

    GreenplumApplyBenchmark(BenchArgs args) {
        this.args = args;
    }

    /** What one table size measured. */
    private record SizeResult(
            long rows,
            List<Double> applyMillis,
            List<Reads> applyReads,
            Map<String, List<Double>> statementMillis,
            Reads postgresReads,
            Reads orcaReads,
            Reads analysedReads,
            Map<String, Explained> postgresPlanner,
            Map<String, Explained> orca,
            Map<String, Explained> analysed) {
        double p50() {
            return median(applyMillis);
        }
    }

    /**
     * What the fact table's partitions counted on every segment ({@code pg_stat_user_tables}
     * through {@code gp_dist_random}): rows read by sequential scans, rows fetched and scans done
     * through the index; pages of heap and index found in shared_buffers or read from the OS
     * ({@code pg_statio_user_tables}).
     */
    record Reads(
            long seqRows,
            long indexRows,
            long indexScans,
            long seqScans,
            long pagesHit,
            long pagesRead) {
        long rows() {
            return seqRows + indexRows;
        }

        Reads minus(Reads o) {
            return new Reads(
                    seqRows - o.seqRows,
                    indexRows - o.indexRows,
                    indexScans - o.indexScans,
                    seqScans - o.seqScans,
                    pagesHit - o.pagesHit,
                    pagesRead - o.pagesRead);
        }
    }

    /** Rows read from the fact table and the runtime of one statement under EXPLAIN ANALYZE. */
    private record Explained(long rowsRead, double millis, String partitions, String summary) {}

    void run() throws Exception {
        gp =
                GreenplumCluster.locate()
                        .orElseThrow(
                                () ->
                                        new IllegalStateException(
                                                "no Greenplum: set "
                                                        + GreenplumCluster.ENV_URL
                                                        + ", or "
                                                        + GreenplumCluster.ENV_SCRIPT
                                                        + " to gp-cluster"));
        long small = args.rows();
        if (small * TOUCHED_DAYS / (MONTHS * 30L) < 2L * BATCH) {
            throw new IllegalArgumentException(
                    "--rows must be at least 240000 for the apply benchmark: the last "
                            + TOUCHED_DAYS
                            + " days must hold enough rows for distinct updates");
        }
        long large = args.rows() * 10;
        int batches = Math.max(5, args.runs());
        Report.title(
                String.format(
                        "apply vs table size: %,d-change batches into requests_analytical of %,d"
                                + " and %,d rows over %d months (Greenplum warehouse)",
                        BATCH, small, large, MONTHS));
        try (Connection c = gp.connect(gp.maintenanceDatabase())) {
            Report.line(
                    "%s: %s; %d primary segments; server default optimizer=%s",
                    gp,
                    BenchServers.queryString(c, "SELECT version()").replaceAll(" \\(.*", ""),
                    BenchServers.queryLong(
                            c,
                            "SELECT count(*) FROM gp_segment_configuration"
                                    + " WHERE content >= 0 AND role = 'p'"),
                    BenchServers.queryString(c, "SHOW optimizer"));
        }
        Report.line(
                "batch: %d%% updates of rows up to %d days old (same hour), %d%% new rows, %d%%"
                        + " deletes; %d measured applies per size after one warm-up; load average"
                        + " at start %s",
                70, TOUCHED_DAYS, 25, 5, batches, loadAverage());
        // Both tables first, then their batches alternately: the machine's load drifts, and
        // alternating gives both sizes the same share of it.
        List<SizeResult> results = new ArrayList<>();
        try (Fact one = new Fact(small);
                Fact ten = new Fact(large)) {
            one.applyOne(false);
            ten.applyOne(false);
            for (int b = 0; b < batches; b++) {
                one.applyOne(true);
                ten.applyOne(true);
            }
            results.add(one.explainAndResult());
            results.add(ten.explainAndResult());
        }
        print(results);
        Report.line("load average at end %s", loadAverage());
    }

    /**
     * One fact table: its database (filled and analysed), the committer's connection and applier,
     * and what its applies measured.
     */
    private final class Fact implements AutoCloseable {
        final long rows;
        final String db;
        final Connection c;
        final CommitterApplyHarness applier;
        final Stager stager;
        final List<Double> applyMillis = new ArrayList<>();
        final List<Reads> applyReads = new ArrayList<>();
        final Map<String, List<Double>> perStatement = new LinkedHashMap<>();

        Fact(long rows) throws Exception {
            this.rows = rows;
            this.db = "bench_gp_apply_" + rows;
            BenchServers.dropDatabase(gp, db);
            gp.createDatabase(db);
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            Instant start = now.atOffset(ZoneOffset.UTC).minusMonths(MONTHS).toInstant();
            Generator g =
                    new Generator(
                            rows, Duration.between(start, now).getSeconds(), start, rows / 100 + 1);
            fill(g);
            WarehouseConnectionOptions options =
                    new WarehouseConnectionOptions(
                            gp.jdbcUrl(db), gp.user(), GreenplumCluster.ENV_PASSWORD);
            c = options.open("bench apply");
            applier = CommitterApplyHarness.open(c, table, "pg2gp", JOB, DeleteMode.MIRROR, "64MB");
            stager = new Stager(c, applier, g);
        }

        private void fill(Generator g) throws SQLException {
            try (Connection c = gp.connect(db);
                    Statement s = c.createStatement()) {
                s.execute(WarehouseDdl.script(WarehouseDialect.GREENPLUM_6, SCHEMA));
                new MonthlyPartitions(SCHEMA)
                        .ensureAhead(
                                c, WarehouseDialect.detect(c), YearMonth.now(ZoneOffset.UTC), 1);
                long t0 = System.nanoTime();
                s.execute(
                        "INSERT INTO "
                                + table.qualifiedName()
                                + " ("
                                + dataColumns()
                                + ", _cdc_lsn, _cdc_op, _cdc_committed_at) SELECT "
                                + g.row("x.g", "x.ca", "'completed'", "x.g", "'c'")
                                + " FROM (SELECT g, "
                                + g.createdAt("g")
                                + " AS ca FROM generate_series(1, "
                                + rows
                                + ") g) x");
                long filled = System.nanoTime();
                s.execute("ANALYZE " + table.qualifiedName());
                long analysed = System.nanoTime();
                Report.line(
                        "%,d rows: filled by INSERT ... SELECT generate_series in %.1f s, ANALYZE"
                                + " %.1f s; %s on disk, %d partitions",
                        rows,
                        (filled - t0) / 1e9,
                        (analysed - filled) / 1e9,
                        BenchServers.queryString(
                                c,
                                "SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid::regclass))::bigint)"
                                        + " FROM pg_inherits WHERE inhparent = '"
                                        + table.qualifiedName()
                                        + "'::regclass"),
                        BenchServers.queryLong(
                                c,
                                "SELECT count(*) FROM pg_inherits WHERE inhparent = '"
                                        + table.qualifiedName()
                                        + "'::regclass"));
            }
        }

        /** Stages and applies one batch (committed); measured unless a warm-up. */
        void applyOne(boolean measured) throws Exception {
            Staged batch = stager.stage();
            Map<String, Double> timed = new LinkedHashMap<>();
            Reads before = reads(c, db);
            long t0 = System.nanoTime();
            CommitterApplyHarness.Applied r = batch.apply(timing(c, timed, null));
            double ms = (System.nanoTime() - t0) / 1e6;
            Reads read = reads(c, db).minus(before);
            if (r.alreadyApplied() || r.upserted() == 0) {
                throw new IllegalStateException("apply did nothing: " + r);
            }
            if (!measured) {
                Report.line(
                        "%,d rows: warm-up apply %.0f ms (%d upserted, %d deleted)",
                        rows, ms, r.upserted(), r.deleted());
                return;
            }
            applyMillis.add(ms);
            applyReads.add(read);
            timed.forEach((k, v) -> perStatement.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
        }

        /**
         * One more batch: its statements recorded (the apply rolled back), then run under EXPLAIN
         * ANALYZE with either planner, and once more with an ANALYZE of the batch after it is
         * filled (what the apply ran before it relied on forced plans), each in a transaction
         * rolled back.
         */
        SizeResult explainAndResult() throws Exception {
            Staged extra = stager.stage();
            List<String> recorded = new ArrayList<>();
            extra.apply(timing(c, new LinkedHashMap<>(), recorded));
            Reads r0 = reads(c, db);
            Map<String, Explained> postgres = explain(c, recorded, "off", null);
            Reads r1 = reads(c, db);
            Map<String, Explained> orca = explain(c, recorded, "on", null);
            Reads r2 = reads(c, db);
            Map<String, Explained> analysed = explain(c, recorded, "off", applier.analyzeBatch());
            Reads r3 = reads(c, db);
            return new SizeResult(
                    rows,
                    applyMillis,
                    applyReads,
                    perStatement,
                    r1.minus(r0),
                    r2.minus(r1),
                    r3.minus(r2),
                    postgres,
                    orca,
                    analysed);
        }

        @Override
        public void close() throws Exception {
            c.close();
            // -Dpg2gp.bench.keep=true keeps the filled database for EXPLAIN by hand.
            if (!Boolean.getBoolean("pg2gp.bench.keep")) {
                BenchServers.dropDatabase(gp, db);
            }
        }
    }

    /**
     * The fact table's read counters summed over the segments. A backend reports its counters when
     * idle, at most every 500 ms: a statement sent to every segment after a pause makes the apply's
     * segment backends report, and a second pause lets the collectors write them.
     */
    private Reads reads(Connection apply, String db) throws SQLException, InterruptedException {
        Thread.sleep(600);
        try (Statement s = apply.createStatement()) {
            s.executeQuery("SELECT count(*) FROM gp_dist_random('gp_id')").close();
        }
        Thread.sleep(700);
        String partitions =
                " WHERE schemaname = '"
                        + SCHEMA
                        + "' AND relname LIKE 'requests\\_analytical\\_1\\_prt\\_%'";
        try (Connection c = gp.connect(db);
                Statement s = c.createStatement()) {
            long[] v = new long[6];
            try (ResultSet rs =
                    s.executeQuery(
                            "SELECT coalesce(sum(seq_tup_read), 0), coalesce(sum(idx_tup_fetch), 0),"
                                    + " coalesce(sum(idx_scan), 0), coalesce(sum(seq_scan), 0) FROM"
                                    + " gp_dist_random('pg_stat_user_tables')"
                                    + partitions)) {
                rs.next();
                for (int k = 0; k < 4; k++) {
                    v[k] = rs.getLong(k + 1);
                }
            }
            // Pages of heap and index: found in shared_buffers, or read from the OS.
            try (ResultSet rs =
                    s.executeQuery(
                            "SELECT coalesce(sum(heap_blks_hit + coalesce(idx_blks_hit, 0)), 0),"
                                    + " coalesce(sum(heap_blks_read + coalesce(idx_blks_read, 0)),"
                                    + " 0) FROM gp_dist_random('pg_statio_user_tables')"
                                    + partitions)) {
                rs.next();
                v[4] = rs.getLong(1);
                v[5] = rs.getLong(2);
            }
            return new Reads(v[0], v[1], v[2], v[3], v[4], v[5]);
        }
    }

    private String dataColumns() {
        return table.columns().stream()
                .map(WarehouseTable.Column::name)
                .reduce((a, b) -> a + ", " + b)
                .orElseThrow();
    }

    /**
     * Generated request rows: row {@code g} of N is dated {@code start + g/N x span} (so the newest
     * rows have the highest g), its id and user derived from g.
     */
    private record Generator(long rows, long span, Instant start, long users) {

        String createdAt(String g) {
            return "timestamptz '"
                    + start
                    + "' + interval '1 second' * (("
                    + g
                    + ")::bigint * "
                    + span
                    + " / "
                    + rows
                    + ")::float8";
        }

        /** The target's data columns and CDC columns of row {@code g}, dated {@code ca}. */
        String row(String g, String ca, String status, String lsn, String op) {
            return String.join(
                    ", ",
                    "md5(" + g + "::text || ':id')::uuid",
                    "md5((" + g + " % " + users + ")::text || ':user')::uuid",
                    "'how do I ' || " + g + " || ' ' || md5(" + g + "::text)",
                    "('{\"answer\": \"' || md5(" + g + "::text || " + status + ") || '\"}')::jsonb",
                    "(ARRAY['gpt-4o','claude-3','llama-3'])[1 + (" + g + " % 3)::int]",
                    "(" + g + " % 2000)::int",
                    "(" + g + " % 5000)::int",
                    status,
                    ca,
                    "'user' || (" + g + " % " + users + ") || '@example.com'",
                    "'member'",
                    "(ARRAY['search','code','chat'])[1 + (" + g + " % 3)::int]",
                    "(ARRAY['question','task'])[1 + (" + g + " % 2)::int]",
                    "extract(hour FROM " + ca + " AT TIME ZONE 'UTC')::int",
                    "extract(dow FROM " + ca + " AT TIME ZONE 'UTC')::int",
                    "extract(dow FROM " + ca + " AT TIME ZONE 'UTC') IN (0, 6)",
                    "(" + ca + " AT TIME ZONE 'UTC')::date",
                    lsn,
                    op,
                    ca);
        }
    }

    /**
     * Stages one batch per call, server-side, as the writers would have: each change one staged row
     * with the hour it moves from, under the next checkpoint id.
     */
    private final class Stager {
        private final Connection c;
        private final CommitterApplyHarness applier;
        private final Generator g;
        private final Random random = new Random(42);
        private long checkpoint;
        private long nextNew;

        Stager(Connection c, CommitterApplyHarness applier, Generator g) {
            this.c = c;
            this.applier = applier;
            this.g = g;
            this.nextNew = g.rows() + 1;
        }

        Staged stage() throws SQLException {
            checkpoint++;
            long lsnBase = 1_000_000_000L + checkpoint * 100_000L;
            long recent = Math.max(1, g.rows() * TOUCHED_DAYS / (MONTHS * 30L));
            Set<Long> changes = new LinkedHashSet<>();
            List<Long> elements = new ArrayList<>();
            while (elements.size() < BATCH) {
                int kind = random.nextInt(100);
                if (kind < 25) {
                    elements.add(nextNew++);
                    continue;
                }
                long old = g.rows() - (long) (random.nextDouble() * recent);
                if (old < 1 || !changes.add(old)) {
                    continue;
                }
                elements.add(kind < 30 ? -old : old);
            }
            Collections.shuffle(elements, random);
            String array =
                    "'{"
                            + elements.stream()
                                    .map(String::valueOf)
                                    .reduce((a, b) -> a + "," + b)
                                    .orElseThrow()
                            + "}'::bigint[]";
            long batchId = random.nextLong();
            String newAt = "timestamptz '" + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "'";
            String stage =
                    "INSERT INTO "
                            + applier.stagingTable()
                            + " ("
                            + applier.stagingColumns()
                            + ") SELECT '"
                            + JOB
                            + "', "
                            + batchId
                            + ", "
                            + checkpoint
                            + ", y.n, "
                            + g.row(
                                    "y.g",
                                    "y.ca",
                                    "CASE WHEN y.op = 'u' THEN 'updated' ELSE 'completed' END",
                                    lsnBase + " + y.n",
                                    "y.op")
                            + ", CASE WHEN y.op = 'u' THEN y.ca END FROM (SELECT x.n, abs(x.e) AS g,"
                            + " CASE WHEN x.e < 0 THEN 'd' WHEN x.e > "
                            + g.rows()
                            + " THEN 'c' ELSE 'u' END::char(1) AS op, CASE WHEN x.e > "
                            + g.rows()
                            + " THEN "
                            + newAt
                            + " ELSE "
                            + g.createdAt("abs(x.e)")
                            + " END AS ca FROM (SELECT a[i] AS e, i AS n FROM (SELECT "
                            + array
                            + " AS a) s, generate_series(1, "
                            + elements.size()
                            + ") i) x) y";
            try (Statement s = c.createStatement()) {
                s.executeUpdate(stage);
            }
            return new Staged(
                    applier,
                    random.nextLong(),
                    batchId,
                    checkpoint,
                    elements.size(),
                    lsnBase + elements.size());
        }
    }

    /** One staged batch, applied as the committer applies one writer's batch. */
    private record Staged(
            CommitterApplyHarness applier,
            long commitId,
            long batchId,
            long checkpoint,
            long rows,
            long maxLsn) {

        CommitterApplyHarness.Applied apply(Connection c) throws SQLException {
            return applier.apply(c, commitId, batchId, checkpoint, rows, maxLsn);
        }
    }

    /**
     * The connection as the applier sees it, timing every statement by kind into {@code timed};
     * with {@code recorded}, the statements are kept and the commit becomes a rollback.
     */
    private static Connection timing(
            Connection real, Map<String, Double> timed, List<String> recorded) {
        return (Connection)
                Proxy.newProxyInstance(
                        Connection.class.getClassLoader(),
                        new Class<?>[] {Connection.class},
                        (proxy, method, a) -> {
                            if (recorded != null && method.getName().equals("commit")) {
                                real.rollback();
                                return null;
                            }
                            if (method.getName().equals("createStatement")) {
                                Statement s = (Statement) invoke(method, real, a);
                                return timingStatement(s, timed, recorded);
                            }
                            return invoke(method, real, a);
                        });
    }

    private static Statement timingStatement(
            Statement s, Map<String, Double> timed, List<String> recorded) {
        return (Statement)
                Proxy.newProxyInstance(
                        Statement.class.getClassLoader(),
                        new Class<?>[] {Statement.class},
                        (proxy, method, a) -> {
                            if (method.getName().startsWith("execute")
                                    && a != null
                                    && a[0] instanceof String sql) {
                                if (recorded != null) {
                                    recorded.add(sql);
                                }
                                long t0 = System.nanoTime();
                                Object r = invoke(method, s, a);
                                timed.merge(kind(sql), (System.nanoTime() - t0) / 1e6, Double::sum);
                                return r;
                            }
                            return invoke(method, s, a);
                        });
    }

    private static Object invoke(Method method, Object target, Object[] a) throws Throwable {
        try {
            return method.invoke(target, a);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** A short name for an apply statement. */
    static String kind(String sql) {
        if (sql.startsWith("SET") || sql.startsWith("RESET")) {
            return "settings";
        }
        if (sql.startsWith("SELECT count(*), min(_cdc_lsn)")) {
            return "batch stats";
        }
        if (sql.startsWith("SELECT to_char(k.lo")) {
            return "key months";
        }
        if (sql.startsWith("SELECT DISTINCT CASE WHEN isfinite(old_hour)")) {
            return "replaced months";
        }
        if (sql.startsWith("INSERT INTO pg2gp.apply_batch")) {
            return "dedup batch";
        }
        if (sql.startsWith("ANALYZE")) {
            return "analyze batch";
        }
        if (sql.startsWith("INSERT INTO pg2gp.apply_match")) {
            return "match";
        }
        if (sql.contains("touched_hours")) {
            return "touched hours";
        }
        if (sql.startsWith("DELETE FROM " + SCHEMA + ".requests_analytical")) {
            return "delete";
        }
        if (sql.startsWith("INSERT INTO " + SCHEMA + ".requests_analytical")) {
            return "insert";
        }
        if (sql.startsWith("DELETE FROM pg2gp.apply_")) {
            return "clear work tables";
        }
        if (sql.startsWith("DELETE FROM pg2gp.stage")) {
            return "purge staging";
        }
        return "other";
    }

    /**
     * Runs the recorded statements again in one transaction (rolled back) with {@code optimizer}
     * for the statements that read the fact table; each under EXPLAIN ANALYZE except settings.
     */
    private static Map<String, Explained> explain(
            Connection c, List<String> statements, String optimizer, String analyzeBatch)
            throws SQLException {
        Map<String, Explained> out = new LinkedHashMap<>();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            for (String sql : statements) {
                String run =
                        sql.replace(
                                "SET LOCAL optimizer = off", "SET LOCAL optimizer = " + optimizer);
                String k = kind(run);
                boolean plain =
                        k.equals("settings")
                                || k.equals("analyze batch")
                                || run.startsWith("SELECT")
                                || k.equals("other");
                if (plain) {
                    s.execute(run);
                    continue;
                }
                List<String> plan = new ArrayList<>();
                try (ResultSet rs = s.executeQuery("EXPLAIN ANALYZE " + run)) {
                    while (rs.next()) {
                        plan.add(rs.getString(1));
                    }
                }
                if (analyzeBatch != null && k.equals("dedup batch")) {
                    long t0 = System.nanoTime();
                    s.execute(analyzeBatch);
                    out.put(
                            "analyze batch",
                            new Explained(0, (System.nanoTime() - t0) / 1e6, "", ""));
                }
                out.merge(
                        k,
                        explained(plan),
                        (x, y) ->
                                new Explained(
                                        x.rowsRead() + y.rowsRead(),
                                        x.millis() + y.millis(),
                                        x.partitions() + "+" + y.partitions(),
                                        x.summary() + " | " + y.summary()));
            }
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
        return out;
    }

    /**
     * Rows read from the fact table: for each scan node on it, rows x loops (GP6 reports the
     * busiest segment's rows per loop, so this is a per-segment figure, not a total).
     */
    static Explained explained(List<String> plan) {
        long rows = 0;
        double millis = Double.NaN;
        String partitions = "";
        Set<String> nodes = new LinkedHashSet<>();
        for (String line : plan) {
            Matcher scan = SCAN_ON_TARGET.matcher(line);
            if (scan.find()) {
                rows += Long.parseLong(scan.group(3)) * Long.parseLong(scan.group(4));
                nodes.add(scan.group(1) + " x" + scan.group(4));
            }
            Matcher motion = MOTION.matcher(line);
            if (motion.find()) {
                nodes.add(motion.group(1) + " Motion rows=" + motion.group(2));
            }
            Matcher parts = PARTITIONS.matcher(line);
            if (parts.find()) {
                partitions = " partitions " + parts.group(1) + "/" + parts.group(2);
            }
            if (line.startsWith("Total runtime") || line.startsWith("Execution time")) {
                millis = Double.parseDouble(line.replaceAll("[^0-9.]", ""));
            }
        }
        return new Explained(rows, millis, partitions, String.join(", ", nodes) + partitions);
    }

    private void print(List<SizeResult> results) {
        SizeResult a = results.get(0);
        SizeResult b = results.get(1);
        Report.line("");
        Report.line(
                "%-30s %16s %16s %8s",
                "per 10k-change batch",
                String.format("%,d rows", a.rows()),
                String.format("%,d rows", b.rows()),
                "ratio");
        row("apply p50 (ms, committed)", a.p50(), b.p50());
        row(
                "fact rows read p50 (all segs)",
                medianOf(a.applyReads(), Reads::rows),
                medianOf(b.applyReads(), Reads::rows));
        row(
                "  by seq scans p50",
                medianOf(a.applyReads(), Reads::seqRows),
                medianOf(b.applyReads(), Reads::seqRows));
        row(
                "  by index p50",
                medianOf(a.applyReads(), Reads::indexRows),
                medianOf(b.applyReads(), Reads::indexRows));
        row(
                "  index probes p50",
                medianOf(a.applyReads(), Reads::indexScans),
                medianOf(b.applyReads(), Reads::indexScans));
        row(
                "  pages hit in shared_buffers p50",
                medianOf(a.applyReads(), Reads::pagesHit),
                medianOf(b.applyReads(), Reads::pagesHit));
        row(
                "  pages read from the OS p50",
                medianOf(a.applyReads(), Reads::pagesRead),
                medianOf(b.applyReads(), Reads::pagesRead));
        row(
                "  partition seq scans p50",
                medianOf(a.applyReads(), Reads::seqScans),
                medianOf(b.applyReads(), Reads::seqScans));
        for (String k : a.statementMillis().keySet()) {
            row(
                    "  " + k + " p50 (ms)",
                    median(a.statementMillis().get(k)),
                    median(b.statementMillis().getOrDefault(k, List.of())));
        }
        for (String variant : List.of("off", "on", "off, with an ANALYZE of the batch")) {
            boolean orca = variant.equals("on");
            boolean analysed = variant.startsWith("off,");
            Map<String, Explained> x =
                    orca ? a.orca() : analysed ? a.analysed() : a.postgresPlanner();
            Map<String, Explained> y =
                    orca ? b.orca() : analysed ? b.analysed() : b.postgresPlanner();
            Reads ra = orca ? a.orcaReads() : analysed ? a.analysedReads() : a.postgresReads();
            Reads rb = orca ? b.orcaReads() : analysed ? b.analysedReads() : b.postgresReads();
            Report.line(
                    "one more batch, its statements under EXPLAIN ANALYZE (rolled back),"
                            + " optimizer=%s%s",
                    variant,
                    orca
                            ? " (GPORCA, for comparison)"
                            : analysed ? "" : " (Postgres planner: what the apply runs)");
            row("  fact rows read (all segs)", ra.rows(), rb.rows());
            row("  index probes", ra.indexScans(), rb.indexScans());
            row(
                    "  statements total (ms)",
                    x.values().stream().mapToDouble(Explained::millis).sum(),
                    y.values().stream().mapToDouble(Explained::millis).sum());
            for (String k : x.keySet()) {
                Explained ex = x.get(k);
                Explained ey = y.get(k);
                if (ey == null) {
                    continue;
                }
                row("  " + k + " (ms)", ex.millis(), ey.millis());
                if (k.equals("match") || k.equals("delete") || k.equals("insert")) {
                    Report.line("      %s | %s", ex.summary(), ey.summary());
                }
            }
        }
        Report.line("");
        double readA = medianOf(a.applyReads(), Reads::rows);
        double readB = medianOf(b.applyReads(), Reads::rows);
        atMostRatio("apply p50, 10x table / 1x table", b.p50() / a.p50());
        atMostRatio(
                "fact rows read p50, 10x table / 1x table",
                readA == 0 ? Double.NaN : readB / readA);
    }

    private static double medianOf(List<Reads> reads, java.util.function.ToLongFunction<Reads> f) {
        return median(reads.stream().map(r -> (double) f.applyAsLong(r)).toList());
    }

    private static void atMostRatio(String label, double v) {
        Report.atMost(label, v, 1.5);
    }

    private static void row(String label, double a, double b) {
        Report.line("%-30s %16.1f %16.1f %7.2fx", label, a, b, b / a);
    }

    static double median(List<Double> xs) {
        if (xs.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(xs);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String loadAverage() {
        try {
            String[] f =
                    java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg"))
                            .split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
