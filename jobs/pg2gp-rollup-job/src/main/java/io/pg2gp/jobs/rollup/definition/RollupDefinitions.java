package io.pg2gp.jobs.rollup.definition;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The rollups the job keeps: every {@code *.sql} file of {@code sql/rollups/}, read from the job's
 * jar (or from a directory given by {@code rollup.definitions-dir}), in file-name order.
 */
public final class RollupDefinitions {

    private static final String RESOURCE_DIR = "sql/rollups";

    private RollupDefinitions() {}

    /** From {@code directory}, or from the classpath when it is null or empty. */
    public static List<RollupDefinition> load(String directory) {
        List<RollupDefinition> out = new ArrayList<>();
        read(directory, RESOURCE_DIR)
                .forEach((name, text) -> out.add(RollupDefinition.parse(name, text)));
        return out;
    }

    /**
     * The dashboard views of {@code sql/views/} for {@code schema}: file name (without {@code
     * .sql}) to its statements, in file-name order.
     */
    public static Map<String, String> views(String schema) {
        Map<String, String> out = new LinkedHashMap<>();
        read(null, "sql/views")
                .forEach((name, text) -> out.put(name, text.replace("{{schema}}", schema)));
        return out;
    }

    /** {@code name -> text} of the {@code *.sql} files, in name order. */
    static Map<String, String> read(String directory, String resourceDir) {
        try {
            if (directory != null && !directory.isBlank()) {
                return fromDirectory(Path.of(directory));
            }
            URL url = RollupDefinitions.class.getClassLoader().getResource(resourceDir);
            if (url == null) {
                throw new IllegalStateException(resourceDir + " is not on the classpath");
            }
            URI uri = url.toURI();
            if ("jar".equals(uri.getScheme())) {
                try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
                    return fromDirectory(jar.getPath(resourceDir));
                }
            }
            return fromDirectory(Path.of(uri));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resourceDir, e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> fromDirectory(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".sql")).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no *.sql files in " + dir);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Path f : files) {
            String name = f.getFileName().toString().replaceFirst("\\.sql$", "");
            try (InputStream in = Files.newInputStream(f)) {
                out.put(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return out;
    }
}
