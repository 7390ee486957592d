package io.pg2gp.jobs.settings;

import org.apache.flink.configuration.ConfigOption;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every setting a message tells people to set exists: a message naming a key that is not one sends
 * them to a dead end (the preflight once said {@code source.publication.create}).
 */
class SettingNamesInMessagesTest {

    private static final Path REPO = Path.of("../..").toAbsolutePath().normalize();
    private static final Pattern LITERAL = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern KEY =
            Pattern.compile(
                    "(?<![\\w.$/-])((?:pipeline|source|warehouse|rollup|enrichment)"
                            + "\\.[a-z][a-z0-9-]*(?:\\.[a-z*][a-z0-9-]*)*)");

    @Test
    void everyKeyInAMessageIsASetting() throws IOException {
        Set<String> known = new HashSet<>();
        for (ConfigOption<?> o : Pg2gpOptions.all()) {
            known.add(o.key());
            o.fallbackKeys().forEach(k -> known.add(k.getKey())); // renamed keys still read
        }
        List<String> unknown = new ArrayList<>();
        List<Path> sources;
        try (Stream<Path> files = Files.walk(REPO)) {
            sources =
                    files.filter(p -> p.toString().endsWith(".java"))
                            .filter(p -> p.toString().contains("/src/main/java/"))
                            .filter(p -> !p.toString().contains("/target/"))
                            .toList();
        }
        assertThat(sources).hasSizeGreaterThan(50);
        for (Path file : sources) {
            String text = read(file);
            Matcher literal = LITERAL.matcher(text);
            while (literal.find()) {
                Matcher key = KEY.matcher(literal.group(1));
                while (key.find()) {
                    String k = key.group(1);
                    if (!isSetting(k, known)) {
                        unknown.add(REPO.relativize(file) + ": " + k);
                    }
                }
            }
        }
        assertThat(unknown).as("setting names in messages that are not settings").isEmpty();
    }

    /** A key, or a group written as {@code warehouse.gpfdist.*}. */
    private static boolean isSetting(String k, Set<String> known) {
        if (k.endsWith(".yaml") || k.endsWith(".yml")) {
            return true; // a file name such as pipeline.yaml
        }
        if (k.endsWith(".*")) {
            String prefix = k.substring(0, k.length() - 1);
            return known.stream().anyMatch(key -> key.startsWith(prefix));
        }
        return known.contains(k);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
