package io.pg2gp.local;

import io.pg2gp.jobs.settings.SettingException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Command-line settings of the local run. */
record LocalSettings(
        Path dir,
        Path config,
        List<String> overrides,
        int sourcePort,
        int warehousePort,
        int webPort,
        int rate,
        int seedUsers,
        int seedRequests,
        int progressSeconds,
        int seconds,
        boolean keep,
        boolean embedded) {

    static final String USAGE =
            "usage: pg2gp run [--dir DIR] [--config pipeline.yaml] [--set key=value ...]\n"
                    + "                 [--source-port N] [--warehouse-port N] [--web-port N]\n"
                    + "                 [--rate CHANGES_PER_SECOND] [--seed-users N] [--seed-requests N]\n"
                    + "                 [--progress-seconds N] [--seconds N (0 = until Ctrl-C)] [--keep]\n"
                    + "                 [--embedded (Flink inside this process instead of a local session"
                    + " cluster)]";

    static LocalSettings parse(String[] args) {
        // The shell scripts (cluster-env.sh) use ${TMPDIR:-/tmp}; Java ignores TMPDIR, so read it
        // here
        // to keep the documented path right wherever TMPDIR is set or unset.
        String tmp = System.getenv("TMPDIR");
        Path dir =
                Path.of(
                        tmp == null || tmp.isBlank() ? System.getProperty("java.io.tmpdir") : tmp,
                        "pg2gp-local-" + System.getProperty("user.name"));
        Path config = Path.of("deploy/local/pipeline.yaml");
        List<String> overrides = new ArrayList<>();
        int sourcePort = 15432;
        int warehousePort = 15433;
        int webPort = 8081;
        int rate = 200;
        int seedUsers = 200;
        int seedRequests = 20_000;
        int progress = 5;
        int seconds = 0;
        boolean keep = false;
        boolean embedded = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--dir" -> dir = Path.of(next(args, ++i, a));
                case "--config" -> config = Path.of(next(args, ++i, a));
                case "--set" -> overrides.add(next(args, ++i, a));
                case "--source-port" -> sourcePort = number(args, ++i, a);
                case "--warehouse-port" -> warehousePort = number(args, ++i, a);
                case "--web-port" -> webPort = number(args, ++i, a);
                case "--rate" -> rate = number(args, ++i, a);
                case "--seed-users" -> seedUsers = number(args, ++i, a);
                case "--seed-requests" -> seedRequests = number(args, ++i, a);
                case "--progress-seconds" -> progress = Math.max(1, number(args, ++i, a));
                case "--seconds" -> seconds = number(args, ++i, a);
                case "--keep" -> keep = true;
                case "--embedded" -> embedded = true;
                case "-h", "--help" -> {
                    System.out.println(USAGE);
                    System.exit(0);
                }
                default -> throw new SettingException("unknown argument '" + a + "'\n" + USAGE);
            }
        }
        return new LocalSettings(
                dir.toAbsolutePath(),
                config,
                overrides,
                sourcePort,
                warehousePort,
                webPort,
                rate,
                seedUsers,
                seedRequests,
                progress,
                seconds,
                keep,
                embedded);
    }

    private static String next(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new SettingException(flag + " needs a value\n" + USAGE);
        }
        return args[i];
    }

    private static int number(String[] args, int i, String flag) {
        try {
            return Integer.parseInt(next(args, i, flag));
        } catch (NumberFormatException e) {
            throw new SettingException(flag + " needs a number\n" + USAGE);
        }
    }
}
