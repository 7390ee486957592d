package io.pg2gp.jobs.settings;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The jobs' command line: {@code --config <pipeline.yaml> [--set key=value ...]}. */
public final class JobArguments {

    private JobArguments() {}

    public static PipelineConfig parse(String[] args) {
        Path file = null;
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> file = Path.of(value(args, ++i, "--config"));
                case "--set" -> overrides.add(value(args, ++i, "--set"));
                default ->
                        throw new SettingException(
                                "unknown argument '"
                                        + args[i]
                                        + "'; usage: --config <pipeline.yaml> [--set key=value ...]");
            }
        }
        return PipelineConfig.load(file, overrides);
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new SettingException(flag + " needs a value");
        }
        return args[i];
    }
}
