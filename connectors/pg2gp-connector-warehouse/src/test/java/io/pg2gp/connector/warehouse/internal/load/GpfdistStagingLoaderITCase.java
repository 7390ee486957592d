package io.pg2gp.connector.warehouse.internal.load;

import io.pg2gp.connector.gpfdist.GpfdistMetrics;
import io.pg2gp.connector.warehouse.ColumnType;
import io.pg2gp.connector.warehouse.GpfdistLoaderOptions;
import io.pg2gp.connector.warehouse.LoaderKind;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseRecord;
import io.pg2gp.connector.warehouse.WarehouseRecordSerializer;
import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.internal.commit.StagedBatch;
import io.pg2gp.connector.warehouse.internal.sql.BookkeepingTables;
import io.pg2gp.connector.warehouse.internal.sql.WarehouseSetup;
import io.pg2gp.connector.warehouse.internal.writer.WarehouseWriter;
import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.SharedGreenplum;

import org.apache.flink.runtime.metrics.groups.InternalSinkWriterMetricGroup;
import org.apache.flink.runtime.metrics.groups.UnregisteredMetricGroups;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real writer staging into a real Greenplum 6 cluster through the loader {@link
 * StagingLoaders#open} picks: with gpfdist the primary segments pull the subtask's endpoint through
 * the real external table; with COPY the rows go through the coordinator. Either way every row
 * arrives exactly once with its exact value (escapes, NULL vs empty, Unicode, a multi-MB value),
 * and a row Greenplum rejects is isolated into a dead letter while the rest of its chunk loads.
 */
class GpfdistStagingLoaderITCase {

    private static final WarehouseTable TABLE =
            WarehouseTable.builder("public", "events")
                    .column("id", ColumnType.UUID)
                    .column("body", ColumnType.TEXT)
                    .column("doc", ColumnType.JSONB)
                    .column("n", ColumnType.INT8)
                    .column("at", ColumnType.TIMESTAMPTZ)
                    .key("id")
                    .build();

    private static final String[] NASTY = {
        "plain",
        "tab\there",
        "new\nline",
        "cr\rlf\r\n",
        "back\\slash",
        "\\N",
        "\\.",
        "quote\"s",
        "'single'",
        "comma, semi; pipe|",
        "Привет",
        "😀 emoji",
        "",
        " ",
        "NULL",
        "\\",
        "\t",
        "\n"
    };

    private static final int ROWS = 6000;
    private static final int POISONED = 4321;
    private static final int HUGE = 2500;

    /** About 3 MiB of every character class the TEXT format escapes, plus multi-byte ones. */
    private static final String HUGE_BODY =
            "big\tтекст\n😀\\N\r\\.'\"".repeat(3 << 20 >> 5) + "end";

    private final GreenplumCluster cluster = SharedGreenplum.cluster();
    private Connection connection;
    private BookkeepingTables bookkeeping;
    private WarehouseDialect dialect;

    @BeforeEach
    void setUp() throws Exception {
        String db = SharedGreenplum.createDatabase("gpfdist_load");
        connection = cluster.connect(db);
        try (Statement s = connection.createStatement()) {
            s.execute("SET TIME ZONE 'UTC'");
        }
        dialect = WarehouseDialect.detect(connection);
        assertThat(dialect).isEqualTo(WarehouseDialect.GREENPLUM_6);
        bookkeeping = new BookkeepingTables("pg2gp", dialect);
        WarehouseSetup.ensureBookkeeping(connection, bookkeeping, TABLE);
    }

    @AfterEach
    void tearDown() throws SQLException {
        connection.close();
    }

    /** Exact values where {@code i % 4 == 0}, NULL or suffixed by the row number otherwise. */
    private static String body(int i) {
        if (i == HUGE) {
            return HUGE_BODY;
        }
        if (i % 101 == 3) {
            return null;
        }
        String v = NASTY[(i / 4) % NASTY.length];
        return i % 4 == 0 ? v : v + i;
    }

    private static Object[] row(int i) {
        String doc =
                i == POISONED
                        ? "{not json" // passes the encoder, Greenplum refuses it: 22P02
                        : "{\"i\": " + i + ", \"s\": \"" + (i % 7 == 0 ? "x\\ty" : "v") + "\"}";
        return new Object[] {
            new UUID(i, i * 31L), body(i), doc, i * 1_000_003L, 1_700_000_000_000_000L + i
        };
    }

    private static int primarySegments(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT count(*) FROM gp_segment_configuration"
                                        + " WHERE role = 'p' AND content >= 0")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = LoaderKind.class,
            names = {"GPFDIST", "COPY"})
    void everyRowArrivesOnceExactlyAndARejectedRowBecomesADeadLetter(LoaderKind kind)
            throws Exception {
        StagingLoader loader =
                StagingLoaders.open(
                        kind,
                        GpfdistLoaderOptions.builder()
                                .bindAddress("127.0.0.1")
                                .advertisedHost("127.0.0.1")
                                .blockBytes(64 << 10) // many blocks per chunk to share out
                                .build(),
                        dialect,
                        connection,
                        bookkeeping,
                        TABLE,
                        "job",
                        0);
        assertThat(loader)
                .isInstanceOf(
                        kind == LoaderKind.GPFDIST
                                ? GpfdistStagingLoader.class
                                : CopyStagingLoader.class);
        WarehouseRecordSerializer<Object[]> serializer =
                values -> new WarehouseRecord(WarehouseRecord.Op.INSERT, 100, 0, values);
        WarehouseWriter<Object[]> writer =
                new WarehouseWriter<>(
                        serializer,
                        TABLE,
                        bookkeeping,
                        "job",
                        0,
                        1,
                        256 << 10,
                        connection,
                        loader,
                        InternalSinkWriterMetricGroup.wrap(
                                UnregisteredMetricGroups.createUnregisteredOperatorMetricGroup()));
        for (int i = 0; i < ROWS; i++) {
            writer.write(row(i), null);
        }
        Collection<StagedBatch> batches = writer.prepareCommit();

        assertThat(batches).hasSize(1);
        StagedBatch batch = batches.iterator().next();
        assertThat(batch.rows()).isEqualTo(ROWS - 1);
        assertThat(batch.deadLetters()).isEqualTo(1);
        if (loader instanceof GpfdistStagingLoader gpfdist) {
            GpfdistMetrics m = gpfdist.endpoint().metrics();
            System.out.println("endpoint after the load: " + m);
            assertThat(gpfdist.endpoint().publishedBatches()).as("every chunk released").isZero();
            // Each load statement (and the start-up probe) is one read session, and every
            // primary segment opens its own GET in each: all segments pulled from the writer.
            assertThat(m.sessions()).isGreaterThan(2);
            assertThat(m.getRequests())
                    .as("GETs per session: %s", m)
                    .isEqualTo(primarySegments(connection) * m.sessions());
            assertThat(m.rowsServed()).isGreaterThanOrEqualTo(ROWS);
            assertThat(m.blocksServed()).isGreaterThan(m.sessions());
        }
        loader.close();

        List<String> mismatches = new ArrayList<>();
        int expected = 0;
        try (Statement s = connection.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT id, body, doc::text, n,"
                                        + " (extract(epoch FROM at) * 1000000)::bigint FROM "
                                        + bookkeeping.stagingTable(TABLE)
                                        + " ORDER BY n")) {
            while (rs.next()) {
                if (expected == POISONED) {
                    expected++;
                }
                Object[] want = row(expected++);
                Object[] got = {
                    rs.getObject(1, UUID.class),
                    rs.getString(2),
                    rs.getString(3).replace(" ", ""),
                    rs.getLong(4),
                    rs.getLong(5)
                };
                want[2] = ((String) want[2]).replace(" ", "");
                for (int c = 0; c < want.length; c++) {
                    if (!Objects.equals(want[c], got[c])) {
                        String shown = String.valueOf(got[c]);
                        mismatches.add(
                                "row "
                                        + want[3]
                                        + " column "
                                        + c
                                        + ": "
                                        + shown.substring(0, Math.min(80, shown.length())));
                    }
                }
            }
        }
        assertThat(mismatches).isEmpty();
        assertThat(expected).isEqualTo(ROWS);
        try (Statement s = connection.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT count(*) FILTER (WHERE body IS NULL),"
                                        + " count(*) FILTER (WHERE body = ''),"
                                        + " max(char_length(body)), count(DISTINCT gp_segment_id) FROM "
                                        + bookkeeping.stagingTable(TABLE))) {
            rs.next();
            long nulls = 0;
            long empties = 0;
            for (int i = 0; i < ROWS; i++) {
                if (i != POISONED) {
                    nulls += body(i) == null ? 1 : 0;
                    empties += "".equals(body(i)) ? 1 : 0;
                }
            }
            assertThat(rs.getLong(1)).as("NULL bodies").isEqualTo(nulls).isPositive();
            assertThat(rs.getLong(2)).as("empty bodies").isEqualTo(empties).isPositive();
            assertThat(rs.getInt(3))
                    .as("characters of the multi-MB value")
                    .isEqualTo(HUGE_BODY.codePointCount(0, HUGE_BODY.length()));
            assertThat(rs.getInt(4))
                    .as("segments holding staged rows")
                    .isEqualTo(primarySegments(connection));
        }

        try (Statement s = connection.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT reason, payload FROM " + bookkeeping.stagedDeadLetters())) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).contains("rejected by the warehouse").contains("json");
            assertThat(rs.getString(2)).contains("{not json");
            assertThat(rs.next()).isFalse();
        }
    }
}
