package io.pg2gp.benchmarks;

import io.pg2gp.testutils.GreenplumCluster;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * CPU time of a Greenplum coordinator (or of its primary segments), read from {@code /proc}: the
 * coordinator postmaster's own utime + stime, the cutime + cstime of its children that have exited
 * (the postmaster reaps every backend, so a connection closed during a measurement still counts),
 * and utime + stime of its children still running. Two samples subtracted give the coordinator's
 * CPU-seconds in between, whichever backends did the work. Only for a cluster on this machine whose
 * data directory is known.
 */
final class CoordinatorCpu {

    private final List<Path> pidFiles;
    private final double ticksPerSecond;

    private CoordinatorCpu(List<Path> pidFiles, double ticksPerSecond) {
        this.pidFiles = pidFiles;
        this.ticksPerSecond = ticksPerSecond;
    }

    /**
     * The coordinator of a managed cluster (gp-cluster's layout), if its postmaster.pid is here.
     */
    static Optional<CoordinatorCpu> of(GreenplumCluster gp) {
        return gp.dataDirectory()
                .map(d -> d.resolve("coordinator/gpseg-1/postmaster.pid"))
                .filter(Files::isRegularFile)
                .filter(p -> Files.isDirectory(Path.of("/proc/self")))
                .map(p -> new CoordinatorCpu(List.of(p), clockTicks()));
    }

    /**
     * The primary segments of a managed cluster together (gp-cluster's {@code primary/gpseg*}),
     * counted the same way: where a load's parsing, distribution and inserting happen.
     */
    static Optional<CoordinatorCpu> segments(GreenplumCluster gp) {
        if (gp.dataDirectory().isEmpty() || !Files.isDirectory(Path.of("/proc/self"))) {
            return Optional.empty();
        }
        List<Path> pids = new ArrayList<>();
        try (DirectoryStream<Path> dirs =
                Files.newDirectoryStream(gp.dataDirectory().get().resolve("primary"), "gpseg*")) {
            for (Path d : dirs) {
                if (Files.isRegularFile(d.resolve("postmaster.pid"))) {
                    pids.add(d.resolve("postmaster.pid"));
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return pids.isEmpty()
                ? Optional.empty()
                : Optional.of(new CoordinatorCpu(List.copyOf(pids), clockTicks()));
    }

    /** A PostgreSQL server on this machine, from its data directory's postmaster.pid. */
    static Optional<CoordinatorCpu> postgres(Path dataDir) {
        Path pid = dataDir.resolve("postmaster.pid");
        return Files.isRegularFile(pid) && Files.isDirectory(Path.of("/proc/self"))
                ? Optional.of(new CoordinatorCpu(List.of(pid), clockTicks()))
                : Optional.empty();
    }

    /** CPU-seconds so far of the instances (postmasters, exited and running children). */
    double seconds() throws IOException {
        double total = 0;
        for (Path pidFile : pidFiles) {
            total += seconds(pidFile);
        }
        return total;
    }

    private double seconds(Path pidFile) throws IOException {
        long postmaster = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
        Path stat = Path.of("/proc", String.valueOf(postmaster), "stat");
        while (true) {
            String[] own = statFields(stat);
            if (own == null) {
                throw new IllegalStateException("postmaster " + postmaster + " is gone");
            }
            // After "(comm)": [0] state (field 3), [1] ppid, [11..14] utime stime cutime cstime.
            long ticks = sum(own, 11, 14);
            try (DirectoryStream<Path> procs =
                    Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
                for (Path p : procs) {
                    String[] f = statFields(p.resolve("stat"));
                    if (f != null && Long.parseLong(f[1]) == postmaster) {
                        ticks += sum(f, 11, 12);
                    }
                }
            }
            // A backend reaped while the children were listed is in neither sum (its time moved
            // into cutime after it was read): read again until nothing was reaped in between.
            String[] after = statFields(stat);
            if (after != null && sum(after, 13, 14) == sum(own, 13, 14)) {
                return ticks / ticksPerSecond;
            }
        }
    }

    private static long sum(String[] fields, int from, int to) {
        long s = 0;
        for (int i = from; i <= to; i++) {
            s += Long.parseLong(fields[i]);
        }
        return s;
    }

    /** The fields after the command name (which may hold spaces), or null for a process gone. */
    private static String[] statFields(Path stat) {
        try {
            String s = Files.readString(stat);
            return s.substring(s.lastIndexOf(')') + 2).trim().split(" ");
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null; // exited between listing and reading
        }
    }

    private static double clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor() == 0) {
                return Double.parseDouble(out);
            }
        } catch (IOException | NumberFormatException e) {
            // fall through to Linux's usual USER_HZ
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }
}
