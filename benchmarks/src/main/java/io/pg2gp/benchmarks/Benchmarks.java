package io.pg2gp.benchmarks;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./pg2gp bench <sink|source|e2e|snapshot|all> [--rows N] [--runs R] [--split-size S]
 * [--warehouse postgres|greenplum]}.
 *
 * <p>Each benchmark starts its own PostgreSQL servers, measures pg2gp and a reference on the same
 * machine in the same run, checks that every row arrived, and prints medians, ratios and targets. A
 * missed target is reported (BELOW), never a failure; an error in one benchmark is reported and the
 * next one still runs (exit status 1 at the end). {@code sink --warehouse greenplum} loads into a
 * real Greenplum cluster instead ({@link GreenplumLoadBenchmark}); {@code apply --warehouse
 * greenplum} measures the apply against fact tables of two sizes ({@link GreenplumApplyBenchmark}).
 */
public final class Benchmarks {

    private Benchmarks() {}

    public static void main(String[] args) throws Exception {
        BenchArgs a;
        try {
            a = BenchArgs.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("pg2gp bench: " + e.getMessage());
            System.err.println(BenchArgs.USAGE);
            System.exit(2);
            return;
        }
        Report.machine(a);
        List<String> failed = new ArrayList<>();
        for (String what : a.benchmarks()) {
            try {
                switch (what) {
                    case "sink" -> {
                        if (a.greenplum()) {
                            new GreenplumLoadBenchmark(a).run();
                        } else {
                            new SinkBenchmark(a).run();
                        }
                    }
                    case "source" -> new SourceBenchmark(a).run();
                    case "e2e" -> new EndToEndBenchmark(a).run();
                    case "snapshot" -> new SnapshotBenchmark(a).run();
                    case "encode" -> new EncodeBenchmark(a).run();
                    case "rollup" -> new RollupBenchmark(a).run();
                    case "apply" -> new GreenplumApplyBenchmark(a).run();
                    case "features" -> new FeatureBenchmark(a).run();
                    case "sql" -> new SqlSinkBenchmark(a).run();
                    default -> throw new IllegalStateException(what);
                }
            } catch (Exception | AssertionError e) {
                failed.add(what);
                System.out.println("  " + what + " FAILED: " + e);
                e.printStackTrace();
            }
            System.out.flush();
        }
        if (!failed.isEmpty()) {
            System.out.println("\nbenchmarks that failed to run: " + failed);
            System.exit(1);
        }
        // Flink and JDBC leave non-daemon threads behind; the figures are printed, so leave.
        System.exit(0);
    }
}
