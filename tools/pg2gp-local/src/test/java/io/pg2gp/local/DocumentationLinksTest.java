package io.pg2gp.local;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every relative link in the README and in {@code docs/} points at a file of the repository and,
 * when it names a section, at a heading that exists (GitHub's anchor rules): moving a section must
 * not leave a reader at a dead link.
 */
class DocumentationLinksTest {

    private static final Path REPO = Path.of("../..").toAbsolutePath().normalize();
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.+?)\\s*$");

    /** Where the README diagram's column of class names starts. */
    private static final int DIAGRAM_CLASS_COLUMN = 56;

    /** A class name: capitalised words run together (at least two). */
    private static final Pattern CLASS_NAME =
            Pattern.compile("\\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+\\b");

    @Test
    void relativeLinksAndAnchorsResolve() throws IOException {
        List<Path> pages = new ArrayList<>();
        pages.add(REPO.resolve("README.md"));
        try (Stream<Path> docs = Files.list(REPO.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path page : pages) {
            Matcher m = LINK.matcher(Files.readString(page));
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("^[a-z]+:.*")) {
                    continue; // http(s), mailto: not ours to check offline
                }
                checked++;
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
                String where = REPO.relativize(page) + " → " + target;
                if (!Files.exists(resolved)) {
                    broken.add(where + " (no such file)");
                } else if (hash >= 0
                        && resolved.toString().endsWith(".md")
                        && !anchors(resolved).contains(target.substring(hash + 1))) {
                    broken.add(where + " (no such section)");
                }
            }
        }
        assertThat(checked).as("links checked").isGreaterThan(5);
        assertThat(broken).as("broken links").isEmpty();
    }

    /**
     * The README's diagram maps each stage to its classes (the right-hand column): a class renamed
     * or split must not leave the map pointing at nothing.
     */
    @Test
    void classesInTheReadmeDiagramExist() throws IOException {
        Set<String> sources = new HashSet<>();
        try (Stream<Path> files = Files.walk(REPO)) {
            files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> !f.toString().contains("/target/"))
                    .forEach(f -> sources.add(f.getFileName().toString().replace(".java", "")));
        }
        List<String> lines = Files.readAllLines(REPO.resolve("README.md"));
        int start = lines.indexOf("## How it works");
        assertThat(start).as("the README's \"How it works\" section").isNotNegative();
        List<String> missing = new ArrayList<>();
        int named = 0;
        boolean fenced = false;
        for (String line : lines.subList(start, lines.size())) {
            if (line.startsWith("```")) {
                if (fenced) {
                    break;
                }
                fenced = true;
                continue;
            }
            if (!fenced || line.length() <= DIAGRAM_CLASS_COLUMN) {
                continue;
            }
            Matcher m = CLASS_NAME.matcher(line.substring(DIAGRAM_CLASS_COLUMN));
            while (m.find()) {
                named++;
                if (!sources.contains(m.group())) {
                    missing.add(m.group());
                }
            }
        }
        assertThat(named).as("classes named in the diagram").isGreaterThan(10);
        assertThat(missing).as("classes the diagram names that do not exist").isEmpty();
    }

    @Test
    void anchorsFollowGitHubsRules() {
        assertThat(anchor("Demo run (`./pg2gp run`)")).isEqualTo("demo-run-pg2gp-run");
        assertThat(anchor("Restarts (`pipeline.restart.*`)")).isEqualTo("restarts-pipelinerestart");
        assertThat(anchor("Greenplum upkeep: statistics, VACUUM, locks"))
                .isEqualTo("greenplum-upkeep-statistics-vacuum-locks");
    }

    private static Set<String> anchors(Path page) throws IOException {
        Set<String> anchors = new HashSet<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(page)) {
            if (line.startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            Matcher h = HEADING.matcher(line);
            if (!fenced && h.matches()) {
                String a = anchor(h.group(1));
                String unique = a;
                for (int n = 1; !anchors.add(unique); n++) {
                    unique = a + "-" + n;
                }
            }
        }
        return anchors;
    }

    /** GitHub's heading anchor: lower case, punctuation dropped, spaces as hyphens. */
    static String anchor(String heading) {
        return heading.toLowerCase(Locale.ROOT)
                .replaceAll("[^\\p{L}\\p{N} _-]", "")
                .replace(' ', '-');
    }
}
