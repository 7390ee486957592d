package io.pg2gp.benchmarks;

import io.pg2gp.testutils.GreenplumCluster;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/** Prints the figures: one consistent, greppable layout for every benchmark. */
final class Report {

    private Report() {}

    static void machine(BenchArgs a) {
        System.out.printf(
                "pg2gp benchmarks %s: %s; %d cores, %s RAM; Java %s; rows=%,d runs=%d (medians of the runs)%n",
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")),
                a.benchmarks(),
                Runtime.getRuntime().availableProcessors(),
                memory(),
                System.getProperty("java.version"),
                a.rows(),
                a.runs());
        if (a.greenplum()) {
            System.out.println(
                    "Greenplum warehouse: "
                            + GreenplumCluster.ENV_URL
                            + " if set, else the gp-cluster cluster in "
                            + GreenplumCluster.ENV_DATA
                            + " (created or started as needed); a fresh database per run. Flink runs"
                            + " as a local MiniCluster in this JVM; everything shares the same"
                            + " cores. "
                            + FINAL_CHECKPOINT);
            System.out.flush();
            return;
        }
        System.out.println(
                "PostgreSQL servers: fresh ones per benchmark, started by PostgresServer with its"
                        + " fastUnsafe defaults (fsync=off, synchronous_commit=off,"
                        + " full_page_writes=off: the clusters are thrown away), shared_buffers="
                        + BenchServers.SHARED_BUFFERS
                        + "; a fresh database per run. Flink runs as a local MiniCluster in this JVM;"
                        + " everything shares the same cores. "
                        + FINAL_CHECKPOINT);
        System.out.flush();
    }

    private static final String FINAL_CHECKPOINT =
            "A bounded job's final checkpoint is triggered when its sources finish, rather than"
                    + " its last commit being left to checkpoint timing (a stream commits those rows"
                    + " at its next checkpoint anyway).";

    static void title(String title) {
        System.out.println();
        System.out.println("== " + title + " ==");
        System.out.flush();
    }

    static void line(String format, Object... args) {
        System.out.println("  " + String.format(format, args));
        System.out.flush();
    }

    static String rate(double rowsPerSecond) {
        return String.format("%,10.0f rows/s", rowsPerSecond);
    }

    /** A ratio next to its target, with PASS or BELOW; a missed target is never a failure. */
    static void ratio(String label, double value, double target) {
        line(
                "ratio %-40s %6.2fx   target >= %sx   %s",
                label,
                value,
                BigDecimal.valueOf(target).stripTrailingZeros().toPlainString(),
                value >= target ? "PASS" : "BELOW");
    }

    /** A ratio that must stay small (e.g. a CPU share), with PASS or ABOVE. */
    static void atMost(String label, double value, double max) {
        line(
                "ratio %-40s %6.3fx   target <= %.2fx   %s",
                label, value, max, value <= max ? "PASS" : "ABOVE");
    }

    /** A limit on a duration (e.g. freshness p99), with PASS or BELOW. */
    static void limit(String label, double seconds, double maxSeconds) {
        line(
                "%-46s %6.2f s   target <= %.1f s   %s",
                label, seconds, maxSeconds, seconds <= maxSeconds ? "PASS" : "BELOW");
    }

    private static String memory() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    long kb = Long.parseLong(l.replaceAll("[^0-9]", ""));
                    return String.format("%.1f GiB", kb / 1024.0 / 1024.0);
                }
            }
        } catch (Exception ignored) {
            // not Linux: leave it out
        }
        return "?";
    }
}
