package io.pg2gp.benchmarks;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The coordinator's CPU-seconds per 1M rows of each measurement, and their summary. */
final class CoordinatorCpuTally {

    /** The share of COPY's coordinator CPU that loading through gpfdist may cost. */
    static final double TARGET_SHARE = 0.05;

    private final Optional<CoordinatorCpu> cpu;
    private final long rows;
    private final Map<Measurement, List<Double>> perMillion = new LinkedHashMap<>();

    CoordinatorCpuTally(Optional<CoordinatorCpu> cpu, long rows) {
        this.cpu = cpu;
        this.rows = rows;
    }

    /** The coordinator's CPU-seconds so far; NaN when it cannot be read here. */
    double now() throws IOException {
        return cpu.isPresent() ? cpu.get().seconds() : Double.NaN;
    }

    /** Adds a run that started at {@code before}; returns its figure for the run's line. */
    String record(Measurement m, double before) throws IOException {
        if (cpu.isEmpty()) {
            return "";
        }
        double v = (now() - before) * 1e6 / rows;
        perMillion.computeIfAbsent(m, k -> new ArrayList<>()).add(v);
        return String.format(", coordinator %.2f CPU-s/1M", v);
    }

    /** What the coordinator spends doing nothing (FTS probes, background workers): the floor. */
    void printIdle() throws IOException, InterruptedException {
        if (cpu.isPresent()) {
            double before = now();
            Thread.sleep(10_000);
            Report.line(
                    "coordinator CPU while idle: %.3f CPU-s per second (10 s sample)",
                    (now() - before) / 10);
        }
    }

    void printSummary(
            Measurement binary, Measurement sinkGpfdist, Measurement copy, Measurement sinkCopy) {
        if (cpu.isEmpty()) {
            Report.line(
                    "coordinator CPU: not measured (the cluster's data directory is not on this"
                            + " machine; it is read from /proc for a gp-cluster cluster)");
            return;
        }
        Report.line(
                "coordinator CPU-seconds per 1M rows (its postmaster and every child, /proc"
                        + " utime+stime, exited backends through cutime+cstime):");
        for (Map.Entry<Measurement, List<Double>> e : perMillion.entrySet()) {
            Report.line(
                    "  %-50s median %8.2f CPU-s/1M  (runs: %s)",
                    e.getKey().name(), median(e.getValue()), joined(e.getValue()));
        }
        Report.atMost(
                "coordinator CPU sink gpfdist / sink copy",
                median(perMillion.get(sinkGpfdist)) / median(perMillion.get(sinkCopy)),
                TARGET_SHARE);
        if (perMillion.containsKey(binary)) {
            Report.atMost(
                    "coordinator CPU gpfdist binary / raw COPY",
                    median(perMillion.get(binary)) / median(perMillion.get(copy)),
                    TARGET_SHARE);
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String joined(List<Double> values) {
        StringBuilder sb = new StringBuilder();
        for (double v : values) {
            sb.append(sb.length() == 0 ? "" : ", ").append(String.format("%.2f", v));
        }
        return sb.toString();
    }
}
