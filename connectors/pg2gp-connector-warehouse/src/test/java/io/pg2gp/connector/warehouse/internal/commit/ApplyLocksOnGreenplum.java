package io.pg2gp.connector.warehouse.internal.commit;

import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.internal.commit.GreenplumApplyFixture.Version;
import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.SharedGreenplum;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Prints the lock footprint of the committer's apply on Greenplum, on the fixture's partitioned
 * heap target of {@code rows} rows (January to June 2024) and 300-key batches spread over the
 * months: the relation locks the apply holds after each of its statements (read from {@code
 * pg_locks} of another session) and from when to the commit; then, while an apply waits at its
 * commit with every lock taken, whether a reader, a {@code VACUUM ANALYZE} of the table and the
 * rollup job's purge of touched_hours get through; and the reverse, an apply started while an
 * {@code ANALYZE} or the rollup's purge holds its lock. Run it once with the global deadlock
 * detector off (the GP6 default) and once with it on, to compare.
 *
 * <p>Not a test (timings vary with the machine). Build the class path as for {@link
 * ApplyPlansOnGreenplum}, then {@code java -cp ... ...ApplyLocksOnGreenplum [rows=100000]}.
 */
public final class ApplyLocksOnGreenplum {

    private static final long WAIT_MILLIS = 3_000;

