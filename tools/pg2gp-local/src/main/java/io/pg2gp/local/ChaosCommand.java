package io.pg2gp.local;

import io.pg2gp.jobs.settings.SettingException;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code ./pg2gp chaos --minutes N}: the chaos loop of ChaosITCase for as long as a user wants,
 * then the comparison; exit code 0 only when the warehouse equals the source.
 */
public final class ChaosCommand {

    static final String USAGE =
            "usage: pg2gp chaos [--minutes N (default 10)] [--dir DIR] [--pause-seconds N (default"
                    + " 60)]\n"
                    + "                   [--warehouse-down-seconds N (default 45)] [--rate"
                    + " CHANGES_PER_SECOND]\n"
                    + "                   [--web-port N (default 8082)] [--set key=value ...]";

    public static void main(String[] args) throws Exception {
        int[] exit = {1};
        SettingException.exitOnUserError("pg2gp chaos", () -> exit[0] = run(args));
        System.exit(exit[0]);
    }

    private static int run(String[] args) throws Exception {
        int minutes = 10;
        int pause = 60;
        int warehouseDown = 45;
        int rate = 100;
        int webPort = 8082;
        String tmp = System.getenv("TMPDIR");
        Path dir =
                Path.of(
                        tmp == null || tmp.isBlank() ? System.getProperty("java.io.tmpdir") : tmp,
                        "pg2gp-chaos-" + System.getProperty("user.name"));
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--minutes" -> minutes = number(args, ++i);
                case "--pause-seconds" -> pause = number(args, ++i);
                case "--warehouse-down-seconds" -> warehouseDown = number(args, ++i);
                case "--rate" -> rate = number(args, ++i);
                case "--web-port" -> webPort = number(args, ++i);
                case "--dir" -> dir = Path.of(value(args, ++i));
                case "--set" -> overrides.add(value(args, ++i));
                case "-h", "--help" -> {
                    System.out.println(USAGE);
                    return 0;
                }
                default ->
                        throw new SettingException("unknown argument '" + args[i] + "'\n" + USAGE);
            }
        }
        // A fault every --pause-seconds is a separate outage: the restart budget (attempts in a
        // row) must start over between them, so the job must count as recovered before the next
        // one. The local setting (5 min) would add up a 30-minute run's restarts and fail the job.
        overrides.add(0, "pipeline.restart.reset-after=" + Math.max(10, pause / 2) + "s");
        Path repo = Path.of("").toAbsolutePath();
        dir = dir.toAbsolutePath();
        SessionCluster.stopIfRunning(repo, dir.resolve("flink"));
        LocalPipeline.wipe(dir);
        Files.createDirectories(dir);
        Chaos.Settings settings =
                new Chaos.Settings(
                        repo,
                        dir,
                        overrides,
                        flinkSettings(webPort, "2048m"),
                        Duration.ofMinutes(minutes),
                        Duration.ofSeconds(pause),
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(warehouseDown),
                        Duration.ofMinutes(10),
                        rate,
                        200,
                        5000,
                        freePort(),
                        freePort());
        System.out.println(
                "pg2gp chaos: "
                        + minutes
                        + " min, a fault every "
                        + pause
                        + " s; restart budget reset after "
                        + Math.max(10, pause / 2)
                        + " s running; data and Flink logs under "
                        + dir
                        + "; web UI http://localhost:"
                        + webPort);
        Chaos chaos = new Chaos(settings, System.out);
        Chaos.Report report = chaos.run();
        report.print(System.out);
        if (!report.ok()) {
            System.out.println("Flink logs: " + chaos.logDirectory());
        }
        return report.ok() ? 0 : 1;
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new SettingException(args[i - 1] + " needs a value\n" + USAGE);
        }
        return args[i];
    }

    private static int number(String[] args, int i) {
        try {
            return Integer.parseInt(value(args, i));
        } catch (NumberFormatException e) {
            throw new SettingException(args[i - 1] + " needs a number\n" + USAGE);
        }
    }

    /**
     * The session cluster's ports (RPC and Prometheus on free ones), slots and TaskManager size.
     */
    static Map<String, String> flinkSettings(int restPort, String taskManagerMemory)
            throws IOException {
        int prom = freePort();
        return Map.of(
                "PG2GP_FLINK_REST_PORT",
                String.valueOf(restPort),
                "PG2GP_FLINK_RPC_PORT",
                String.valueOf(freePort()),
                "PG2GP_FLINK_PROMETHEUS_PORTS",
                prom + "-" + (prom + 3),
                "PG2GP_FLINK_SLOTS",
                "4",
                "PG2GP_FLINK_TM_MEMORY",
                taskManagerMemory);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
