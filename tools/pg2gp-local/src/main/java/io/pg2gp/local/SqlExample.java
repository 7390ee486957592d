package io.pg2gp.local;

import io.pg2gp.jobs.settings.SettingException;
import io.pg2gp.testutils.PostgresServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code ./pg2gp sql-example}: runs {@code sql/examples/replicate_orders.sql} with Flink's SQL
 * client ({@code deploy/local-cluster/sql-client}) on the local session cluster, from a local
 * PostgreSQL source to a local PostgreSQL warehouse, then changes the source while the job streams
 * and compares the tables row by row after the snapshot and after the changes.
 */
public final class SqlExample {

    static final String SCRIPT = "sql/examples/replicate_orders.sql";

    /** What the script names; other ports are written into a copy of it. */
    static final int SCRIPT_SOURCE_PORT = 15432;

    static final int SCRIPT_WAREHOUSE_PORT = 15433;

    private static final String USAGE =
            "usage: pg2gp sql-example [--dir DIR] [--rows N] [--source-port N] [--warehouse-port N]"
                    + " [--web-port N] [--stay (keep everything running until Ctrl-C)]";
    private static final Duration CONVERGE = Duration.ofMinutes(3);
    private static final String PASSWORD_VARIABLE = "PG2GP_WAREHOUSE_PASSWORD";
    private static final String ROWS =
            "SELECT id, customer, amount, note, extract(epoch FROM created_at)"
                    + " FROM public.orders ORDER BY id";

    /** Where it ran and what the two comparisons found. */
    record Result(String jobId, RowComparison snapshot, RowComparison streamed) {}

    /** Settings; {@code cluster} holds extra {@code PG2GP_FLINK_*} variables (tests' ports). */
    record Settings(
            Path dir,
            int rows,
            int sourcePort,
            int warehousePort,
            int webPort,
            boolean stay,
            Map<String, String> cluster) {}

    public static void main(String[] args) throws Exception {
        SettingException.exitOnUserError(
                "pg2gp sql-example",
                () -> {
                    Result r = run(Path.of("").toAbsolutePath(), parse(args));
                    if (!r.snapshot().equal() || !r.streamed().equal()) {
                        System.exit(1);
                    }
                });
    }

