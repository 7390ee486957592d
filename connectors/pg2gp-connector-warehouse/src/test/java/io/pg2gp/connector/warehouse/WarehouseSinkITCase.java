package io.pg2gp.connector.warehouse;

import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SharedPostgres;

import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole sink on a MiniCluster: two writers stage in small chunks across several checkpoints,
 * one committer applies; every good change lands, the latest version of each key wins, and the rows
 * that cannot be stored become dead letters without holding back the rest of their batch.
 */
class WarehouseSinkITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static final WarehouseTable TABLE =
            WarehouseTable.builder("public", "events")
                    .column("id", ColumnType.UUID)
                    .column("n", ColumnType.INT4)
                    .column("body", ColumnType.TEXT)
                    .column("doc", ColumnType.JSONB)
                    .column("created_at", ColumnType.TIMESTAMPTZ)
                    .key("id")
                    .hourColumn("created_at")
                    .build();

    /** Inserts of keys 0..KEYS-1. */
    private static final int KEYS = 2000;

    /** Then updates of keys 0..UPDATES-1. */
    private static final int UPDATES = 200;

    /** Then deletes of keys DELETE_FROM..KEYS-1. */
    private static final int DELETE_FROM = 1950;

    /** Where the three bad changes sit in the input: among the inserts. */
    private static final int BAD_AT = 1000;

    private static final int NUL_KEY = KEYS;
    private static final int BAD_JSON_KEY = KEYS + 1;
    private static final int REJECTED_KEY = KEYS + 2;
    private static final String REJECT_REASON = "no user 42 for this request (test rejection)";

    private static final long BASE_MICROS = 1_714_557_600_000_000L; // 2024-05-01T10:00:00Z

    /** The input, in order: element -> (key, kind). */
    private static final List<int[]> INPUT = input();

    private static final int INSERT = 0;
    private static final int UPDATE = 1;
    private static final int DELETE = 2;
    private static final int BAD = 3;

    private static List<int[]> input() {
        List<int[]> in = new ArrayList<>();
        for (int k = 0; k < KEYS; k++) {
            if (k == BAD_AT) {
                in.add(new int[] {NUL_KEY, BAD});
                in.add(new int[] {BAD_JSON_KEY, BAD});
                in.add(new int[] {REJECTED_KEY, BAD});
            }
            in.add(new int[] {k, INSERT});
        }
        for (int k = 0; k < UPDATES; k++) {
            in.add(new int[] {k, UPDATE});
        }
        for (int k = DELETE_FROM; k < KEYS; k++) {
            in.add(new int[] {k, DELETE});
        }
        return in;
    }

    private static String id(int key) {
        return new UUID(0x5EED, key).toString();
    }

    private static String body(int key, int kind) {
        return (kind == UPDATE ? "updated" : "row")
                + " "
                + key
                + ": tab\there, line\nbreak, cr\r, back\\slash, 'quotes\", Привет, 😀";
    }

    /** The change the {@code i}-th input element stands for. */
    static WarehouseRecord record(int i) {
        int key = INPUT.get(i)[0];
        int kind = INPUT.get(i)[1];
        long committed = BASE_MICROS + i * 1_000L;
        Object[] values = {
            id(key),
            key,
            body(key, kind),
            "{\"key\": " + key + ", \"tags\": [\"a\", \"b\\\\c\"]}",
            BASE_MICROS + key * 60_000_000L
        };
        switch (kind) {
            case INSERT:
                return new WarehouseRecord(WarehouseRecord.Op.INSERT, 1_000 + i, committed, values);
            case UPDATE:
                values[1] = -key;
                values[4] = BASE_MICROS + 3_600_000_000L * 5;
                return new WarehouseRecord(WarehouseRecord.Op.UPDATE, 1_000 + i, committed, values);
            case DELETE:
                return new WarehouseRecord(
                        WarehouseRecord.Op.DELETE,
                        1_000 + i,
                        committed,
                        new Object[] {id(key), null, null, null, null});
            default:
                if (key == NUL_KEY) {
                    values[2] = "NUL here:\u0000:end";
                } else if (key == BAD_JSON_KEY) {
                    values[3] = "{not json";
                } else {
                    return WarehouseRecord.rejected(
                            REJECT_REASON, WarehouseRecord.Op.INSERT, 1_000 + i, committed, values);
                }
                return new WarehouseRecord(WarehouseRecord.Op.INSERT, 1_000 + i, committed, values);
        }
    }

    /**
     * Passes elements on a millisecond apart until two checkpoints have completed, so that the job
     * normally commits at checkpoints while input still flows, not only once at the end. Pacing
     * only: no assertion depends on it.
     */
    static final class PaceUntilTwoCheckpoints extends RichMapFunction<Integer, Integer>
            implements CheckpointListener {
        private transient int completed;

        @Override
        public Integer map(Integer value) throws Exception {
            if (completed < 2) {
                Thread.sleep(1);
            }
            return value;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            completed++;
        }
    }

    @Test
    void everyChangeLandsAndUnstorableRowsBecomeDeadLetters() throws Exception {
        PostgresServer server = SharedPostgres.warehouse();
        String db = server.createDatabase(SharedPostgres.uniqueDatabase("sink"));
        server.execute(
                db,
                "CREATE TABLE public.events (id uuid PRIMARY KEY, n integer, body text, doc jsonb,"
                        + " created_at timestamptz, _cdc_lsn bigint NOT NULL, _cdc_op char(1) NOT"
                        + " NULL, _cdc_committed_at timestamptz, _synced_at timestamptz NOT NULL"
                        + " DEFAULT now())");

        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.enableCheckpointing(200);
        env.fromData(IntStream.range(0, INPUT.size()).boxed().toList())
                .setParallelism(1)
                .map(new PaceUntilTwoCheckpoints())
                .setParallelism(1)
                .sinkTo(
                        WarehouseSink.<Integer>builder()
                                .connection(
                                        new WarehouseConnectionOptions(
                                                server.jdbcUrl(db), PostgresServer.SUPERUSER, null))
                                .table(TABLE)
                                .serializer(WarehouseSinkITCase::record)
                                .pipelineName("sink-it")
                                .stageChunkSize(
                                        MemorySize.parse(
                                                "1kb")) // many chunks per batch, bisected on error
                                .build())
                .uid("sink-it-events") // required: the sink's own topology sets uids
                .setParallelism(2);
        env.execute("warehouse sink it");

        try (Connection c = server.connect(db)) {
            assertThat(targetRows(c)).containsExactlyInAnyOrderEntriesOf(expectedRows());
            assertDeadLetters(c);
            assertThat(count(c, "SELECT count(*) FROM pg2gp.commit_ledger")).isPositive();
            assertThat(
                            count(
                                    c,
                                    "SELECT count(*) FILTER (WHERE n > 1) FROM (SELECT count(*) AS n"
                                            + " FROM pg2gp.commit_ledger GROUP BY checkpoint_id) x"))
                    .as("checkpoints applied more than once")
                    .isZero();
            assertThat(count(c, "SELECT sum(dead_letters) FROM pg2gp.commit_ledger")).isEqualTo(3);
            assertThat(count(c, "SELECT sum(rows_staged) FROM pg2gp.commit_ledger"))
                    .isEqualTo(INPUT.size() - 3);
            assertThat(count(c, "SELECT count(*) FROM pg2gp.touched_hours")).isPositive();
            assertThat(count(c, "SELECT count(*) FROM pg2gp.stage_public_events"))
                    .as("staging is purged once applied")
                    .isZero();
            assertThat(count(c, "SELECT count(*) FROM pg2gp.stage_dead_letters")).isZero();
        }
    }

    /** id -> "n|body|doc|lsn|op" of what the target must hold. */
    private static Map<String, String> expectedRows() {
        Map<String, String> rows = new HashMap<>();
        for (int i = 0; i < INPUT.size(); i++) {
            int key = INPUT.get(i)[0];
            int kind = INPUT.get(i)[1];
            WarehouseRecord r = record(i);
            if (kind == DELETE) {
                rows.remove(id(key));
            } else if (kind != BAD) {
                Object[] v = r.values();
                rows.put(
                        id(key),
                        v[1]
                                + "|"
                                + v[2]
                                + "|{\"key\": "
                                + key
                                + ", \"tags\": [\"a\", \"b\\\\c\"]}|"
                                + r.lsn()
                                + "|"
                                + r.op().code());
            }
        }
        assertThat(rows).hasSize(DELETE_FROM);
        return rows;
    }

    private static Map<String, String> targetRows(Connection c) throws SQLException {
        Map<String, String> rows = new HashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT id::text, n, body, doc::text, _cdc_lsn, _cdc_op"
                                        + " FROM public.events")) {
            while (rs.next()) {
                rows.put(
                        rs.getString(1),
                        rs.getInt(2)
                                + "|"
                                + rs.getString(3)
                                + "|"
                                + rs.getString(4)
                                + "|"
                                + rs.getLong(5)
                                + "|"
                                + rs.getString(6));
            }
        }
        return rows;
    }

    private static void assertDeadLetters(Connection c) throws SQLException {
        Map<Long, String[]> byLsn = new HashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT cdc_lsn, reason, cdc_op, payload, job, target_table,"
                                        + " commit_seq FROM pg2gp.dead_letters")) {
            while (rs.next()) {
                byLsn.put(
                        rs.getLong(1),
                        new String[] {rs.getString(2), rs.getString(3), rs.getString(4)});
                assertThat(rs.getString(5)).isEqualTo("sink-it");
                assertThat(rs.getString(6)).isEqualTo("public.events");
                assertThat(rs.getLong(7)).isPositive();
            }
        }
        long nulLsn = 1_000 + BAD_AT;
        assertThat(byLsn).containsOnlyKeys(nulLsn, nulLsn + 1, nulLsn + 2);

        String[] nul = byLsn.get(nulLsn);
        assertThat(nul[0])
                .isEqualTo(
                        "column body: contains a NUL byte (0x00), which PostgreSQL and Greenplum text"
                                + " cannot store");
        assertThat(nul[1]).isEqualTo("c");
        assertThat(nul[2]).contains("\"body\":\"NUL here:\\u0000:end\"").contains(id(NUL_KEY));

        String[] badJson = byLsn.get(nulLsn + 1);
        assertThat(badJson[0])
                .startsWith("rejected by the warehouse: ")
                .containsIgnoringCase("invalid input syntax for type json");
        assertThat(badJson[1]).as("op of a row the warehouse rejected").isEqualTo("c");
        assertThat(badJson[2]).contains("{not json").contains(id(BAD_JSON_KEY));

        String[] rejected = byLsn.get(nulLsn + 2);
        assertThat(rejected[0]).isEqualTo(REJECT_REASON);
        assertThat(rejected[1]).isEqualTo("c");
        assertThat(rejected[2]).contains(id(REJECTED_KEY));
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
