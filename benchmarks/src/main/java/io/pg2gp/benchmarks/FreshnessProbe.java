package io.pg2gp.benchmarks;

import io.pg2gp.testutils.PostgresServer;

import org.apache.flink.core.execution.JobClient;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;

/**
 * Freshness under a steady load: the pipeline runs, a producer inserts requests at a fixed rate
 * (half of what the pipeline sustained on the backlog) for a minute, each row committed with {@code
 * created_at = clock_timestamp()}; then, for every row of the load, the delay from its source
 * commit ({@code _cdc_committed_at}) to its apply ({@code _synced_at}, the apply transaction's
 * now()). The apply transaction commits a little later; adding the ledger's apply_millis of that
 * commit gives the delay until the row was visible.
 */
final class FreshnessProbe {

    static final Duration LOAD = Duration.ofSeconds(60);
    static final long USERS = 1000;
    static final double LIMIT_SECONDS = 5 + 3; // checkpoint interval + 3 s

    private final PostgresServer src;
    private final PostgresServer wh;

    FreshnessProbe(PostgresServer src, PostgresServer wh) {
        this.src = src;
        this.wh = wh;
    }

    void run(double rowsPerSecond) throws Exception {
        long rate = Math.max(100, Math.round(rowsPerSecond));
        Report.line(
                "freshness: steady load of %,d inserts/s (half the median e2e rate) for %d s,"
                        + " 100 ms transactions, producer on the same cores",
                rate, LOAD.toSeconds());
        String srcDb = "fresh_src";
        String whDb = "fresh_wh";
        String slot = "fresh_cdc";
        BenchServers.dropDatabase(src, srcDb);
        BenchServers.dropDatabase(wh, whDb);
        src.createDatabase(srcDb);
        wh.createDatabase(whDb);
        BenchServers.createSourceSchema(src, srcDb);
        BenchServers.createLogicalSlot(src, srcDb, slot);
        // Users go first through the stream, so the requests never wait for them.
        src.execute(srcDb, SourceWorkload.insertUsers(0, USERS - 1));
        JobClient job =
                Pipelines.start(Pipelines.settings(src, srcDb, wh, whDb, slot, "committed"));
        try (WarehouseLedger ledger = new WarehouseLedger(wh, whDb)) {
            FlinkJobs.awaitCondition(
                    "the users in the warehouse (pipeline running)",
                    job,
                    Duration.ofMinutes(3),
                    Duration.ofMillis(250),
                    () -> ledger.applied("users_dim") >= USERS);
            long total = produce(rate);
            FlinkJobs.awaitCondition(
                    "the load in the warehouse",
                    job,
                    Duration.ofMinutes(10),
                    Duration.ofMillis(250),
                    () ->
                            ledger.applied("requests_analytical") >= total
                                    && ledger.count(
                                                    "SELECT count(*) FROM public.requests_analytical")
                                            == total);
            FlinkJobs.cancel(job);
            report(total);
        } finally {
            FlinkJobs.cancel(job);
        }
        BenchServers.dropSlot(src, srcDb, slot);
        BenchServers.dropDatabase(src, srcDb);
        BenchServers.dropDatabase(wh, whDb);
    }

    /** Inserts at {@code rate} rows/s for {@link #LOAD}, one transaction per 100 ms tick. */
    private long produce(long rate) throws Exception {
        long written = 0;
        try (Connection c = src.connect("fresh_src");
                Statement s = c.createStatement()) {
            long start = System.nanoTime();
            long end = start + LOAD.toNanos();
            long tick = 0;
            while (true) {
                long now = System.nanoTime();
                if (now >= end) {
                    break;
                }
                long due = (long) ((now - start) / 1e9 * rate);
                if (due > written) {
                    s.execute(
                            SourceWorkload.insertRequests(
                                    written, due - 1, USERS, true, "clock_timestamp()"));
                    written = due;
                }
                tick++;
                long next = start + tick * 100_000_000L;
                long sleep = (next - System.nanoTime()) / 1_000_000;
                if (sleep > 0) {
                    Thread.sleep(sleep);
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Report.line(
                    "load: %,d inserts in %.1f s (%,.0f/s achieved)",
                    written, seconds, written / seconds);
        }
        return written;
    }

    private void report(long total) throws Exception {
        String sql =
                "SELECT count(*),"
                        + " percentile_cont(0.5) WITHIN GROUP (ORDER BY d),"
                        + " percentile_cont(0.99) WITHIN GROUP (ORDER BY d), max(d),"
                        + " percentile_cont(0.5) WITHIN GROUP (ORDER BY v),"
                        + " percentile_cont(0.99) WITHIN GROUP (ORDER BY v), max(v),"
                        + " count(*) FILTER (WHERE v IS NULL)"
                        + " FROM (SELECT extract(epoch FROM r._synced_at - r._cdc_committed_at) AS d,"
                        + " extract(epoch FROM r._synced_at - r._cdc_committed_at)"
                        + " + l.apply_millis / 1000.0 AS v"
                        + " FROM public.requests_analytical r LEFT JOIN pg2gp.commit_ledger l"
                        + " ON l.target_table = 'public.requests_analytical'"
                        + " AND l.committed_at = r._synced_at) x";
        try (Connection c = wh.connect("fresh_wh");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            long rows = rs.getLong(1);
            if (rows != total) {
                throw new IllegalStateException("freshness: " + rows + " rows, expected " + total);
            }
            Report.line(
                    "rows checked: %,d/%,d load rows in requests_analytical; all of them measured"
                            + " (no sampling needed)%s",
                    rows,
                    total,
                    rs.getLong(8) == 0 ? "" : ", " + rs.getLong(8) + " without a ledger match");
            Report.line(
                    "source commit -> _synced_at (apply start):    p50 %.2f s  p99 %.2f s  max %.2f s",
                    rs.getDouble(2), rs.getDouble(3), rs.getDouble(4));
            Report.line(
                    "source commit -> visible (+ apply duration):  p50 %.2f s  p99 %.2f s  max %.2f s",
                    rs.getDouble(5), rs.getDouble(6), rs.getDouble(7));
            Report.limit("freshness p99 (commit -> _synced_at)", rs.getDouble(3), LIMIT_SECONDS);
            Report.limit("freshness p99 (commit -> visible)", rs.getDouble(6), LIMIT_SECONDS);
        }
    }
}
