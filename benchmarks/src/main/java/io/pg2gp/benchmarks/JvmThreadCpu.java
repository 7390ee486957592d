package io.pg2gp.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU-seconds of this JVM's threads by what they do (gpfdist serving, the Flink tasks that
 * generate, encode and stage the rows, the committer, GC, JIT, the rest), from {@code
 * /proc/self/task/<tid>/stat}. Flink's task threads end with their job, and {@code /proc} forgets a
 * thread when it exits, so a sampler reads every thread every 500 ms and keeps each one's last
 * figure: a thread's CPU after its last sample (at most 500 ms of it) is missed.
 */
final class JvmThreadCpu implements AutoCloseable {

    private static final Path TASKS = Path.of("/proc/self/task");
    private static final double TICK = 0.01; // USER_HZ = 100 on Linux

    /** The sampler's own thread (and group): left out of the figures it reports. */
    static final String SAMPLER = "cpu-sampler";

    private record Seen(String group, long ticks) {}

    private final Map<String, Seen> threads = new HashMap<>();
    private final Thread sampler;
    private volatile boolean running = true;

    private JvmThreadCpu() {
        sampler =
                new Thread(
                        () -> {
                            while (running) {
                                sample();
                                try {
                                    Thread.sleep(500);
                                } catch (InterruptedException e) {
                                    return;
                                }
                            }
                        },
                        SAMPLER);
        sampler.setDaemon(true);
    }

    /** Started, or null where there is no {@code /proc/self/task} (not Linux). */
    static JvmThreadCpu start() {
        if (!Files.isDirectory(TASKS)) {
            return null;
        }
        JvmThreadCpu cpu = new JvmThreadCpu();
        cpu.sample();
        cpu.sampler.start();
        return cpu;
    }

    /** CPU-seconds so far per group, the exited threads' last figures included. */
    synchronized Map<String, Double> seconds() {
        sample();
        Map<String, Double> groups = new TreeMap<>();
        for (Seen s : threads.values()) {
            groups.merge(s.group(), s.ticks() * TICK, Double::sum);
        }
        return groups;
    }

    private synchronized void sample() {
        try (Stream<Path> tasks = Files.list(TASKS)) {
            tasks.forEach(this::read);
        } catch (IOException | RuntimeException e) {
            // a listing racing with thread exits: the next sample catches up
        }
    }

    private void read(Path task) {
        String stat;
        try {
            stat = Files.readString(task.resolve("stat"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return; // exited
        }
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open < 0 || close < open) {
            return;
        }
        String comm = stat.substring(open + 1, close);
        String[] f = stat.substring(close + 2).split(" ");
        // after "pid (comm) ": state is f[0], utime is field 14 (f[11]), stime field 15 (f[12])
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        // keyed by tid and name: a reused tid of a new thread starts a new entry
        threads.merge(
                task.getFileName() + "/" + comm,
                new Seen(group(comm), ticks),
                (a, b) -> a.ticks() >= b.ticks() ? a : b);
    }

    /**
     * Linux keeps the first 15 bytes of a Java thread's name: Flink's task threads show as their
     * chained operators' first name ("generate enrich" is the generator chained with the sink's
     * writer: generating, encoding, staging), the gpfdist server's as "gpfdist-<n>-conn-"; digits
     * are dropped so numbered pools sum up.
     */
    static String group(String comm) {
        if (comm.startsWith("gpfdist-")) {
            return "gpfdist server";
        }
        String name = comm.replaceAll("[0-9#()/]+", "").replaceAll("[-_ ]+$", "").trim();
        return name.isEmpty() ? "other" : name;
    }

    /** Per group, {@code after - before} in CPU-seconds per 1M of {@code rows}. */
    static String perMillion(Map<String, Double> before, Map<String, Double> after, long rows) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Double> e : after.entrySet()) {
            double d = (e.getValue() - before.getOrDefault(e.getKey(), 0.0)) * 1e6 / rows;
            if (d >= 0.05 && !e.getKey().equals(SAMPLER)) {
                sb.append(sb.length() == 0 ? "" : ", ")
                        .append(e.getKey())
                        .append(String.format(" %.2f", d));
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        running = false;
        sampler.interrupt();
    }
}
