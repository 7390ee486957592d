package io.pg2gp.connector.cdc;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.cdc.connectors.base.options.StartupOptions;
import org.apache.flink.cdc.connectors.base.source.assigner.state.PendingSplitsState;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder.PostgresIncrementalSource;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffsetFactory;

import java.util.Objects;
import java.util.Properties;

/**
 * Builds the Flink CDC incremental PostgreSQL source (pgoutput) from {@link PostgresCdcOptions}.
 * The source holds the name of the password's environment variable, never the password.
 */
@PublicEvolving
public final class PostgresCdcSources {

    private PostgresCdcSources() {}

    /**
     * The source the jobs run: Flink CDC's, plus the heartbeat writer when the options name a
     * heartbeat table (see {@link HeartbeatWriter} for why Debezium's own heartbeat query is not
     * enough), with slot commits only for checkpoints that hold the stream split ({@link
     * StreamSplitCommitFilter}).
     */
    public static <T> Source<T, SourceSplitBase, PendingSplitsState> create(
            PostgresCdcOptions o, TypedChangeDeserializer<T> deserializer) {
        PostgresIncrementalSource<T> source = incremental(o, deserializer);
        return new HeartbeatingSource<>(source, o);
    }

    /** Flink CDC's incremental source alone. */
    static <T> PostgresIncrementalSource<T> incremental(
            PostgresCdcOptions o, TypedChangeDeserializer<T> deserializer) {
        Properties debezium = new Properties();
        debezium.setProperty("publication.name", o.publicationName());
        debezium.setProperty(
                "publication.autocreate.mode", o.createPublication() ? "filtered" : "disabled");
        // Numbers, times and JSON keep their exact values; the typed deserializer reads them.
        debezium.setProperty("decimal.handling.mode", "string");
        debezium.setProperty("time.precision.mode", "adaptive_time_microseconds");
        // Debezium's connections take the password from the plugin, not from their configuration,
        // which Flink CDC logs at INFO; the pooled JDBC connections get it from the config factory.
        debezium.setProperty("database.password", "");
        debezium.setProperty(
                "database.authenticationPluginClassName", EnvPasswordPlugin.class.getName());
        debezium.setProperty("database." + EnvPasswordPlugin.ENV_PROPERTY, o.passwordEnvVar());
        // Deliver TRUNCATEs (Debezium skips them by default): the pipeline decides what they do
        // (source.truncate), and records them either way.
        debezium.setProperty("truncate.handling.mode", "include");
        // A walsender left by a killed TaskManager holds the slot until wal_sender_timeout.
        debezium.setProperty("slot.max.retries", "12");
        debezium.setProperty("slot.retry.delay.ms", "5000");
        // No heartbeat.action.query: HeartbeatWriter updates the heartbeat table. Debezium's
        // heartbeat (the interval below) still emits heartbeat records between changes.
        String[] schemas =
                o.capturedTables().stream()
                        .map(t -> t.split("\\.")[0])
                        .distinct()
                        .toArray(String[]::new);
        // Not PostgresSourceBuilder: it would put the password into the factory and the dialect,
        // both serialized into the job graph. These two read it from the environment at run time.
        EnvPasswordSourceConfigFactory f = new EnvPasswordSourceConfigFactory(o.passwordEnvVar());
        f.hostname(o.host());
        f.port(o.port());
        f.database(o.database());
        f.schemaList(schemas);
        f.tableList(o.capturedTables().toArray(String[]::new));
        f.username(o.user());
        f.slotName(o.slotName());
        f.decodingPluginName("pgoutput");
        f.startupOptions(startupOptions(o.startupMode()));
        f.splitSize(o.splitSize());
        f.fetchSize(o.fetchSize());
        f.skipSnapshotBackfill(o.skipSnapshotBackfill());
        f.heartbeatInterval(o.heartbeatInterval());
        f.debeziumProperties(debezium);
        return new PostgresIncrementalSource<>(
                f,
                Objects.requireNonNull(deserializer),
                new PostgresOffsetFactory(),
                new EnvPasswordDialect(f));
    }

    static StartupOptions startupOptions(StartupMode mode) {
        return switch (mode) {
            case INITIAL -> StartupOptions.initial();
            case LATEST -> StartupOptions.latest();
            case COMMITTED -> StartupOptions.committed();
        };
    }
}
