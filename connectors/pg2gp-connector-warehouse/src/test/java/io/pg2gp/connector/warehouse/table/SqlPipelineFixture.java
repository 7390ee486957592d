package io.pg2gp.connector.warehouse.table;

import io.pg2gp.connector.cdc.CommitFilteredPostgresCdcTableFactory;
import io.pg2gp.testutils.DatabaseServer;
import io.pg2gp.testutils.PostgresServer;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A source PostgreSQL table with every type the connector maps, a postgres-cdc SQL source over it
 * and a {@code 'connector' = 'greenplum'} sink into a warehouse database, and the row by row
 * comparison of both.
 */
final class SqlPipelineFixture {

    /** Source columns and their PostgreSQL types, in order; {@code id} is the key. */
    static final String SOURCE_COLUMNS =
            "id bigint PRIMARY KEY, b boolean, i2 smallint, i4 integer, i8 bigint,"
                    + " num numeric(20, 6), r real, d double precision, ch char(4),"
                    + " vc varchar(40), t text, dt date, tm time(3), ts timestamp(6),"
                    + " tstz timestamptz(6), bin bytea, js jsonb, j json, u uuid";

    /** The same columns in Flink SQL, as postgres-cdc reads them. */
    static final String FLINK_COLUMNS =
            "id BIGINT, b BOOLEAN, i2 SMALLINT, i4 INT, i8 BIGINT, num DECIMAL(20, 6), r FLOAT,"
                    + " d DOUBLE, ch CHAR(4), vc VARCHAR(40), t STRING, dt DATE, tm TIME(3),"
                    + " ts TIMESTAMP(6), tstz TIMESTAMP_LTZ(6), bin BYTES, js STRING, j STRING,"
                    + " u STRING";

    /** How both sides are read for comparison (char padding is not part of the value). */
    static final String COMPARED =
            "id, b, i2, i4, i8, num, r, d, rtrim(ch) AS ch, vc, t, dt::text AS dt, tm::text AS tm,"
                    + " ts::text AS ts, tstz::text AS tstz, bin, js::text AS js, j::text AS j,"
                    + " u::text AS u";

    static final List<String> ROWS =
            List.of(
                    // ordinary values
                    "(1, true, 7, 42, 9000000000, 12345.678901, 1.5, 2.25, 'ab', 'varchar',"
                            + " 'plain text', '2024-05-01', '12:34:56.789',"
                            + " '2024-05-01 10:00:00.123456', '2024-05-01 10:00:00.654321+00',"
                            + " '\\x00ff10', '{\"a\": [1, 2], \"b\": null}', '{\"k\" : \"v\"}',"
                            + " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')",
                    // extremes
                    "(2, false, -32768, -2147483648, -9223372036854775808,"
                            + " 99999999999999.999999, 3.4028235e38, 1.7976931348623157e308,"
                            + " 'abcd', '', '', '0001-01-01', '23:59:59.999',"
                            + " '9999-12-31 23:59:59.999999', '1970-01-01 00:00:00+00', '\\x',"
                            + " '[]', '[]', '00000000-0000-0000-0000-000000000000')",
                    "(3, true, 32767, 2147483647, 9223372036854775807, -0.000001,"
                            + " -1.17549435e-38, 4.9e-324, 'z', 'x', 'x', '9999-12-31', '00:00:00',"
                            // postgres-cdc turns timestamps before 1582 into Julian dates
                            + " '1583-01-01 00:00:00', '2999-12-31 23:59:59.999999+00', '\\xdeadbeef',"
                            + " '{\"deep\": {\"n\": 1.5e10}}', 'null',"
                            + " 'ffffffff-ffff-ffff-ffff-ffffffffffff')",
                    // NULL everywhere
                    "(4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
                            + " NULL, NULL, NULL, NULL, NULL)",
                    // text that COPY TEXT must escape, Cyrillic and emoji
                    "(5, true, 1, 1, 1, 1, 1, 1, 'tab', E'tab\\there', E'line1\\nline2\\r\\n"
                            + " back\\\\slash \\\\N \\\\t Привет, мир 🎉🚀 \"quoted\", {braces}',"
                            + " '2000-02-29', '01:02:03', '2000-02-29 01:02:03',"
                            + " '2000-02-29 01:02:03+05', E'\\\\x5c0a09', '{\"emoji\": \"🎉\","
                            + " \"tab\": \"a\\\\tb\"}', '\"Привет\"',"
                            + " '6ba7b810-9dad-11d1-80b4-00c04fd430c8')");

    /**
     * The CDC source's connector: pg2gp's {@code pg2gp-postgres-cdc} (Flink CDC's source, readers
     * behind the commit filter; the SQL connector jar ships it as {@code postgres-cdc}). {@code
     * -Dpg2gp.it.cdc-connector=postgres-cdc} runs the cases against Flink CDC's own factory.
     */
    static final String CDC_CONNECTOR =
            System.getProperty(
                    "pg2gp.it.cdc-connector", CommitFilteredPostgresCdcTableFactory.IDENTIFIER);

