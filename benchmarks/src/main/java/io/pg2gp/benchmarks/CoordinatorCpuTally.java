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

    /**
     * CPU-seconds so far of the coordinator, of the primary segments together, and of this JVM
     * (Flink's MiniCluster: generating, encoding and serving the rows through gpfdist).
     */
    record Sample(double coordinator, double segments, double jvm, Map<String, Double> threads) {}

    private final Optional<CoordinatorCpu> cpu;
    private final Optional<CoordinatorCpu> segments;
    private final long rows;
    private final JvmThreadCpu threads = JvmThreadCpu.start();
    private final Map<Measurement, List<Double>> perMillion = new LinkedHashMap<>();
    private final Map<Measurement, List<Double>> segmentsPerMillion = new LinkedHashMap<>();

    CoordinatorCpuTally(
            Optional<CoordinatorCpu> cpu, Optional<CoordinatorCpu> segments, long rows) {
        this.cpu = cpu;
        this.segments = segments;
        this.rows = rows;
    }

    /** CPU-seconds so far; NaN where they cannot be read here. */
    Sample now() throws IOException {
        return new Sample(
                cpu.isPresent() ? cpu.get().seconds() : Double.NaN,
                segments.isPresent() ? segments.get().seconds() : Double.NaN,
                ProcessHandle.current()
                        .info()
                        .totalCpuDuration()
                        .map(d -> d.toNanos() / 1e9)
                        .orElse(Double.NaN),
                threads == null ? Map.of() : threads.seconds());
    }

    /**
     * Adds a run that started at {@code before}; returns its figures for the run's line. The
     * segments' CPU says what the load made the cluster do: on one host the segments, the
     * coordinator and the loader share the cores, so it bounds the rate as much as the
     * coordinator's.
     */
    String record(Measurement m, Sample before) throws IOException {
        if (cpu.isEmpty()) {
            return "";
        }
        Sample after = now();
        double v = (after.coordinator() - before.coordinator()) * 1e6 / rows;
        perMillion.computeIfAbsent(m, k -> new ArrayList<>()).add(v);
        if (segments.isEmpty()) {
            return String.format(", coordinator %.2f CPU-s/1M", v);
        }
        double seg = (after.segments() - before.segments()) * 1e6 / rows;
        segmentsPerMillion.computeIfAbsent(m, k -> new ArrayList<>()).add(seg);
        // without the thread sampler's own CPU (reading /proc for 100+ threads twice a second)
        double sampler =
                (after.threads().getOrDefault(JvmThreadCpu.SAMPLER, 0.0)
                                - before.threads().getOrDefault(JvmThreadCpu.SAMPLER, 0.0))
                        * 1e6
                        / rows;
        double jvm = (after.jvm() - before.jvm()) * 1e6 / rows - sampler;
        return String.format(
                ", coordinator %.2f, segments %.2f, this JVM %.2f CPU-s/1M (threads: %s; the"
                        + " sampler's own %.2f left out)",
                v,
                seg,
                jvm,
                JvmThreadCpu.perMillion(before.threads(), after.threads(), rows),
                sampler);
    }

    /** What the coordinator spends doing nothing (FTS probes, background workers): the floor. */
    void printIdle() throws IOException, InterruptedException {
        if (cpu.isPresent()) {
            Sample before = now();
            Thread.sleep(10_000);
            Sample after = now();
            Report.line(
                    "CPU while idle: coordinator %.3f, segments %.3f CPU-s per second (10 s"
                            + " sample)",
                    (after.coordinator() - before.coordinator()) / 10,
                    (after.segments() - before.segments()) / 10);
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
        if (!segmentsPerMillion.isEmpty()) {
            Report.line("primary segments' CPU-seconds per 1M rows (all primaries together):");
            for (Map.Entry<Measurement, List<Double>> e : segmentsPerMillion.entrySet()) {
                Report.line(
                        "  %-50s median %8.2f CPU-s/1M  (runs: %s)",
                        e.getKey().name(), median(e.getValue()), joined(e.getValue()));
            }
        }
        if (!perMillion.containsKey(sinkGpfdist)) {
            return;
        }
        if (perMillion.containsKey(copy)) {
            Report.atMost(
                    "coordinator CPU sink gpfdist / raw COPY",
                    median(perMillion.get(sinkGpfdist)) / median(perMillion.get(copy)),
                    TARGET_SHARE);
        }
        if (!perMillion.containsKey(sinkCopy)) {
            return;
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
