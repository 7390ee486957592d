package io.pg2gp.connector.warehouse.table;

import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the planner rejects before the sink connects anywhere: missing and unknown options, bad
 * values, and column types the connector cannot map (the message names the column).
 */
class GreenplumDynamicTableSinkFactoryTest {

    private static final String URL = "jdbc:postgresql://127.0.0.1:1/none";

    private static Throwable planWithSource(String columns, String select, String with) {
        TableEnvironment tEnv = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        tEnv.executeSql("CREATE TABLE sink (" + columns + ") WITH (" + with + ")");
        try {
            tEnv.explainSql("INSERT INTO sink " + select);
        } catch (Throwable t) {
            return t;
        }
        throw new AssertionError("planning succeeded");
    }

    private static String options(String extra) {
        return "'connector' = 'greenplum', 'url' = '"
                + URL
                + "', 'table-name' = 'public.t', 'username' = 'u'"
                + (extra.isEmpty() ? "" : ", " + extra);
    }

    private static final String VALUES = "SELECT * FROM (VALUES (1, 'a')) AS v(id, s)";

    @Test
    void missingUrlIsNamed() {
        assertThatThrownBy(
                        () -> {
                            throw planWithSource(
                                    "id INT, s STRING",
                                    VALUES,
                                    "'connector' = 'greenplum', 'table-name' = 't',"
                                            + " 'username' = 'u'");
                        })
                .hasStackTraceContaining("Missing required options are:")
                .hasStackTraceContaining("url");
    }

    @Test
    void unknownOptionIsNamed() {
        assertThatThrownBy(
                        () -> {
                            throw planWithSource(
                                    "id INT, s STRING", VALUES, options("'sink.colour' = 'red'"));
                        })
                .hasStackTraceContaining("Unsupported options")
                .hasStackTraceContaining("sink.colour");
    }

    @Test
    void badLoaderIsNamed() {
        assertThatThrownBy(
                        () -> {
                            throw planWithSource(
                                    "id INT, s STRING", VALUES, options("'loader' = 'ftp'"));
                        })
                .hasStackTraceContaining("loader")
                .hasStackTraceContaining("ftp");
    }

    @Test
    void passwordInTheUrlIsRefused() {
        assertThatThrownBy(
                        () -> {
                            throw planWithSource(
                                    "id INT, s STRING",
                                    VALUES,
                                    "'connector' = 'greenplum', 'url' ="
                                            + " 'jdbc:postgresql://h/db?password=secret',"
                                            + " 'table-name' = 't', 'username' = 'u'");
                        })
                .hasStackTraceContaining("must not carry a password");
    }

    @Test
    void unmappableTypeFailsNamingTheColumn() {
        assertThatThrownBy(
                        () -> {
                            throw planWithSource(
                                    "id INT, tags MAP<STRING, INT>",
                                    "SELECT 1, MAP['a', 1]",
                                    options(""));
                        })
                .hasStackTraceContaining("column 'tags' has type MAP<STRING, INT>")
                .hasStackTraceContaining("cannot map");
    }

    @Test
    void versionColumnMustExistAndOrder() {
        assertThatThrownBy(
                        () -> {
                            throw planWithSource(
                                    "id INT, s STRING, PRIMARY KEY (id) NOT ENFORCED",
                                    VALUES,
                                    options("'sink.version-column' = 's'"));
                        })
                .hasStackTraceContaining("'sink.version-column': s must be INT, BIGINT");
    }

    @Test
    void stageChunkSizeOutOfRangeIsNamed() {
        assertThatThrownBy(
                        () -> {
                            throw planWithSource(
                                    "id INT, s STRING",
                                    VALUES,
                                    options("'sink.stage-chunk-size' = '1gb'"));
                        })
                .hasStackTraceContaining("stage chunk size must be between 1 KiB and 256 MiB");
    }
}