    private SqlPipelineFixture() {}

    static void createSource(PostgresServer source, String db, String table) throws SQLException {
        try (Connection c = source.connect(db);
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + table + " (" + SOURCE_COLUMNS + ")");
            s.execute("ALTER TABLE " + table + " REPLICA IDENTITY FULL");
            for (String row : ROWS) {
                s.execute("INSERT INTO " + table + " VALUES " + row);
            }
        }
    }

    static String cdcSourceDdl(PostgresServer source, String db, String table, String slot) {
        return cdcSourceDdl(source, db, table, slot, Map.of());
    }

    static String cdcSourceDdl(
            PostgresServer source,
            String db,
            String table,
            String slot,
            Map<String, String> extra) {
        StringBuilder with = new StringBuilder();
        extra.forEach(
                (k, v) -> with.append(", '").append(k).append("' = '").append(v).append('\''));
        return "CREATE TABLE pg_"
                + table
                + " ("
                + FLINK_COLUMNS
                + ", PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = '"
                + CDC_CONNECTOR
                + "', 'hostname' = '"
                + source.host()
                + "', 'port' = '"
                + source.port()
                + "', 'username' = '"
                + source.user()
                + "', 'password' = 'unused', 'database-name' = '"
                + db
                + "', 'schema-name' = 'public', 'table-name' = '"
                + table
                + "', 'slot.name' = '"
                + slot
                + "', 'decoding.plugin.name' = 'pgoutput',"
                + " 'scan.incremental.snapshot.enabled' = 'true',"
                + " 'scan.incremental.snapshot.chunk.size' = '2'"
                + with
                + ")";
    }

    static String sinkDdl(
            String flinkName,
            String columns,
            DatabaseServer warehouse,
            String db,
            String target,
            Map<String, String> extra) {
        StringBuilder with =
                new StringBuilder("'connector' = 'greenplum', 'url' = '")
                        .append(warehouse.jdbcUrl(db))
                        .append("', 'table-name' = '")
                        .append(target)
                        .append("', 'username' = '")
                        .append(warehouse.user())
                        .append('\'');
        extra.forEach(
                (k, v) -> with.append(", '").append(k).append("' = '").append(v).append('\''));
        return "CREATE TABLE " + flinkName + " (" + columns + ") WITH (" + with + ")";
    }

    static StreamTableEnvironment tableEnvironment(int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.enableCheckpointing(300);
        env.setParallelism(parallelism);
        return StreamTableEnvironment.create(env);
    }

    static JobClient start(StreamTableEnvironment tEnv, String insert) {
        TableResult result = tEnv.executeSql(insert);
        return result.getJobClient().orElseThrow();
    }

    /** Rows of {@link #COMPARED}, each value normalized (floats as floats, bytes as hex). */
    static List<List<Object>> read(Connection c, String table) throws SQLException {
        List<List<Object>> rows = new ArrayList<>();
        try (Statement s = c.createStatement()) {
            s.execute("SET TIME ZONE 'UTC'");
            try (ResultSet rs =
                    s.executeQuery("SELECT " + COMPARED + " FROM " + table + " ORDER BY id")) {
                ResultSetMetaData md = rs.getMetaData();
                while (rs.next()) {
                    List<Object> row = new ArrayList<>();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        Object v = rs.getObject(i);
                        if (v instanceof byte[]) {
                            v = HexFormat.of().formatHex((byte[]) v);
                        } else if (v instanceof java.sql.Array) {
                            v = Arrays.asList((Object[]) ((java.sql.Array) v).getArray());
                        } else if (v instanceof Number
                                && !(v instanceof Double)
                                && !(v instanceof Float)) {
                            v = v.toString();
                        }
                        row.add(v);
                    }
                    rows.add(row);
                }
            }
        }
        return rows;
    }

    /** Waits (bounded) until {@code target} holds exactly the source's rows; returns both. */
    static List<List<List<Object>>> awaitEqual(
            Connection source, String sourceTable, Connection target, String targetTable)
            throws Exception {
        long deadline = System.nanoTime() + 180_000_000_000L;
        List<List<Object>> expected = read(source, sourceTable);
        List<List<Object>> actual = List.of();
        while (System.nanoTime() < deadline) {
            actual = readIfExists(target, targetTable);
            if (actual.equals(expected)) {
                break;
            }
            Thread.sleep(200);
        }
        return List.of(expected, actual);
    }

    private static List<List<Object>> readIfExists(Connection c, String table) throws SQLException {
        try {
            return read(c, table);
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return List.of();
            }
            throw e;
        }
    }
}
