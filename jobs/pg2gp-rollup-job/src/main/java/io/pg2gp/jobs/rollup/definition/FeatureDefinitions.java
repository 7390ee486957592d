package io.pg2gp.jobs.rollup.definition;

import java.util.ArrayList;
import java.util.List;

/**
 * The per-key feature tables the job keeps: every {@code *.sql} file of {@code sql/features/}, read
 * from the job's jar (or from {@code rollup.feature-definitions-dir}), in file-name order.
 */
public final class FeatureDefinitions {

    private FeatureDefinitions() {}

    /** From {@code directory}, or from the classpath when it is null or empty. */
    public static List<FeatureDefinition> load(String directory) {
        List<FeatureDefinition> out = new ArrayList<>();
        RollupDefinitions.read(directory, "sql/features")
                .forEach((name, text) -> out.add(FeatureDefinition.parse(name, text)));
        return out;
    }
}