    private ApplyLocksOnGreenplum() {}

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        GreenplumCluster cluster = SharedGreenplum.cluster();
        String db = SharedGreenplum.createDatabase("apply_locks");
        GreenplumApplyFixture gp = new GreenplumApplyFixture(cluster, db, "on");
        try (Connection other = cluster.connect(db);
                Connection observer = cluster.connect(db)) {
            System.out.println(
                    "gp_enable_global_deadlock_detector = "
                            + gp.show("gp_enable_global_deadlock_detector")
                            + ", optimizer = "
                            + gp.show("optimizer")
                            + ", "
                            + rows
                            + " rows");
            gp.execute(
                    "INSERT INTO public.items (id, user_id, name, created_at, _cdc_lsn, _cdc_op)"
                            + " SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(g), 12, '0'))::uuid,"
                            + " ('00000000-0000-0001-0000-' || lpad(to_hex(g % 500), 12, '0'))::uuid,"
                            + " 'seed ' || g, timestamptz '2024-01-01 00:00+00' + (g::float8 / "
                            + rows
                            + ") * interval '181 days', 10, 'c' FROM generate_series(1, "
                            + rows
                            + ") g",
                    "ANALYZE public.items");
            BatchApplier applier = gp.applier(DeleteMode.MIRROR);
            int session = ObservedApply.sessionId(gp.c);
            String touched = gp.bookkeeping.touchedHours();

            System.out.println(
                    "\n== 1. locks held after each statement of an apply (ms since its start)");
            gp.stage(1, batch(1, rows));
            long start = System.nanoTime();
            List<long[]> exclusive = new ArrayList<>();
            BatchApplier.Result r =
                    ObservedApply.apply(
                            applier,
                            gp.c,
                            gp.committable(1, 1),
                            sql -> {
                                long at = (System.nanoTime() - start) / 1_000_000;
                                Map<String, List<Integer>> locks =
                                        ObservedApply.relationLocks(observer, session);
                                System.out.printf(
                                        "%6d ms after %-60.60s%n", at, sql.replaceAll("\\s+", " "));
                                locks.forEach(
                                        (k, segs) ->
                                                System.out.printf(
                                                        "            %-50s coordinator x%d, segments x%d%n",
                                                        k,
                                                        segs.stream().filter(x -> x < 0).count(),
                                                        segs.stream().filter(x -> x >= 0).count()));
                                exclusive.add(
                                        new long[] {
                                            at,
                                            locks.keySet().stream()
                                                            .anyMatch(
                                                                    k ->
                                                                            k.startsWith("items")
                                                                                    && k.contains(
                                                                                            "Exclusive"))
                                                    ? 1
                                                    : 0
                                        });
                            });
            long end = (System.nanoTime() - start) / 1_000_000;
            long firstHeld = -1;
            long before = 0;
            for (long[] e : exclusive) {
                if (e[1] == 1) {
                    firstHeld = before;
                    break;
                }
                before = e[0];
            }
            System.out.printf(
                    "apply %d ms (%d upserted, %d deleted); items locked in an exclusive mode"
                            + " from <= %d ms (end of the statement before) to the commit at %d ms: %d ms%n",
                    end,
                    r.upserted(),
                    r.deleted(),
                    firstHeld,
                    end,
                    firstHeld < 0 ? 0 : end - firstHeld);

            System.out.println("\n== 2. while an apply waits at its commit holding its locks");
            gp.stage(2, batch(2, rows));
            ObservedApply.apply(
                    applier,
                    gp.c,
                    gp.committable(2, 2),
                    sql -> {
                        if (!sql.equals("COMMIT")) {
                            return;
                        }
                        System.out.println(
                                "reader SELECT count(*) FROM items: " + timedReader(cluster, db));
                        probe(cluster, db, observer, "VACUUM ANALYZE public.items", gp.c);
                        probe(
                                cluster,
                                db,
                                observer,
                                "DELETE FROM "
                                        + touched
                                        + " WHERE target_table = 'public.items' AND job = 'probe' AND commit_seq <= 0",
                                gp.c);
                    });

            System.out.println("\n== 3. an apply started while another session holds a lock");
            blockedApply(gp, applier, other, observer, session, rows, 3, "ANALYZE public.items");
            blockedApply(
                    gp,
                    applier,
                    other,
                    observer,
                    session,
                    rows,
                    4,
                    "DELETE FROM "
                            + touched
                            + " WHERE target_table = 'public.items' AND job = 'probe' AND commit_seq <= 0");
        } finally {
            gp.close();
            cluster.execute("postgres", "DROP DATABASE IF EXISTS " + db);
        }
    }

    /** 300 keys over the months: half in-month updates, moves, deletes, new keys. */
    static List<Version> batch(long b, int rows) {
        Random random = new Random(b);
        List<Version> out = new ArrayList<>();
        long lsn = 1_000_000 * b;
        for (int k = 0; k < 300; k++) {
            long g = 1 + random.nextInt(rows);
            UUID id = new UUID(0, g);
            UUID user = new UUID(1, g % 500);
            Instant old =
                    Instant.parse("2024-01-01T00:00:00Z")
                            .plusNanos((long) ((double) g / rows * 181 * 86_400_000_000L) * 1000);
            lsn += 1 + random.nextInt(3);
            int kind = k % 10;
            if (kind < 6) {
                out.add(
                        new Version(
                                b, k, id, user, "upd " + k, old.plusSeconds(30), old, lsn, 'u'));
            } else if (kind == 7) {
                out.add(new Version(b, k, id, user, null, old, null, lsn, 'd'));
            } else {
                Instant t = Instant.parse("2024-06-20T00:00:00Z").plusSeconds(k * 60L + b);
                out.add(new Version(b, k, new UUID(3 + b, k), user, "new " + k, t, null, lsn, 'c'));
            }
        }
        return out;
    }

    /** Runs a reader with a 20 s statement timeout: its time, or that it was blocked. */
    static String timedReader(GreenplumCluster cluster, String db) {
        long start = System.nanoTime();
        try (Connection c = cluster.connect(db);
                Statement s = c.createStatement()) {
            s.execute("SET statement_timeout = '20s'");
            s.executeQuery("SELECT count(*) FROM public.items").close();
            return "returned in " + (System.nanoTime() - start) / 1_000_000 + " ms";
        } catch (SQLException e) {
            return "BLOCKED/failed after "
                    + (System.nanoTime() - start) / 1_000_000
                    + " ms: "
                    + e.getMessage();
        }
    }

    /**
     * Starts {@code sql} in another session while the apply holds its locks, reports whether it
     * waits (and on what) within {@value #WAIT_MILLIS} ms, then lets the apply commit (the caller
     * does) and reports when it finished.
     */
    static void probe(
            GreenplumCluster cluster, String db, Connection observer, String sql, Connection apply)
            throws SQLException {
        Connection c = cluster.connect(db);
        int session = ObservedApply.sessionId(c);
        long start = System.nanoTime();
        CompletableFuture<Long> done =
                CompletableFuture.supplyAsync(
                        () -> {
                            try (c;
                                    Statement s = c.createStatement()) {
                                s.execute(sql);
                                return (System.nanoTime() - start) / 1_000_000;
                            } catch (SQLException e) {
                                throw new IllegalStateException(e);
                            }
                        });
        Map<String, List<Integer>> waiting = waitForWaiting(observer, session, done);
        System.out.printf(
                "%-60.60s %s%n",
                sql,
                done.isDone()
                        ? "ran through in " + done.join() + " ms"
                        : "WAITS for the apply's commit: " + waiting.keySet());
        if (!done.isDone()) {
            // Finish it after the commit: report from another thread, the apply commits now.
            done.thenAccept(
                    ms ->
                            System.out.printf(
                                    "%-60.60s finished %d ms after it started (after the"
                                            + " apply's commit)%n",
                                    sql, ms));
        }
    }

    static Map<String, List<Integer>> waitForWaiting(
            Connection observer, int session, CompletableFuture<?> done) throws SQLException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        Map<String, List<Integer>> locks = Map.of();
        while (System.nanoTime() < deadline && !done.isDone()) {
            locks = ObservedApply.relationLocks(observer, session);
            locks.keySet().removeIf(k -> !k.endsWith("WAITING"));
            if (!locks.isEmpty()) {
                return locks;
            }
            sleep(50);
        }
        return locks;
    }

    /** Holds {@code sql}'s locks in an open transaction of {@code other} while an apply starts. */
    static void blockedApply(
            GreenplumApplyFixture gp,
            BatchApplier applier,
            Connection other,
            Connection observer,
            int session,
            int rows,
            long b,
            String sql)
            throws Exception {
        gp.stage(b, batch(b, rows));
        other.setAutoCommit(false);
        try (Statement s = other.createStatement()) {
            s.execute(sql);
        }
        long start = System.nanoTime();
        CompletableFuture<BatchApplier.Result> apply =
                CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return applier.apply(gp.c, gp.committable(b, b));
                            } catch (SQLException e) {
                                throw new IllegalStateException(e);
                            }
                        });
        Map<String, List<Integer>> waiting = waitForWaiting(observer, session, apply);
        if (!apply.isDone()) {
            sleep(WAIT_MILLIS);
        }
        boolean finishedFirst = apply.isDone();
        other.commit();
        other.setAutoCommit(true);
        apply.get(60, TimeUnit.SECONDS);
        System.out.printf(
                "%-60.60s held: apply %s, took %d ms%n",
                sql,
                finishedFirst
                        ? "ran through"
                        : "WAITED on " + waiting.keySet() + " until it was released",
                (System.nanoTime() - start) / 1_000_000);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
