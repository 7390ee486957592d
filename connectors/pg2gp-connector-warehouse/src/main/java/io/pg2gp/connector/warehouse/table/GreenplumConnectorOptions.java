package io.pg2gp.connector.warehouse.table;

import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.LoaderKind;
import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.connector.warehouse.WarehouseSinkBuilder;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.table.factories.FactoryUtil;

/** Options of the {@code 'connector' = 'greenplum'} SQL sink. */
@PublicEvolving
public final class GreenplumConnectorOptions {

    private GreenplumConnectorOptions() {}

    public static final ConfigOption<String> URL =
            ConfigOptions.key("url")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "JDBC URL of the warehouse, jdbc:postgresql://host:port/database."
                                    + " Greenplum or PostgreSQL: the dialect is detected. Must not"
                                    + " carry a password.");

    public static final ConfigOption<String> TABLE_NAME =
            ConfigOptions.key("table-name")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Target table, 'schema.table' or 'table' (schema public);"
                                    + " lower-case identifiers.");

    public static final ConfigOption<String> USERNAME =
            ConfigOptions.key("username")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Warehouse role the sink connects as.");

    public static final ConfigOption<String> PASSWORD_ENV =
            ConfigOptions.key("password-env")
                    .stringType()
                    .defaultValue(WarehouseConnectionOptions.DEFAULT_PASSWORD_ENV)
                    .withDescription(
                            "Name of the environment variable that holds the password, read"
                                    + " where connections open (client, TaskManagers); the"
                                    + " password itself is never an option value.");

    public static final ConfigOption<LoaderKind> LOADER =
            ConfigOptions.key("loader")
                    .enumType(LoaderKind.class)
                    .defaultValue(LoaderKind.AUTO)
                    .withDescription(
                            "How writers stage rows: gpfdist (Greenplum's segments pull from"
                                    + " each writer in parallel), copy (COPY through the"
                                    + " coordinator) or auto (gpfdist when the segments reach"
                                    + " the writer, else copy; always copy on PostgreSQL).");

    public static final ConfigOption<String> GPFDIST_BIND_ADDRESS =
            ConfigOptions.key("gpfdist.bind-address")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Address the writers' gpfdist endpoints listen on (default: all).");

    public static final ConfigOption<String> GPFDIST_ADVERTISED_HOST =
            ConfigOptions.key("gpfdist.advertised-host")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Host name the segments use to reach the writers' endpoints"
                                    + " (default: the TaskManager's address).");

    public static final ConfigOption<String> GPFDIST_PORT_RANGE =
            ConfigOptions.key("gpfdist.port-range")
                    .stringType()
                    .defaultValue("0")
                    .withDescription(
                            "Ports of the writers' endpoints, 'first-last' (first free one"
                                    + " taken) or '0' for any free port.");

    public static final ConfigOption<DeleteMode> DELETE_MODE =
            ConfigOptions.key("sink.delete-mode")
                    .enumType(DeleteMode.class)
                    .defaultValue(DeleteMode.MIRROR)
                    .withDescription(
                            "What a delete does: mirror removes the row, soft keeps it with"
                                    + " _deleted = true.");

    public static final ConfigOption<Integer> SINK_PARALLELISM = FactoryUtil.SINK_PARALLELISM;

    public static final ConfigOption<MemorySize> STAGE_CHUNK_SIZE =
            ConfigOptions.key("sink.stage-chunk-size")
                    .memoryType()
                    .defaultValue(WarehouseSinkBuilder.DEFAULT_STAGE_CHUNK_SIZE)
                    .withDescription(
                            "Encoded rows a writer buffers before staging them, 1kb to 256mb.");

    public static final ConfigOption<Boolean> CREATE_TABLE =
            ConfigOptions.key("sink.create-table")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Create the target table from the Flink schema when it does not"
                                    + " exist (with the sink's metadata columns; distributed by"
                                    + " the primary key on Greenplum).");

    public static final ConfigOption<String> VERSION_COLUMN =
            ConfigOptions.key("sink.version-column")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "A BIGINT, INT or TIMESTAMP(_LTZ) column ordering the versions of a"
                                    + " key (e.g. a CDC metadata column); by default the"
                                    + " arrival order at the key's writer.");

    public static final ConfigOption<String> PIPELINE_NAME =
            ConfigOptions.key("sink.pipeline-name")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Names this sink's rows in the bookkeeping tables, stable across"
                                    + " restarts; default 'sql-' and the table name.");

    public static final ConfigOption<String> BOOKKEEPING_SCHEMA =
            ConfigOptions.key("sink.bookkeeping-schema")
                    .stringType()
                    .defaultValue("pg2gp")
                    .withDescription("Schema of the staging, ledger and dead-letter tables.");
}
