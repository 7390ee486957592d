package io.pg2gp.local;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Jobs, tools and benchmarks use the connectors through their public API only: an import of a
 * connector's {@code internal} package from their main or test code fails the build. What they need
 * below the API (the benchmarks timing the encoder or the apply alone) comes from harnesses in the
 * connector's test-jar ({@code testutils}), which change with the internals they drive.
 */
class ModuleBoundariesTest {

    private static final Path REPO = Path.of("../..").toAbsolutePath().normalize();
    private static final Pattern INTERNAL_IMPORT =
            Pattern.compile(
                    "^import (?:static )?(io\\.pg2gp\\.connector\\.\\w+\\.internal\\.[\\w.]+);",
                    Pattern.MULTILINE);

    @Test
    void jobsToolsAndBenchmarksStayOutOfConnectorInternals() throws IOException {
        List<String> leaks = new ArrayList<>();
        int scanned = 0;
        for (String root : List.of("jobs", "tools", "benchmarks", "testing")) {
            try (Stream<Path> files = Files.walk(REPO.resolve(root))) {
                for (Path file :
                        files.filter(p -> p.toString().endsWith(".java"))
                                .filter(p -> p.toString().contains("/src/"))
                                .toList()) {
                    scanned++;
                    String relative = REPO.relativize(file).toString();
                    Matcher m = INTERNAL_IMPORT.matcher(Files.readString(file));
                    while (m.find()) {
                        leaks.add(relative + " imports " + m.group(1));
                    }
                }
            }
        }
        assertThat(scanned).isGreaterThan(40);
        assertThat(leaks)
                .as("connector internals used outside the connectors (use or add public API)")
                .isEmpty();
    }

    /**
     * Every connector class says what it is: {@code @PublicEvolving} outside {@code internal}
     * packages (the API jobs and users build on), {@code @Internal} inside (free to change).
     */
    @Test
    void connectorClassesAreMarkedPublicOrInternal() throws IOException {
        List<String> wrong = new ArrayList<>();
        try (Stream<Path> files = Files.walk(REPO.resolve("connectors"))) {
            for (Path file :
                    files.filter(p -> p.toString().endsWith(".java"))
                            .filter(p -> p.toString().contains("/src/main/java/"))
                            .filter(p -> !p.getFileName().toString().equals("package-info.java"))
                            .toList()) {
                String text = Files.readString(file);
                boolean internal = file.toString().contains("/internal/");
                String expected = internal ? "@Internal" : "@PublicEvolving";
                String other = internal ? "@PublicEvolving" : "@Internal";
                if (!Pattern.compile("^" + expected + "$", Pattern.MULTILINE).matcher(text).find()
                        || text.contains("\n" + other + "\n")) {
                    wrong.add(REPO.relativize(file) + " should be marked " + expected);
                }
            }
        }
        assertThat(wrong).isEmpty();
    }
}
