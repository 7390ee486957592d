package io.pg2gp.jobs.settings;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * Translates the connectors' option names into the pipeline file's keys. The connectors are
 * libraries: their messages name their own builder options ({@code slotName}, {@code loader}),
 * which mean nothing to someone who wrote {@code source.slot-name} in a YAML file. The jobs pass
 * such messages through {@link #explain} so that people see the key they can change.
 */
public final class ConnectorOptionNames {

    private static final Map<String, String> KEYS = new LinkedHashMap<>();

    static {
        KEYS.put("slotName", Pg2gpOptions.SOURCE_SLOT.key());
        KEYS.put("createPublication", Pg2gpOptions.SOURCE_CREATE_PUBLICATION.key());
        KEYS.put("loader", Pg2gpOptions.WAREHOUSE_LOADER.key());
        KEYS.put("advertisedHost", Pg2gpOptions.WAREHOUSE_GPFDIST_HOST.key());
        KEYS.put("portRange", Pg2gpOptions.WAREHOUSE_GPFDIST_PORTS.key());
    }

    private ConnectorOptionNames() {}

    /** The pipeline key of a connector option, or null when it has none. */
    public static String keyOf(String connectorOption) {
        return KEYS.get(connectorOption);
    }

    /** The message, followed by the pipeline keys of the connector options it names, if any. */
    public static String explain(String message) {
        if (message == null) {
            return null;
        }
        // A multi-line message (a list of statements to run) gets the legend on a line of its own.
        String opening =
                message.contains("\n") ? "\n(in the pipeline file: " : " (in the pipeline file: ";
        StringJoiner legend = new StringJoiner(", ", opening, ")");
        legend.setEmptyValue("");
        KEYS.forEach(
                (option, key) -> {
                    if (Pattern.compile("\\b" + option + "\\b").matcher(message).find()) {
                        legend.add(option + " is " + key);
                    }
                });
        return message + legend;
    }
}
