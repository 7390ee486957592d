package io.pg2gp.connector.cdc;

import org.apache.flink.cdc.connectors.base.options.StartupOptions;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder.PostgresIncrementalSource;

import java.util.Properties;

/**
 * Builds the Flink CDC incremental PostgreSQL source (pgoutput) from {@link PostgresCdcOptions}.
 */
public final class PostgresCdcSources {

    private PostgresCdcSources() {}

    public static <T> PostgresIncrementalSource<T> create(
            PostgresCdcOptions o, TypedChangeDeserializer<T> deserializer) {
        Properties debezium = new Properties();
        debezium.setProperty("publication.name", o.publicationName());
        debezium.setProperty(
                "publication.autocreate.mode", o.createPublication() ? "filtered" : "disabled");
        // Numbers, times and JSON keep their exact values; the typed deserializer reads them.
        debezium.setProperty("decimal.handling.mode", "string");
        debezium.setProperty("time.precision.mode", "adaptive_time_microseconds");
        // A walsender left by a killed TaskManager holds the slot until wal_sender_timeout.
        debezium.setProperty("slot.max.retries", "12");
        debezium.setProperty("slot.retry.delay.ms", "5000");
        if (o.heartbeatTable() != null) {
            debezium.setProperty(
                    "heartbeat.action.query",
                    "UPDATE " + o.heartbeatTable() + " SET beat_at = now()");
        }
        String[] schemas =
                o.capturedTables().stream()
                        .map(t -> t.split("\\.")[0])
                        .distinct()
                        .toArray(String[]::new);
        PostgresSourceBuilder<T> b =
                PostgresIncrementalSource.<T>builder()
                        .hostname(o.host())
                        .port(o.port())
                        .database(o.database())
                        .schemaList(schemas)
                        .tableList(o.capturedTables().toArray(String[]::new))
                        .username(o.user())
                        .password(o.password())
                        .slotName(o.slotName())
                        .decodingPluginName("pgoutput")
                        .startupOptions(startupOptions(o.startupMode()))
                        .splitSize(o.splitSize())
                        .fetchSize(o.fetchSize())
                        .skipSnapshotBackfill(o.skipSnapshotBackfill())
                        .heartbeatInterval(o.heartbeatInterval())
                        .debeziumProperties(debezium)
                        .deserializer(deserializer);
        return b.build();
    }

    static StartupOptions startupOptions(StartupMode mode) {
        return switch (mode) {
            case INITIAL -> StartupOptions.initial();
            case LATEST -> StartupOptions.latest();
            case COMMITTED -> StartupOptions.committed();
        };
    }
}
