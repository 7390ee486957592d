package io.pg2gp.connector.warehouse.internal.commit;

import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.internal.commit.GreenplumApplyFixture.Version;
import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.SharedGreenplum;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Prints {@code EXPLAIN ANALYZE} of every statement the {@link BatchApplier} runs on Greenplum,
 * with GPORCA and with the Postgres planner: a batch of 300 keys (in-month updates, moves between
 * months and into the default partition, user changes, deletes, new keys) over a table of 100,000
 * rows in six monthly partitions plus the default one, with the Greenplum shape of
 * requests_analytical. The statements are recorded from a real apply (rolled back), then run again
 * under EXPLAIN ANALYZE in one transaction (rolled back too), so the plans are those of exactly
 * what the applier sends. A summary line per statement gives the planner that planned it, its time,
 * the scans with their rows and partitions, and the joins.
 *
 * <p>"Rows" of a plan node are those of the busiest segment (Greenplum 6's EXPLAIN ANALYZE).
 *
 * <p>Not a test (timings vary with the machine). Run from the repository root against the cluster
 * of the tests (or {@code PG2GP_GREENPLUM_URL}); the arguments default to 100000 300, and both
 * workloads:
 *
 * <pre>
 * mvn -B -ntp -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt \
 *     -Dmdep.includeScope=test -Dspotless.check.skip=true -pl connectors/pg2gp-connector-warehouse -am
 * M=connectors/pg2gp-connector-warehouse
 * java -cp $M/target/test-classes:$M/target/classes:$(cat $M/target/cp.txt) \
 *     io.pg2gp.connector.warehouse.internal.commit.ApplyPlansOnGreenplum [rows] [keys] [spread|hot]
 * </pre>
 */
public final class ApplyPlansOnGreenplum {

    private static final Pattern SCAN =
            Pattern.compile(
                    "((?:Dynamic )?(?:Seq|Index|Index Only|Bitmap Heap|Bitmap Index) Scan"
                            + "|External Scan)(?: using \\S+)? on (\\S+)"
                            + "(?:.*?actual time=\\S+ rows=(\\d+))?");
    private static final Pattern JOIN =
            Pattern.compile(
                    "(Hash (?:Left |Right )?(?:Anti |Semi )?(?:Anti Semi \\(Not-In\\) )?Join"
                            + "|Nested Loop(?: Left Anti Semi Join| Semi Join)?|Merge Join)");
    private static final Pattern PARTITIONS =
            Pattern.compile(
                    "Partitions (?:selected|scanned): (?:Avg )?([\\d.]+) \\(out of (\\d+)\\)");

    private ApplyPlansOnGreenplum() {}

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int keys = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        List<String> workloads = args.length > 2 ? List.of(args[2]) : List.of("spread", "hot");
        GreenplumCluster cluster = SharedGreenplum.cluster();
        for (String workload : workloads) {
            for (String optimizer : List.of("on", "off")) {
                run(cluster, rows, keys, workload.equals("hot"), optimizer);
            }
        }
    }

    private static void run(
            GreenplumCluster cluster, int rows, int keys, boolean hot, String optimizer)
            throws SQLException {
        String db = SharedGreenplum.createDatabase("apply_plans_" + optimizer);
        GreenplumApplyFixture gp = new GreenplumApplyFixture(cluster, db, optimizer);
        try {
            seed(gp, rows);
            gp.stage(1, batch(rows, keys, hot));
            WarehouseCommittable committable = gp.committable(1, 1);
            List<String> statements = record(gp, committable);
            System.out.println();
            System.out.println(
                    "=== optimizer="
                            + gp.show("optimizer")
                            + ", "
                            + rows
                            + " rows, "
                            + keys
                            + " keys "
                            + (hot ? "of the latest month" : "spread over every month"));
            explainAll(gp, statements);
        } finally {
            gp.close();
            cluster.execute("postgres", "DROP DATABASE IF EXISTS " + db);
        }
    }

    private static void seed(GreenplumApplyFixture gp, int rows) throws SQLException {
        gp.execute(
                "INSERT INTO public.items (id, user_id, name, created_at, _cdc_lsn, _cdc_op)"
                        + " SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(g), 12, '0'))::uuid,"
                        + " ('00000000-0000-0001-0000-' || lpad(to_hex(g % 500), 12, '0'))::uuid,"
                        + " 'seed ' || g, CASE WHEN g % 1000 = 0 THEN timestamptz"
                        + " '2023-12-31 12:00+00' ELSE timestamptz '2024-01-01 00:00+00' +"
                        + " (g::float8 / "
                        + rows
                        + ") * interval '181 days' END, 10, 'c' FROM generate_series(1, "
                        + rows
                        + ") g",
                "ANALYZE public.items");
    }

    private static Instant seededAt(long g, int rows) {
        if (g % 1000 == 0) {
            return Instant.parse("2023-12-31T12:00:00Z");
        }
        long micros = (long) ((double) g / rows * 181 * 86_400_000_000L);
        return Instant.parse("2024-01-01T00:00:00Z").plusNanos(micros * 1000);
    }

    /**
     * Changes in the proportions of a streaming workload: half updates within the month, then moves
     * (into the next month, or within the month when {@code hot}), user changes, deletes and new
     * keys of June; each key once, LSNs above anything applied (a fresh batch, read within hour
     * bounds). Spread: keys anywhere in the table; hot: keys of the latest month only.
     */
    private static List<Version> batch(int rows, int keys, boolean hot) {
        Random random = new Random(7);
        List<Version> out = new ArrayList<>();
        long lsn = 1_000;
        for (int k = 0; k < keys; k++) {
            long g =
                    hot
                            ? rows - rows / 6 + 1 + random.nextInt(rows / 6 - 1)
                            : 1 + (long) random.nextInt(rows);
            if (hot && g % 1000 == 0) {
                g++; // those rows are dated 2023, in the default partition
            }
            UUID id = new UUID(0, g);
            UUID user = new UUID(1, g % 500);
            Instant old = seededAt(g, rows);
            lsn += 1 + random.nextInt(3);
            int kind = k % 10;
            if (kind < 5) {
                out.add(update(k, id, user, old.plusSeconds(30), old, lsn));
            } else if (kind == 5) {
                Duration by = hot ? Duration.ofMinutes(5) : Duration.ofDays(35);
                out.add(update(k, id, user, old.plus(by), old, lsn));
            } else if (kind == 6) {
                out.add(update(k, id, new UUID(2, k), old, old, lsn));
            } else if (kind == 7) {
                out.add(new Version(1, k, id, user, null, old, null, lsn, 'd'));
            } else {
                Instant t = Instant.parse("2024-06-20T00:00:00Z").plusSeconds(k * 60L);
                out.add(new Version(1, k, new UUID(3, k), user, "new " + k, t, null, lsn, 'c'));
            }
        }
        return out;
    }

    private static Version update(int k, UUID id, UUID user, Instant at, Instant from, long lsn) {
        return new Version(1, k, id, user, "upd " + k, at, from, lsn, 'u');
    }

    /** The statements a real apply sends, in order; the apply is rolled back. */
    private static List<String> record(GreenplumApplyFixture gp, WarehouseCommittable committable)
            throws SQLException {
        List<String> statements = new ArrayList<>();
        Connection real = gp.c;
        Connection recording =
                (Connection)
                        Proxy.newProxyInstance(
                                Connection.class.getClassLoader(),
                                new Class<?>[] {Connection.class},
                                (proxy, method, a) -> {
                                    switch (method.getName()) {
                                        case "commit":
                                            real.rollback();
                                            return null;
                                        case "createStatement":
                                            return recordingStatement(real, statements);
                                        default:
                                            return invoke(method, real, a);
                                    }
                                });
        gp.applier(DeleteMode.MIRROR).apply(recording, committable);
        return statements;
    }

    private static Statement recordingStatement(Connection real, List<String> statements)
            throws SQLException {
        Statement s = real.createStatement();
        return (Statement)
                Proxy.newProxyInstance(
                        Statement.class.getClassLoader(),
                        new Class<?>[] {Statement.class},
                        (proxy, method, a) -> {
                            if (method.getName().startsWith("execute")
                                    && a != null
                                    && a[0] instanceof String sql) {
                                statements.add(sql);
                            }
                            return invoke(method, s, a);
                        });
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] a)
            throws Throwable {
        try {
            return method.invoke(target, a);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static void explainAll(GreenplumApplyFixture gp, List<String> statements)
            throws SQLException {
        Connection c = gp.c;
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            for (String sql : statements) {
                boolean plain =
                        sql.startsWith("SET")
                                || sql.startsWith("RESET")
                                || sql.startsWith("ANALYZE")
                                || sql.contains("nextval(");
                if (plain) {
                    s.execute(sql);
                    System.out.println("\n-- " + sql);
                    continue;
                }
                List<String> plan = new ArrayList<>();
                try (ResultSet rs = s.executeQuery("EXPLAIN ANALYZE " + sql)) {
                    while (rs.next()) {
                        plan.add(rs.getString(1));
                    }
                }
                System.out.println("\n-- " + sql);
                System.out.println("   " + summary(plan));
                plan.forEach(line -> System.out.println("   | " + line));
            }
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
    }

    /** Planner, time, scans (relation, rows, partitions) and joins of one plan. */
    static String summary(List<String> plan) {
        String optimizer = "?";
        String time = "?";
        String planning = "?";
        List<String> scans = new ArrayList<>();
        List<String> joins = new ArrayList<>();
        for (String line : plan) {
            if (line.startsWith("Planning time")) {
                planning = line.substring(line.indexOf(':') + 1).trim();
            } else if (line.startsWith("Optimizer")) {
                optimizer = line.substring(line.indexOf(':') + 1).trim();
            } else if (line.startsWith("Total runtime") || line.startsWith("Execution time")) {
                time = line.substring(line.indexOf(':') + 1).trim();
            }
            Matcher scan = SCAN.matcher(line);
            if (scan.find()) {
                scans.add(
                        scan.group(1)
                                + " "
                                + scan.group(2)
                                + (scan.group(3) == null ? "" : " rows=" + scan.group(3)));
            }
            Matcher parts = PARTITIONS.matcher(line);
            if (parts.find()) {
                scans.add("partitions " + parts.group(1) + "/" + parts.group(2));
            }
            Matcher join = JOIN.matcher(line);
            if (join.find()) {
                joins.add(join.group(1));
            }
        }
        return "["
                + optimizer
                + "; planned in "
                + planning
                + ", ran in "
                + time
                + "] scans: "
                + scans
                + "; joins: "
                + joins;
    }
}
