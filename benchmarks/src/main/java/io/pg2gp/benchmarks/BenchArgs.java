package io.pg2gp.benchmarks;

import java.util.List;

/** Command-line settings of a benchmark run. */
record BenchArgs(List<String> benchmarks, long rows, int runs, int splitSize, String warehouse) {

    static final String POSTGRES = "postgres";
    static final String GREENPLUM = "greenplum";

    static final String USAGE =
            "usage: ./pg2gp bench <sink|source|e2e|snapshot|encode|rollup|apply|features|sql|all> [--rows N] [--runs R]"
                    + " [--split-size S] [--warehouse postgres|greenplum]\n"
                    + "  --rows N        rows (and changes per phase) per measurement, default 1000000\n"
                    + "  --runs R        runs per measurement; the median is reported, default 3\n"
                    + "  --split-size S  snapshot chunk rows (source.snapshot.split-size), default "
                    + SnapshotBenchmark.DEFAULT_SPLIT_SIZE
                    + "\n"
                    + "  --warehouse W   postgres (a fresh server, default) or greenplum (sink, e2e and"
                    + " apply: PG2GP_GREENPLUM_URL,\n"
                    + "                  else the gp-cluster cluster in PG2GP_GREENPLUM_DATA)\n"
                    + "  apply           Greenplum only: apply time and rows read per 10k-change batch"
                    + " with\n"
                    + "                  fact tables of N and 10 x N rows (--rows N, default 1000000)\n"
                    + "  features        per-user features: N requests over a year from 10,000 users"
                    + " (not in all)\n"
                    + "  sql             the SQL connector vs its DataStream face vs 'connector' = 'jdbc',"
                    + " N rows each\n"
                    + "                  (not in all)";

    /** The benchmarks that can load into Greenplum. */
    static final List<String> GREENPLUM_BENCHMARKS =
            List.of("sink", "e2e", "apply", "features", "sql");

    static final List<String> ALL =
            List.of("sink", "source", "e2e", "snapshot", "encode", "rollup");

    static BenchArgs parse(String[] args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("say which benchmark to run");
        }
        List<String> which =
                switch (args[0]) {
                    case "all" -> ALL;
                    case "sink",
                                    "source",
                                    "e2e",
                                    "snapshot",
                                    "encode",
                                    "rollup",
                                    "apply",
                                    "features",
                                    "sql" ->
                            List.of(args[0]);
                    default ->
                            throw new IllegalArgumentException(
                                    "unknown benchmark '" + args[0] + "'");
                };
        long rows = 1_000_000;
        int runs = 3;
        int split = SnapshotBenchmark.DEFAULT_SPLIT_SIZE;
        String warehouse = POSTGRES;
        for (int i = 1; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            String v = args[++i];
            switch (flag) {
                case "--rows" -> rows = positive(flag, Long.parseLong(v.replace("_", "")));
                case "--runs" -> runs = (int) positive(flag, Integer.parseInt(v));
                case "--split-size" -> split = (int) positive(flag, Integer.parseInt(v));
                case "--warehouse" -> warehouse = warehouse(v);
                default -> throw new IllegalArgumentException("unknown option '" + flag + "'");
            }
        }
        if (rows < 1000) {
            throw new IllegalArgumentException("--rows must be at least 1000");
        }
        if (warehouse.equals(GREENPLUM) && !GREENPLUM_BENCHMARKS.containsAll(which)) {
            throw new IllegalArgumentException(
                    "--warehouse greenplum is measured by the "
                            + String.join(", ", GREENPLUM_BENCHMARKS)
                            + " benchmarks only");
        }
        if (which.contains("apply") && !warehouse.equals(GREENPLUM)) {
            throw new IllegalArgumentException(
                    "apply is measured on Greenplum: add --warehouse greenplum");
        }
        return new BenchArgs(which, rows, runs, split, warehouse);
    }

    private static String warehouse(String v) {
        if (!v.equals(POSTGRES) && !v.equals(GREENPLUM)) {
            throw new IllegalArgumentException(
                    "--warehouse is postgres or greenplum, got '" + v + "'");
        }
        return v;
    }

    boolean greenplum() {
        return warehouse.equals(GREENPLUM);
    }

    private static long positive(String flag, long v) {
        if (v < 1) {
            throw new IllegalArgumentException(flag + " must be positive, got " + v);
        }
        return v;
    }

    /** Users behind the requests: one per 100 requests, at least 1000. */
    long users() {
        return Math.max(1000, rows / 100);
    }
}
