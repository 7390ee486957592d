package io.pg2gp.jobs.settings;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectorOptionNamesTest {

    private static final Path CONNECTORS = Path.of("../../connectors").toAbsolutePath().normalize();

    @Test
    void namesThePipelineKeyOfEachConnectorOptionInAMessage() {
        assertThat(
                        ConnectorOptionNames.explain(
                                "replication slot pg2gp uses plugin test_decoding: choose another"
                                        + " slotName"))
                .endsWith(
                        "choose another slotName (in the pipeline file: slotName is"
                                + " source.slot-name)");
        assertThat(ConnectorOptionNames.explain("line one\n  GRANT x;  -- (loader GPFDIST)"))
                .endsWith(
                        "-- (loader GPFDIST)\n(in the pipeline file: loader is warehouse.loader)");
        assertThat(ConnectorOptionNames.explain("nothing to translate"))
                .isEqualTo("nothing to translate");
        assertThat(ConnectorOptionNames.keyOf("portRange"))
                .isEqualTo("warehouse.gpfdist.port-range");
    }

    /** The connectors are libraries: their messages name their own options, never the YAML keys. */
    @Test
    void connectorsNameNoPipelineKeys() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(CONNECTORS)) {
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".java"))
                            .filter(p -> p.toString().contains("/src/main/java/"))
                            .toList()) {
                String text = Files.readString(f);
                for (var o : Pg2gpOptions.all()) {
                    if (text.contains("\"" + o.key()) || text.contains(" " + o.key())) {
                        found.add(CONNECTORS.relativize(f) + ": " + o.key());
                    }
                }
            }
        }
        assertThat(found).isEmpty();
    }
}
