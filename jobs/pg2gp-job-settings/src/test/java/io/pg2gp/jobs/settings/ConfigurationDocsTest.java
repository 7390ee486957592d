package io.pg2gp.jobs.settings;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.description.HtmlFormatter;
import org.apache.flink.util.TimeUtils;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the configuration reference ({@code docs/configuration.md}) generated from {@link
 * Pg2gpOptions}: the table between the markers must be exactly what the options say. After changing
 * an option, regenerate it with {@code -Dpg2gp.regenerate-docs=true} (command in the failure
 * message).
 */
class ConfigurationDocsTest {

    private static final Path DOC =
            Path.of("../..").toAbsolutePath().normalize().resolve("docs/configuration.md");
    private static final String BEGIN = "<!-- generated from Pg2gpOptions: begin -->";
    private static final String END = "<!-- generated from Pg2gpOptions: end -->";

    @Test
    void referenceTableMatchesTheOptions() throws IOException {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        assertThat(begin).as("%s holds the markers", DOC).isNotNegative();
        assertThat(end).isGreaterThan(begin);
        String expected = "\n" + table() + "\n";
        String actual = doc.substring(begin + BEGIN.length(), end);
        if (!actual.equals(expected) && Boolean.getBoolean("pg2gp.regenerate-docs")) {
            Files.writeString(
                    DOC,
                    doc.substring(0, begin + BEGIN.length()) + expected + doc.substring(end),
                    StandardCharsets.UTF_8);
            return;
        }
        assertThat(actual)
                .as(
                        "docs/configuration.md is out of date with Pg2gpOptions; regenerate it:"
                                + " mvn -B -ntp test -pl jobs/pg2gp-job-settings -am"
                                + " -Dtest=ConfigurationDocsTest -Dsurefire.failIfNoSpecifiedTests=false"
                                + " -Dpg2gp.regenerate-docs=true")
                .isEqualTo(expected);
    }

    /**
     * The example pipeline file shows every setting: as a key, or commented out ({@code # leaf:})
     * where the default is derived at run time.
     */
    @Test
    void theExamplePipelineFileShowsEverySetting() throws IOException {
        Path example = DOC.getParent().getParent().resolve("deploy/pipeline.example.yaml");
        PipelineConfig.load(example, List.of()); // parses and validates
        String text = Files.readString(example, StandardCharsets.UTF_8);
        Map<String, String> flat = new LinkedHashMap<>();
        flatten("", new ObjectMapper(new YAMLFactory()).readTree(text), flat);
        List<String> missing = new ArrayList<>();
        for (ConfigOption<?> o : Pg2gpOptions.all()) {
            String leaf = o.key().substring(o.key().lastIndexOf('.') + 1);
            if (!flat.containsKey(o.key()) && !text.contains("# " + leaf + ":")) {
                missing.add(o.key());
            }
        }
        assertThat(missing).as("settings missing from deploy/pipeline.example.yaml").isEmpty();
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        node.fields()
                .forEachRemaining(
                        e -> {
                            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
                            if (e.getValue().isObject()) {
                                flatten(key, e.getValue(), out);
                            } else {
                                out.put(key, e.getValue().asText());
                            }
                        });
    }

    /** In declaration order, which groups the options as {@link Pg2gpOptions} does. */
    static String table() {
        return "| setting | default | meaning |\n|---|---|---|\n"
                + Pg2gpOptions.all().stream()
                        .map(
                                o ->
                                        "| `"
                                                + o.key()
                                                + "` | "
                                                + defaultOf(o)
                                                + " | "
                                                + cell(describe(o))
                                                + " |")
                        .collect(Collectors.joining("\n"));
    }

    private static String defaultOf(ConfigOption<?> option) {
        if (!option.hasDefaultValue()) {
            return "—";
        }
        Object value = option.defaultValue();
        String text;
        if (value instanceof Duration d) {
            text = TimeUtils.formatWithHighestUnit(d);
        } else if (value instanceof MemorySize m) {
            text = m.toString();
        } else if (value instanceof Enum<?> e) {
            text = e.name().toLowerCase(java.util.Locale.ROOT);
        } else {
            text = String.valueOf(value);
        }
        return text.isEmpty() ? "(empty)" : "`" + text + "`";
    }

    private static String describe(ConfigOption<?> option) {
        return new HtmlFormatter()
                .format(option.description())
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&");
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}