    static Settings parse(String[] args) {
        String tmp = System.getenv("TMPDIR");
        Path dir =
                Path.of(
                        tmp == null || tmp.isBlank() ? System.getProperty("java.io.tmpdir") : tmp,
                        "pg2gp-sql-example");
        int rows = 1000;
        int sourcePort = SCRIPT_SOURCE_PORT;
        int warehousePort = SCRIPT_WAREHOUSE_PORT;
        int webPort = 8081;
        boolean stay = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--dir" -> dir = Path.of(value(args, ++i, a));
                case "--rows" -> rows = Integer.parseInt(value(args, ++i, a));
                case "--source-port" -> sourcePort = Integer.parseInt(value(args, ++i, a));
                case "--warehouse-port" -> warehousePort = Integer.parseInt(value(args, ++i, a));
                case "--web-port" -> webPort = Integer.parseInt(value(args, ++i, a));
                case "--stay" -> stay = true;
                case "-h", "--help" -> throw new SettingException(USAGE);
                default -> throw new SettingException("unknown argument '" + a + "'\n" + USAGE);
            }
        }
        return new Settings(dir, rows, sourcePort, warehousePort, webPort, stay, Map.of());
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new SettingException(option + " needs a value\n" + USAGE);
        }
        return args[i];
    }

    static Result run(Path repo, Settings s) throws Exception {
        SessionCluster.stopIfRunning(repo, s.dir().resolve("flink"));
        LocalPipeline.wipe(s.dir());
        Files.createDirectories(s.dir());
        System.out.println("pg2gp sql-example; data under " + s.dir());
        try (PostgresServer source =
                        PostgresServer.builder("source")
                                .baseDir(s.dir().resolve("source"))
                                .port(s.sourcePort())
                                .logicalReplication(true)
                                .start();
                PostgresServer warehouse =
                        PostgresServer.builder("warehouse")
                                .baseDir(s.dir().resolve("warehouse"))
                                .port(s.warehousePort())
                                .start()) {
            source.createDatabase("app");
            warehouse.createDatabase("warehouse");
            source.execute(
                    "app",
                    "CREATE TABLE public.orders (id bigint PRIMARY KEY, customer text,"
                            + " amount numeric(12, 2), note text, created_at timestamptz);"
                            // postgres-cdc's changelog needs the old row of updates and deletes.
                            + " ALTER TABLE public.orders REPLICA IDENTITY FULL");
            source.execute(
                    "app",
                    "INSERT INTO public.orders SELECT i, 'customer ' || (i % 97),"
                            + " round((i * 1.37)::numeric % 10000, 2),"
                            + " CASE WHEN i % 10 = 0 THEN NULL ELSE E'n\\u00famero\\t' || i"
                            + " || E'\\n\\u0437\\u0430\\u043a\\u0430\\u0437 \\\\ \\U0001F4E6' END,"
                            + " timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute'"
                            + " FROM generate_series(1, "
                            + s.rows()
                            + ") i");
            Path script = render(repo.resolve(SCRIPT), s);

            Map<String, String> env = new HashMap<>(s.cluster());
            env.putIfAbsent("PG2GP_FLINK_REST_PORT", String.valueOf(s.webPort()));
            // The sink reads the password where it connects: the SQL client and the TaskManager.
            // The example's servers trust local connections; a real warehouse needs its password.
            env.putIfAbsent(
                    PASSWORD_VARIABLE,
                    System.getenv().getOrDefault(PASSWORD_VARIABLE, "not-needed-locally"));
            SessionCluster cluster = SessionCluster.start(repo, s.dir().resolve("flink"), env);
            String job = null;
            try {
                job = cluster.sqlClient(script);
                System.out.println(
                        "SQL job "
                                + job
                                + " submitted by deploy/local-cluster/sql-client -f "
                                + script
                                + "; web UI http://localhost:"
                                + env.get("PG2GP_FLINK_REST_PORT"));
                RowComparison snapshot = awaitEqual(source, warehouse);
                System.out.println("after the snapshot: " + snapshot);
                source.execute(
                        "app",
                        "UPDATE public.orders SET amount = amount + 1, note = 'updated ' || id"
                                + " WHERE id % 7 = 0;"
                                + " DELETE FROM public.orders WHERE id % 11 = 0;"
                                + " INSERT INTO public.orders SELECT i, 'late', 1.5, E'tab\\there',"
                                + " now() FROM generate_series("
                                + (s.rows() + 1)
                                + ", "
                                + (s.rows() + 100)
                                + ") i;"
                                + " UPDATE public.orders SET customer = NULL WHERE id = 1;");
                RowComparison streamed = awaitEqual(source, warehouse);
                System.out.println("after updates, deletes and inserts: " + streamed);
                System.out.println("source:    psql -h 127.0.0.1 -p " + source.port() + " app");
                System.out.println(
                        "warehouse: psql -h 127.0.0.1 -p " + warehouse.port() + " warehouse");
                if (s.stay()) {
                    System.out.println("--stay: running until Ctrl-C");
                    Thread.currentThread().join();
                }
                return new Result(job, snapshot, streamed);
            } finally {
                if (job != null) {
                    try {
                        cluster.cancel(job);
                    } catch (IOException e) {
                        // already gone
                    }
                }
                cluster.close();
            }
        }
    }

    /** The example script, with this run's ports where they differ from the script's. */
    static Path render(Path script, Settings s) throws IOException {
        String sql = Files.readString(script);
        String sourcePort = "'port' = '" + SCRIPT_SOURCE_PORT + "'";
        String warehouseUrl = "127.0.0.1:" + SCRIPT_WAREHOUSE_PORT + "/";
        if (!sql.contains(sourcePort) || !sql.contains(warehouseUrl)) {
            throw new IllegalStateException(
                    script + " no longer names " + sourcePort + " and " + warehouseUrl);
        }
        sql =
                sql.replace(sourcePort, "'port' = '" + s.sourcePort() + "'")
                        .replace(warehouseUrl, "127.0.0.1:" + s.warehousePort() + "/");
        Path out = s.dir().resolve("replicate_orders.sql");
        Files.writeString(out, sql);
        return out;
    }

    private static RowComparison awaitEqual(PostgresServer source, PostgresServer warehouse)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (true) {
            RowComparison c = compare(source, warehouse);
            if (c.equal() || System.nanoTime() > deadline) {
                return c;
            }
            Thread.sleep(1000);
        }
    }

    private static RowComparison compare(PostgresServer source, PostgresServer warehouse)
            throws SQLException {
        Connection w = warehouse.connect("warehouse");
        try {
            if (!tableExists(w)) {
                w.close();
                return RowComparison.of(
                        source.connect("app"), ROWS, source.connect("app"), "SELECT 1 WHERE false");
            }
        } catch (SQLException e) {
            w.close();
            throw e;
        }
        return RowComparison.of(source.connect("app"), ROWS, w, ROWS);
    }

    private static boolean tableExists(Connection c) throws SQLException {
        try (var st = c.createStatement();
                var rs = st.executeQuery("SELECT to_regclass('public.orders') IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
