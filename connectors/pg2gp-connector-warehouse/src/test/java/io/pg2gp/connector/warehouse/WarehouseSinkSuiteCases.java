package io.pg2gp.connector.warehouse;

import io.pg2gp.testutils.DatabaseServer;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.connector.testframe.external.ExternalSystemDataReader;
import org.apache.flink.connector.testframe.external.sink.DataStreamSinkV2ExternalContext;
import org.apache.flink.connector.testframe.external.sink.TestingSinkSettings;
import org.apache.flink.connector.testframe.testsuites.SinkTestSuiteBase;

import java.net.URL;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Flink's own connector test suite ({@link SinkTestSuiteBase}: a basic run, a stop with savepoint
 * and restore at the same, a higher and a lower parallelism, the writer's {@code numRecordsSend})
 * against the sink writing a typed record into a real warehouse table. Exactly once is checked as
 * Flink's suite checks it: every record the job was given is in the table, none twice. Subclasses
 * name the warehouse and carry the framework's annotated fields.
 */
abstract class WarehouseSinkSuiteCases extends SinkTestSuiteBase<WarehouseSinkSuiteCases.Item> {

    /** A test record: a unique id and a label with characters COPY TEXT must escape. */
    public record Item(long id, String label) implements Comparable<Item>, java.io.Serializable {
        @Override
        public int compareTo(Item o) {
            return Long.compare(id, o.id);
        }
    }

    /** Where the sink writes: a server, a fresh database on it, the password variable. */
    record Warehouse(
            DatabaseServer server,
            java.util.function.Supplier<String> newDatabase,
            String passwordEnv,
            String distribution) {}

    /** One database and table per test case; the sink and a reader of what it committed. */
    static final class ItemContext implements DataStreamSinkV2ExternalContext<Item> {

        private static final AtomicInteger TABLES = new AtomicInteger();
        private static final String LABEL_CHARS = "ab\t\n\\Ж😀 ,|\"'";

        private final DatabaseServer server;
        private final String passwordEnv;
        private final String db;
        private final String table = "items_" + TABLES.incrementAndGet();

        ItemContext(Warehouse warehouse) {
            this.server = warehouse.server();
            this.passwordEnv = warehouse.passwordEnv();
            try {
                db = warehouse.newDatabase().get();
                try (Connection c = server.connect(db);
                        Statement s = c.createStatement()) {
                    s.execute(
                            "CREATE TABLE public."
                                    + table
                                    + " (id bigint PRIMARY KEY, label text, _cdc_lsn bigint NOT"
                                    + " NULL, _cdc_op char(1) NOT NULL, _cdc_committed_at"
                                    + " timestamptz, _synced_at timestamptz NOT NULL)"
                                    + warehouse.distribution());
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public Sink<Item> createSink(TestingSinkSettings settings) {
            WarehouseTable target =
                    WarehouseTable.builder("public", table)
                            .column("id", ColumnType.INT8)
                            .column("label", ColumnType.TEXT)
                            .key("id")
                            .build();
            WarehouseSink<Item> sink =
                    WarehouseSink.<Item>builder()
                            .connection(
                                    new WarehouseConnectionOptions(
                                            server.jdbcUrl(db), server.user(), passwordEnv))
                            .table(target)
                            .serializer(
                                    item ->
                                            new WarehouseRecord(
                                                    WarehouseRecord.Op.INSERT,
                                                    item.id(),
                                                    0L,
                                                    new Object[] {item.id(), item.label()}))
                            .pipelineName(table)
                            .stageChunkSize(MemorySize.parse("4kb"))
                            .build();
            sink.prepare();
            return sink;
        }

        @Override
        public ExternalSystemDataReader<Item> createSinkDataReader(TestingSinkSettings settings) {
            Set<Long> seen = new HashSet<>();
            return new ExternalSystemDataReader<>() {
                @Override
                public List<Item> poll(Duration timeout) {
                    List<Item> fresh = new ArrayList<>();
                    try (Connection c = server.connect(db);
                            Statement s = c.createStatement();
                            ResultSet rs =
                                    s.executeQuery("SELECT id, label FROM public." + table)) {
                        while (rs.next()) {
                            if (seen.add(rs.getLong(1))) {
                                fresh.add(new Item(rs.getLong(1), rs.getString(2)));
                            }
                        }
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                    return fresh;
                }

                @Override
                public void close() {}
            };
        }

        /** Distinct ids across calls (a test may ask twice), labels of 0–40 awkward characters. */
        @Override
        public List<Item> generateTestData(TestingSinkSettings settings, long seed) {
            Random random = new Random(seed);
            int count = 200 + random.nextInt(300);
            List<Item> data = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                StringBuilder label = new StringBuilder();
                int length = random.nextInt(41);
                while (label.length() < length) {
                    label.appendCodePoint(
                            LABEL_CHARS.codePointAt(
                                    LABEL_CHARS.offsetByCodePoints(
                                            0,
                                            random.nextInt(
                                                    LABEL_CHARS.codePointCount(
                                                            0, LABEL_CHARS.length())))));
                }
                data.add(new Item(random.nextLong() & Long.MAX_VALUE, label.toString()));
            }
            return data;
        }

        @Override
        public TypeInformation<Item> getProducedType() {
            return TypeInformation.of(Item.class);
        }

        @Override
        public List<URL> getConnectorJarPaths() {
            return List.of();
        }

        @Override
        public void close() {}
    }
}
