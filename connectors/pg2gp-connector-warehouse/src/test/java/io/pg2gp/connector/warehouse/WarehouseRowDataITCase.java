package io.pg2gp.connector.warehouse;

import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SharedPostgres;

import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarCharType;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.RowKind;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The DataStream face for RowData: a changelog of any row type, keyed by its primary key, through
 * {@link WarehouseRowData}'s table, serializer and key selector into a {@link WarehouseSink}; the
 * last version of each key wins, deletes remove, UPDATE_BEFORE is ignored, a string column lands in
 * a jsonb column.
 */
class WarehouseRowDataITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static final RowType ROW =
            RowType.of(
                    new org.apache.flink.table.types.logical.LogicalType[] {
                        new IntType(false),
                        new BigIntType(),
                        new VarCharType(100),
                        new VarCharType(100)
                    },
                    new String[] {"id", "n", "s", "doc"});

    private static RowData row(RowKind kind, int id, long n) {
        GenericRowData r =
                GenericRowData.of(
                        id,
                        n,
                        StringData.fromString("v" + n + "\t\\"),
                        StringData.fromString("{\"n\": " + n + "}"));
        r.setRowKind(kind);
        return r;
    }

    @Test
    void changelogOfRowDataLandsWithTheLastVersionOfEachKey() throws Exception {
        PostgresServer server = SharedPostgres.warehouse();
        String db = server.createDatabase(SharedPostgres.uniqueDatabase("rowdata"));
        try (Connection c = server.connect(db);
                Statement s = c.createStatement()) {
            s.execute(
                    "CREATE TABLE public.items (id integer PRIMARY KEY, n bigint, s text, doc"
                            + " jsonb, _cdc_lsn bigint NOT NULL, _cdc_op char(1) NOT NULL,"
                            + " _cdc_committed_at timestamptz, _synced_at timestamptz NOT NULL)");
        }
        List<RowData> changes = new ArrayList<>();
        for (int k = 1; k <= 50; k++) {
            changes.add(row(RowKind.INSERT, k, k));
        }
        for (int round = 1; round <= 3; round++) {
            for (int k = 1; k <= 20; k++) {
                changes.add(row(RowKind.UPDATE_BEFORE, k, 1000L * round));
                changes.add(row(RowKind.UPDATE_AFTER, k, 100L * round + k));
            }
        }
        for (int k = 41; k <= 50; k++) {
            changes.add(row(RowKind.DELETE, k, k));
        }
        WarehouseTable table =
                WarehouseRowData.table(
                        "public", "items", ROW, List.of("id"), Map.of("doc", ColumnType.JSONB));
        WarehouseSink<RowData> sink =
                WarehouseSink.<RowData>builder()
                        .connection(
                                new WarehouseConnectionOptions(
                                        server.jdbcUrl(db), server.user(), null))
                        .table(table)
                        .serializer(WarehouseRowData.serializer(ROW, null, false))
                        .pipelineName("rowdata")
                        .stageChunkSize(org.apache.flink.configuration.MemorySize.parse("1kb"))
                        .build();
        sink.prepare();

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.enableCheckpointing(100);
        env.fromCollection(changes, InternalTypeInfo.of(ROW))
                .setParallelism(1)
                .keyBy(WarehouseRowData.keySelector(ROW, List.of("id")))
                .sinkTo(sink)
                .setParallelism(2)
                .uid("items-sink");
        env.execute("rowdata");

        List<String> expected = new ArrayList<>();
        for (int k = 1; k <= 40; k++) {
            long n = k <= 20 ? 300 + k : k;
            expected.add(k + "|" + n + "|v" + n + "\t\\|{\"n\": " + n + "}");
        }
        List<String> actual = new ArrayList<>();
        try (Connection c = server.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, n, s, doc FROM items ORDER BY id")) {
            while (rs.next()) {
                actual.add(
                        rs.getInt(1)
                                + "|"
                                + rs.getLong(2)
                                + "|"
                                + rs.getString(3)
                                + "|"
                                + rs.getString(4));
            }
        }
        assertThat(actual).isEqualTo(expected);
    }
}
