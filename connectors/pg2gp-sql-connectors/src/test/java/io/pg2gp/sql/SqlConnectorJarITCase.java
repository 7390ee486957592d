package io.pg2gp.sql;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged jar's table factories: {@code postgres-cdc} is pg2gp's commit-filtered source and
 * Flink CDC's own factory is not registered (two factories claiming one identifier would fail every
 * statement that uses it).
 */
class SqlConnectorJarITCase {

    @Test
    void registersOneFactoryPerIdentifierWithPostgresCdcCommitFiltered() throws IOException {
        try (JarFile jar = new JarFile(shadedJar().toFile())) {
            String services =
                    new String(
                            jar.getInputStream(
                                            jar.getEntry(
                                                    "META-INF/services/"
                                                            + "org.apache.flink.table.factories.Factory"))
                                    .readAllBytes(),
                            StandardCharsets.UTF_8);
            List<String> factories =
                    services.lines()
                            .map(String::strip)
                            .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                            .sorted()
                            .collect(Collectors.toList());
            assertThat(factories)
                    .containsExactly(
                            // 'pg2gp-postgres-cdc'
                            "io.pg2gp.connector.cdc.CommitFilteredPostgresCdcTableFactory",
                            // 'postgres-cdc'
                            "io.pg2gp.connector.cdc.PostgresCdcCompatibleTableFactory",
                            // 'greenplum'
                            "io.pg2gp.connector.warehouse.table.GreenplumDynamicTableSinkFactory");
            // Flink CDC's factory stays in the jar as the delegate, unregistered
            assertThat(
                            jar.getEntry(
                                    "org/apache/flink/cdc/connectors/postgres/table/"
                                            + "PostgreSQLTableFactory.class"))
                    .isNotNull();
        }
    }

    private static Path shadedJar() throws IOException {
        try (DirectoryStream<Path> jars =
                Files.newDirectoryStream(Path.of("target"), "pg2gp-sql-connectors-*.jar")) {
            for (Path jar : jars) {
                if (!jar.getFileName().toString().startsWith("original-")) {
                    return jar;
                }
            }
        }
        throw new IllegalStateException("no packaged jar in target/ (run mvn verify)");
    }
}
