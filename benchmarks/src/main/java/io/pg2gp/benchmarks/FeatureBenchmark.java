package io.pg2gp.benchmarks;

import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.jobs.rollup.WarehouseScript;
import io.pg2gp.jobs.rollup.definition.FeatureDefinitions;
import io.pg2gp.jobs.rollup.recompute.FeatureRecomputer;
import io.pg2gp.jobs.settings.WarehouseDdl;
import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.PostgresServer;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The feature store's cost model: a fact table of N requests over the last year from 10,000 users
 * (generated in the warehouse); recomputing the features of the 100 users one commit touched next
 * to rebuilding every user's features, and all features of one user read from the view next to the
 * seed's Use Case 2 query for that user over the fact table (same answer required).
 */
final class FeatureBenchmark {

    static final int USERS = 10_000;
    static final int TOUCHED = 100;
    private static final int COMMITS_PER_RUN = 5;
    private static final int ONE_USER_READS = 100;
    private static final int SERVER_TIMED_READS = 20;
    private static final int PREPARED_WARMUP = 10;

    /**
     * Commit number {@code seq}: one request changed for each of 100 users. Returns the keys the
     * job gets for it: the commit's users paired with the UTC days of the hours it touched.
     */
    private static List<String> commitTouchingUsers(Connection c, long seq) throws Exception {
        List<String> users = new ArrayList<>();
        for (int i = 0; i < TOUCHED; i++) {
            users.add(uuid(c, (seq * 7919L + i * 97L) % USERS));
        }
        String changed =
                " WHERE id IN (SELECT md5('r' || (k + "
                        + USERS
                        + " * "
                        + seq
                        + "))::uuid FROM generate_series(0, "
                        + (USERS - 1)
                        + ") k) AND user_id IN ("
                        + String.join(", ", users.stream().map(u -> "'" + u + "'").toList())
                        + ")";
        List<String> keys = new ArrayList<>();
        try (Statement s = c.createStatement()) {
            s.execute(
                    "UPDATE public.requests_analytical SET execution_time_ms ="
                            + " execution_time_ms + 1"
                            + changed);
            List<String> days = new ArrayList<>();
            try (ResultSet rs =
                    s.executeQuery(
                            "SELECT DISTINCT (created_at AT TIME ZONE 'UTC')::date::text FROM"
                                    + " public.requests_analytical"
                                    + changed)) {
                while (rs.next()) {
                    days.add(rs.getString(1));
                }
            }
            for (String u : users) {
                for (String d : days) {
                    keys.add(u + "|" + d);
                }
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalStateException("--rows is too small for commit " + seq);
        }
        return keys;
    }

    /** The seed's query (Use Case 2) for one user; LIMIT 10 as the first ten of the array. */
    static String seedQuery() {
        String[] agents = {
            "Developer", "Architect", "Analyst", "QA", "DevOps", "Security", "Docs", "Support"
        };
        StringBuilder counts = new StringBuilder();
        for (String a : agents) {
            counts.append(" COUNT(*) FILTER (WHERE response->>'agent_used' = '")
                    .append(a)
                    .append("'),");
        }
        return "SELECT u.id as user_id, COUNT(r.id), AVG(r.execution_time_ms),"
                + " STDDEV(r.execution_time_ms), EXTRACT(DAY FROM NOW() - MAX(r.created_at)),"
                + " EXTRACT(DAY FROM MAX(r.created_at) - MIN(r.created_at)),"
                + " COUNT(DISTINCT DATE(r.created_at)),"
                + " MODE() WITHIN GROUP (ORDER BY EXTRACT(HOUR FROM r.created_at)),"
                + " MODE() WITHIN GROUP (ORDER BY EXTRACT(DOW FROM r.created_at)),"
                + counts
                + " AVG((response->>'confidence')::FLOAT),"
                + " COUNT(*) FILTER (WHERE status = 'error'),"
                + " COUNT(*) FILTER (WHERE execution_time_ms > 5000),"
                + " (ARRAY_AGG(query ORDER BY created_at DESC, r.id DESC))[1:10],"
                + " (ARRAY_AGG(execution_time_ms ORDER BY created_at DESC, r.id DESC))[1:10],"
                + " COUNT(*) FILTER (WHERE created_at >= NOW() - INTERVAL '7 days'),"
                + " COUNT(*) FILTER (WHERE created_at >= NOW() - INTERVAL '30 days')"
                + " FROM public.users_dim u LEFT JOIN public.requests_analytical r ON u.id ="
                + " r.user_id WHERE r.created_at >= NOW() - INTERVAL '1 year' AND NOT r._deleted"
                + " AND u.id = ?::uuid GROUP BY u.id";
    }

    private static final String VIEW_QUERY =
            "SELECT * FROM public.user_features_v1 WHERE user_id = ?::uuid";

    private final BenchArgs args;

    FeatureBenchmark(BenchArgs args) {
        this.args = args;
    }

    void run() throws Exception {
        if (args.greenplum()) {
            GreenplumCluster gp =
                    GreenplumCluster.locate()
                            .orElseThrow(() -> new IllegalStateException("no Greenplum cluster"));
            String db = "feature_bench";
            BenchServers.dropDatabase(gp, db);
            try (Connection c = gp.connect(gp.maintenanceDatabase());
                    Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE " + db);
            }
            try (Connection c = gp.connect(db)) {
                measure(c, WarehouseDialect.GREENPLUM_6, "Greenplum 6 (" + gp + ")");
            } finally {
                // -Dpg2gp.bench.keep=true keeps the filled database for EXPLAIN by hand.
                if (!Boolean.getBoolean("pg2gp.bench.keep")) {
                    BenchServers.dropDatabase(gp, db);
                }
            }
        } else {
            try (PostgresServer wh = BenchServers.warehouse("bench-feature-warehouse")) {
                String db = "feature_bench";
                wh.createDatabase(db);
                try (Connection c = wh.connect(db)) {
                    measure(c, WarehouseDialect.POSTGRES, "PostgreSQL");
                }
            }
        }
    }

    private void measure(Connection c, WarehouseDialect dialect, String where) throws Exception {
        long n = args.rows();
        Report.title(
                String.format(
                        "features: %,d requests over the last year from %,d users, %s",
                        n, USERS, where));
        Measurement touched = new Measurement("recompute the " + TOUCHED + " users of a commit");
        Measurement rebuild = new Measurement("rebuild every user's features");
        Measurement fromView = new Measurement("one user's features from the view");
        Measurement fromFacts = new Measurement("one user, the seed's query over the facts");
        List<Double> viewPlanning = new ArrayList<>();
        List<Double> viewExecution = new ArrayList<>();
        List<Double> seedPlanning = new ArrayList<>();
        List<Double> seedExecution = new ArrayList<>();
        List<Double> preparedViewPlanning = new ArrayList<>();
        List<Double> preparedViewExecution = new ArrayList<>();
        List<Double> preparedSeedPlanning = new ArrayList<>();
        List<Double> preparedSeedExecution = new ArrayList<>();
        Measurement preparedView =
                new Measurement("one user's features from the view, PREPAREd on the server");
        Measurement preparedSeed =
                new Measurement("one user, the seed's query, PREPAREd on the server");
        try (Statement s = c.createStatement()) {
            s.execute(WarehouseDdl.script(dialect, "public"));
            long load = System.nanoTime();
            s.execute(
                    "INSERT INTO public.users_dim (id, email, role, registered_at, _cdc_lsn,"
                            + " _cdc_op) SELECT md5(k::text)::uuid, 'u' || k || '@example.com',"
                            + " 'developer', now() - interval '2 years', 1, 'c' FROM"
                            + " generate_series(0, "
                            + (USERS - 1)
                            + ") k");
            s.execute(
                    "INSERT INTO public.requests_analytical (id, user_id, query, response,"
                            + " agent_used, tokens_used, execution_time_ms, status, created_at,"
                            + " _cdc_lsn, _cdc_op) SELECT md5('r' || g)::uuid, md5((g % "
                            + USERS
                            + ")::text)::uuid, 'query ' || g % 997, json_build_object('agent_used',"
                            + " (ARRAY['Developer', 'Architect', 'Analyst', 'QA', 'DevOps',"
                            + " 'Security', 'Docs', 'Support'])[1 + g % 8], 'confidence', (g % 100)"
                            + " / 100.0)::jsonb, 'agent', g % 500, ((g::bigint * 7919) % 9000)::int, CASE"
                            + " WHEN g % 20 = 0 THEN 'error' ELSE 'success' END, now() - interval"
                            + " '365 days' + (g::float8 / "
                            + n
                            + ") * interval '365 days', 1, 'c' FROM generate_series(0, "
                            + (n - 1)
                            + ") g");
            Report.line("loaded in %.0f s", (System.nanoTime() - load) / 1e9);
            long index = System.nanoTime();
            // The rest of the warehouse script: rollups, views, the feature table and its index
            // on the fact table (built once over the loaded rows).
            s.execute(WarehouseScript.render(dialect, "public", null));
            s.execute("ANALYZE public.requests_analytical");
            Report.line(
                    "feature objects and the fact table's (user_id, created_at) index in %.0f s",
                    (System.nanoTime() - index) / 1e9);
        }
        FeatureRecomputer recomputer =
                new FeatureRecomputer(FeatureDefinitions.load(null), "public");
        for (int run = 1; run <= args.runs(); run++) {
            long t0 = System.nanoTime();
            var all = recomputer.rebuild(c);
            rebuild.add(
                    all.rowsWritten(),
                    System.nanoTime() - t0,
                    String.format("%,d users", all.rowsWritten()));
            try (Statement s = c.createStatement()) {
                s.execute("ANALYZE public.user_features");
            }
            // Commits touching 100 users each, other users each time: the job recomputes after
            // every commit in one long-lived session, so not only the first recompute after the
            // rebuild (cold plans and caches) is timed.
            for (int commit = 1; commit <= COMMITS_PER_RUN; commit++) {
                List<String> keys = commitTouchingUsers(c, (run - 1L) * COMMITS_PER_RUN + commit);
                long t1 = System.nanoTime();
                var some = recomputer.recompute(c, keys);
                touched.add(
                        TOUCHED,
                        System.nanoTime() - t1,
                        String.format(
                                "%,d (user, day) pairs, %,d rows written",
                                keys.size(), some.rowsWritten()));
            }
            // Prepared, as a reader serving inference would: both plans are made once.
            try (PreparedStatement viewRead = c.prepareStatement(VIEW_QUERY);
                    PreparedStatement seedRead = c.prepareStatement(seedQuery())) {
                for (int i = 0; i < ONE_USER_READS; i++) {
                    String user = uuid(c, (run * 31L + i * 193L) % USERS);
                    List<String> view = new ArrayList<>();
                    long t2 = System.nanoTime();
                    query(viewRead, user, view);
                    fromView.add(1, System.nanoTime() - t2, "1 row");
                    if (i % 5 == 0) {
                        List<String> facts = new ArrayList<>();
                        long t3 = System.nanoTime();
                        query(seedRead, user, facts);
                        fromFacts.add(1, System.nanoTime() - t3, "1 row");
                        if (!sameAnswer(view, facts)) {
                            throw new IllegalStateException(
                                    "the view differs from the seed's query for "
                                            + user
                                            + ":\n"
                                            + view
                                            + "\n"
                                            + facts);
                        }
                    }
                }
            }
            // The server's own time for both reads, without the round trip (on a loaded machine
            // the client's clock mostly measures waiting for a core): EXPLAIN ANALYZE, unprepared.
            for (int i = 0; i < SERVER_TIMED_READS; i++) {
                String user = uuid(c, (run * 53L + i * 389L) % USERS);
                double[] view = serverMs(c, VIEW_QUERY, user);
                double[] facts = serverMs(c, seedQuery(), user);
                viewPlanning.add(view[0]);
                viewExecution.add(view[1]);
                seedPlanning.add(facts[0]);
                seedExecution.add(facts[1]);
            }
            // As a service serving inference would read: both statements prepared on the server
            // once and reused (after warm-up the plan cache serves them); EXPLAIN ANALYZE EXECUTE
            // gives planning (of a cached plan: ~0) and execution separately.
            try (Statement s = c.createStatement()) {
                s.execute("PREPARE feature_view(uuid) AS " + VIEW_QUERY.replace("?::uuid", "$1"));
                s.execute("PREPARE feature_seed(uuid) AS " + seedQuery().replace("?::uuid", "$1"));
                for (int i = 0; i < PREPARED_WARMUP; i++) {
                    String user = uuid(c, (run * 11L + i * 277L) % USERS);
                    s.execute("EXECUTE feature_view('" + user + "')");
                    s.execute("EXECUTE feature_seed('" + user + "')");
                }
                for (int i = 0; i < SERVER_TIMED_READS; i++) {
                    String user = uuid(c, (run * 59L + i * 421L) % USERS);
                    double[] view = serverMs(c, "EXECUTE feature_view(?::uuid)", user);
                    double[] facts = serverMs(c, "EXECUTE feature_seed(?::uuid)", user);
                    preparedViewPlanning.add(view[0]);
                    preparedViewExecution.add(view[1]);
                    preparedSeedPlanning.add(facts[0]);
                    preparedSeedExecution.add(facts[1]);
                    long t4 = System.nanoTime();
                    s.execute("EXECUTE feature_view('" + user + "')");
                    preparedView.add(1, System.nanoTime() - t4, "1 row");
                    long t5 = System.nanoTime();
                    s.execute("EXECUTE feature_seed('" + user + "')");
                    preparedSeed.add(1, System.nanoTime() - t5, "1 row");
                }
                // (not DEALLOCATE ALL: the driver's own server-side statements stay valid)
                s.execute("DEALLOCATE feature_view");
                s.execute("DEALLOCATE feature_seed");
            }
            if (run == 1) {
                String user = uuid(c, 42);
                Report.line(
                        "view plan for one user: %s; the seed query's: %s",
                        timing(c, VIEW_QUERY, user), timing(c, seedQuery(), user));
            }
        }
        touched.printSummary();
        rebuild.printSummary();
        fromFacts.printSummary();
        fromView.printSummary();
        // Measurements hold rates: users per second, reads per second.
        double touchedSeconds = TOUCHED / touched.median();
        double rebuildSeconds = USERS / rebuild.median();
        Report.line(
                "recompute %d users: %.1f ms; rebuild %,d users: %.1f s",
                TOUCHED, 1e3 * touchedSeconds, USERS, rebuildSeconds);
        Report.line(
                "one user from the view: %.2f ms; the seed's query for one user: %.1f ms",
                1e3 / fromView.median(), 1e3 / fromFacts.median());
        Report.ratio(
                "rebuild time / 100-user recompute time", rebuildSeconds / touchedSeconds, 100);
        Report.ratio(
                "seed query time / view read time", fromView.median() / fromFacts.median(), 100);
        double vp = median(viewPlanning);
        double ve = median(viewExecution);
        double sp = median(seedPlanning);
        double se = median(seedExecution);
        Report.line(
                "server time (EXPLAIN ANALYZE, median of %d users per run): view planning %.3f +"
                        + " execution %.3f ms; seed query planning %.3f + execution %.3f ms",
                viewPlanning.size(), vp, ve, sp, se);
        Report.ratio("seed execution / view execution (server)", se / ve, 100);
        Report.ratio("seed planning+execution / view's (server)", (sp + se) / (vp + ve), 100);
        double pvp = median(preparedViewPlanning);
        double pve = median(preparedViewExecution);
        double psp = median(preparedSeedPlanning);
        double pse = median(preparedSeedExecution);
        Report.line(
                "server time of the PREPAREd statements (EXPLAIN ANALYZE EXECUTE after %d"
                        + " warm-up executions, median of %d users per run): view planning %.3f +"
                        + " execution %.3f ms; seed query planning %.3f + execution %.3f ms",
                PREPARED_WARMUP, preparedViewPlanning.size(), pvp, pve, psp, pse);
        preparedSeed.printSummary();
        preparedView.printSummary();
        Report.line(
                "PREPAREd, client wall clock: one user from the view %.3f ms; the seed's query"
                        + " %.3f ms",
                1e3 / preparedView.median(), 1e3 / preparedSeed.median());
        Report.ratio(
                "PREPAREd: seed query time / view read time (client wall clock)",
                preparedView.median() / preparedSeed.median(),
                100);
        Report.ratio(
                "PREPAREd: seed planning+execution / view's (server)",
                (psp + pse) / (pvp + pve),
                100);
        Report.line("(the one-user answers of view and seed query are compared in every run)");
    }

    private static String uuid(Connection c, long k) throws Exception {
        return BenchServers.queryString(c, "SELECT md5('" + k + "')::uuid::text");
    }

    /** Same values, the float average within 1e-9 (its sum's order differs). */
    private static boolean sameAnswer(List<String> view, List<String> facts) {
        if (view.size() != 1 || facts.size() != 1) {
            return false;
        }
        String[] a = view.get(0).split("\\|", -1);
        String[] b = facts.get(0).split("\\|", -1);
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            // a prepared statement switched to binary transfer renders {1,2} as {"1","2"}
            if (a[i].replace("\"", "").equals(b[i].replace("\"", ""))) {
                continue;
            }
            try {
                double x = Double.parseDouble(a[i]);
                double y = Double.parseDouble(b[i]);
                if (Math.abs(x - y) > 1e-9 * Math.max(1, Math.abs(y))) {
                    return false;
                }
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return true;
    }

    /** Planning and execution milliseconds of one unprepared run, from EXPLAIN ANALYZE. */
    private static double[] serverMs(Connection c, String sql, String user) throws Exception {
        double[] ms = new double[2];
        try (Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "EXPLAIN ANALYZE " + sql.replace("?::uuid", "'" + user + "'"))) {
            while (rs.next()) {
                // PostgreSQL: "Planning Time: 0.9 ms"; Greenplum 6: "Planning time: 0.9 ms"
                String line = rs.getString(1).trim().toLowerCase(java.util.Locale.ROOT);
                int at = line.startsWith("planning time:") ? 0 : 1;
                if (line.startsWith("planning time:") || line.startsWith("execution time:")) {
                    String v = line.substring(line.indexOf(':') + 1).replace("ms", "").trim();
                    ms[at] = Double.parseDouble(v);
                }
            }
        }
        return ms;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Planning and execution time of one unprepared run, from EXPLAIN ANALYZE. */
    private static String timing(Connection c, String sql, String user) throws Exception {
        List<String> lines = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "EXPLAIN ANALYZE " + sql.replace("?::uuid", "'" + user + "'"))) {
            while (rs.next()) {
                String line = rs.getString(1).trim();
                if (line.startsWith("Planning") || line.startsWith("Execution")) {
                    lines.add(line);
                }
            }
        }
        return String.join(", ", lines);
    }

    private static void query(PreparedStatement p, String user, List<String> out) throws Exception {
        p.setString(1, user);
        try (ResultSet rs = p.executeQuery()) {
            int cols = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder sb = new StringBuilder();
                for (int i = 1; i <= cols; i++) {
                    sb.append(rs.getString(i)).append('|');
                }
                out.add(sb.toString());
            }
        }
    }
}
