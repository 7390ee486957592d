package io.pg2gp.testutils;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/** Finds the PostgreSQL server binaries installed on this machine. */
public final class PostgresBinaries {

    /** Environment variable that points at a directory holding initdb, pg_ctl and postgres. */
    public static final String ENV = "PG2GP_PG_BIN";

    private PostgresBinaries() {}

    public static Path locate() {
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            if (isServerBinDir(p)) {
                return p;
            }
            throw new IllegalStateException(ENV + "=" + env + " holds no initdb/pg_ctl/postgres");
        }
        return fromPgConfig()
                .or(PostgresBinaries::newestDebianInstall)
                .orElseThrow(
                        () ->
                                new IllegalStateException(
                                        "PostgreSQL server binaries not found. Install them"
                                                + " (Debian/Ubuntu: apt-get install postgresql) or"
                                                + " set "
                                                + ENV
                                                + " to the directory holding initdb and pg_ctl."
                                                + " './pg2gp test' and './pg2gp run' install"
                                                + " them when run as root."));
    }

    private static Optional<Path> fromPgConfig() {
        try {
            Process p = new ProcessBuilder("pg_config", "--bindir").start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() == 0) {
                Path dir = Path.of(out.trim());
                return isServerBinDir(dir) ? Optional.of(dir) : Optional.empty();
            }
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Optional.empty();
    }

    private static Optional<Path> newestDebianInstall() {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(PostgresBinaries::isServerBinDir)
                    .max(Comparator.comparingInt(PostgresBinaries::majorVersion));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static int majorVersion(Path binDir) {
        try {
            return Integer.parseInt(binDir.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static boolean isServerBinDir(Path dir) {
        return Files.isExecutable(dir.resolve("initdb"))
                && Files.isExecutable(dir.resolve("pg_ctl"))
                && Files.isExecutable(dir.resolve("postgres"));
    }
}
