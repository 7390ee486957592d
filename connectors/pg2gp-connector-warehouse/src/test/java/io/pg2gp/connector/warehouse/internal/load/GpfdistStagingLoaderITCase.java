package io.pg2gp.connector.warehouse.internal.load;

import io.pg2gp.connector.gpfdist.GpfdistServer;
import io.pg2gp.connector.warehouse.ColumnType;
import io.pg2gp.connector.warehouse.WarehouseRecord;
import io.pg2gp.connector.warehouse.WarehouseRecordSerializer;
import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.internal.commit.StagedBatch;
import io.pg2gp.connector.warehouse.internal.sql.BookkeepingTables;
import io.pg2gp.connector.warehouse.internal.sql.WarehouseDialect;
import io.pg2gp.connector.warehouse.internal.sql.WarehouseSetup;
import io.pg2gp.connector.warehouse.internal.writer.WarehouseWriter;
import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SharedPostgres;

import org.apache.flink.runtime.metrics.groups.InternalSinkWriterMetricGroup;
import org.apache.flink.runtime.metrics.groups.UnregisteredMetricGroups;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The gpfdist loader behind a real writer: chunks are served by the subtask's endpoint to
 * concurrent segment-like readers and parsed by PostgreSQL's COPY TEXT reader into staging. Every
 * row arrives exactly once with its exact value, a row the warehouse rejects is isolated into a
 * dead letter by re-serving halves of its chunk, and every chunk is released after its load.
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
        "NULL"
    };

    private static final int ROWS = 6000;
    private static final int POISONED = 4321;

    private final PostgresServer postgres = SharedPostgres.warehouse();
    private final BookkeepingTables bookkeeping =
            new BookkeepingTables("pg2gp", WarehouseDialect.POSTGRES);
    private Connection writerConnection;
    private Connection segmentConnection;
    private GpfdistServer server;

    @BeforeEach
    void setUp() throws Exception {
        String db = postgres.createDatabase(SharedPostgres.uniqueDatabase("gpfdist_load"));
        writerConnection = postgres.connect(db);
        segmentConnection = postgres.connect(db);
        WarehouseSetup.ensureBookkeeping(writerConnection, bookkeeping, TABLE);
        // Small blocks: every chunk is cut into many blocks shared by the readers.
        server = GpfdistServer.builder().bindAddress("127.0.0.1").blockSize(16 << 10).start();
    }

    @AfterEach
    void tearDown() throws SQLException {
        server.close();
        segmentConnection.close();
        writerConnection.close();
    }

    private GreenplumSegments segments(int n) {
        return new GreenplumSegments(
                n,
                segmentConnection,
                bookkeeping.stagingTable(TABLE),
                BookkeepingTables.stagingColumnList(TABLE));
    }

    private static Object[] row(int i) {
        String doc =
                i == POISONED
                        ? "{not json" // passes the encoder, PostgreSQL refuses it: 22P02
                        : "{\"i\": " + i + ", \"s\": \"" + (i % 7 == 0 ? "x\\ty" : "v") + "\"}";
        return new Object[] {
            new UUID(i, i * 31L),
            NASTY[i % NASTY.length] + i,
            doc,
            i * 1_000_003L,
            1_700_000_000_000_000L + i
        };
    }

    @Test
    void everyRowArrivesOnceExactlyAndARejectedRowBecomesADeadLetter() throws Exception {
        GreenplumSegments segments = segments(3);
        String path = GpfdistServer.newSecretPath();
        segments.location(server.url(path));
        GpfdistStagingLoader loader = new GpfdistStagingLoader(server, path, segments, () -> {});
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
                        writerConnection,
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
        assertThat(server.publishedBatches()).as("every chunk released").isZero();
        assertThat(segments.blocksPerSegment.stream().mapToInt(Integer::intValue).sum())
                .as("blocks read by all segments")
                .isGreaterThan(segments.statements);

        List<String> mismatches = new ArrayList<>();
        int expected = 0;
        try (Statement s = writerConnection.createStatement();
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
                    if (!want[c].equals(got[c])) {
                        mismatches.add("row " + want[3] + " column " + c + ": " + got[c]);
                    }
                }
            }
        }
        assertThat(expected).isEqualTo(ROWS);
        assertThat(mismatches).isEmpty();

        try (Statement s = writerConnection.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT reason, payload FROM " + bookkeeping.stagedDeadLetters())) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).contains("rejected by the warehouse").contains("json");
            assertThat(rs.getString(2)).contains("{not json");
            assertThat(rs.next()).isFalse();
        }
    }

    @Test
    void aLoadTheSegmentsCannotCompleteNamesTheAdvertisedAddress() throws Exception {
        GreenplumSegments segments = segments(2);
        String path = GpfdistServer.newSecretPath();
        segments.location("gpfdist://127.0.0.1:1" + path); // nobody listens there
        GpfdistStagingLoader loader = new GpfdistStagingLoader(server, path, segments, () -> {});
        byte[] line = "a\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> loader.load(line, 0, line.length, 1))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("gpfdist load from " + server.url(path) + " failed")
                .hasMessageContaining("127.0.0.1:" + server.port())
                .hasMessageContaining("warehouse.gpfdist.advertised-host");
        assertThat(server.publishedBatches()).isZero();
    }
}
