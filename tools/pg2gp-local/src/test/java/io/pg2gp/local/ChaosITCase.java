package io.pg2gp.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One cycle of {@code ./pg2gp chaos} on the local session cluster under seed-shaped traffic: three
 * TaskManager {@code kill -9}s, the source restarted with {@code -m immediate}, the warehouse down
 * for 45 s (longer than the old fixed-delay restart budget survived), and the poison values
 * (±infinity, a widened column's out-of-range value, a TRUNCATE with the default {@code ignore}, a
 * dropped column). After quiescing the warehouse must equal the source row by row (the rows the
 * TRUNCATE removed from the source included: with {@code ignore} the warehouse keeps them), the
 * rollups SQL over the facts, the dead letters exactly the TRUNCATE and each out-of-range value,
 * and both jobs must still run, having restarted. End states only: no timing is asserted.
 */
class ChaosITCase {

    private static final Path REPO = Path.of("../..").toAbsolutePath().normalize();

    @TempDir Path tmp;

    @Test
    void killsRestartsAndPoisonLoseNothingAndDuplicateNothing() throws Exception {
        // the servers run as the postgres user when this runs as root: it must reach their dirs
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Chaos.Settings settings =
                new Chaos.Settings(
                        REPO,
                        tmp,
                        // restarts back off to 8 s at most, so the loop ends soon after the faults
                        List.of(
                                "pipeline.checkpoint-interval=2s",
                                "pipeline.restart.max-delay=8s",
                                "source.heartbeat.interval=2s",
                                "enrichment.max-wait=2s"),
                        ChaosCommand.flinkSettings(ChaosCommand.freePort(), "1536m"),
                        Duration.ZERO,
                        Duration.ofSeconds(12),
                        Duration.ofSeconds(3),
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(45),
                        Duration.ofMinutes(3),
                        50,
                        40,
                        1000,
                        ChaosCommand.freePort(),
                        ChaosCommand.freePort());
        Chaos chaos = new Chaos(settings, System.out);
        Chaos.Report report;
        try {
            report = chaos.run();
        } catch (Exception | AssertionError e) {
            printLogs(chaos.logDirectory());
            throw e;
        }
        report.print(System.out);
        if (!report.ok()) {
            printLogs(chaos.logDirectory());
        }

        assertThat(report.kills()).isEqualTo(3);
        assertThat(report.sourceRestarts()).isEqualTo(1);
        assertThat(report.warehouseRestarts()).isEqualTo(1);
        assertThat(report.rows().compared()).isGreaterThan(1000);
        assertThat(report.rows().toString())
                .contains(" 0 lost, 0 duplicated, 0 extra, 0 differing");
        // the TRUNCATE and the three out-of-range values, each by its reason, and nothing else
        assertThat(report.deadLetters()).isEqualTo(report.expectedDeadLetters()).isEqualTo(4);
        assertThat(report.otherDeadLetters()).isZero();
        assertThat(report.rollupsEqual()).isTrue();
        assertThat(report.jobStates().values()).containsOnly("RUNNING").hasSize(2);
        // every fault restarts the ingest job: 3 kills, the source, the warehouse
        assertThat(report.restarts().values()).allMatch(n -> n >= 3);
        assertThat(report.ok()).isTrue();
    }

    private static void printLogs(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                List<String> lines = Files.readAllLines(f);
                System.err.println("==> " + f + " (last 80 lines)");
                lines.subList(Math.max(0, lines.size() - 80), lines.size())
                        .forEach(System.err::println);
            }
        } catch (IOException e) {
            System.err.println("no cluster logs: " + e);
        }
    }
}
