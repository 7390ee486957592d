package io.pg2gp.connector.warehouse;

import org.apache.flink.annotation.PublicEvolving;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Builds a {@link WarehouseSink}.
 *
 * <pre>{@code
 * WarehouseSink<Row> sink = WarehouseSink.<Row>builder()
 *     .connection(new WarehouseConnectionOptions(url, "loader", "PG2GP_WAREHOUSE_PASSWORD"))
 *     .table(table)
 *     .serializer(row -> new WarehouseRecord(...))
 *     .pipelineName("pg2gp")
 *     .build();
 * stream.sinkTo(sink).uid("sink-requests").name("Warehouse sink: requests");
 * }</pre>
 *
 * Flink requires a {@code uid} on the sink: its committer state is matched by it on restore.
 */
@PublicEvolving
public final class WarehouseSinkBuilder<IN> {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,63}");
    private static final Pattern MEMORY = Pattern.compile("[1-9][0-9]{0,6}(kB|MB|GB)");
    public static final int DEFAULT_STAGE_CHUNK_BYTES = 8 << 20;
    public static final String DEFAULT_APPLY_MEMORY = "256MB";

    private WarehouseConnectionOptions connection;
    private WarehouseTable table;
    private WarehouseRecordSerializer<IN> serializer;
    private String pipelineName;
    private String bookkeepingSchema = "pg2gp";
    private DeleteMode deleteMode = DeleteMode.MIRROR;
    private int stageChunkBytes = DEFAULT_STAGE_CHUNK_BYTES;
    private String applyMemory = DEFAULT_APPLY_MEMORY;
    private LoaderKind loader = LoaderKind.AUTO;
    private GpfdistLoaderOptions gpfdist = GpfdistLoaderOptions.DEFAULTS;
    private HousekeepingOptions housekeeping = HousekeepingOptions.DEFAULTS;

    WarehouseSinkBuilder() {}

    public WarehouseSinkBuilder<IN> connection(WarehouseConnectionOptions connection) {
        this.connection = connection;
        return this;
    }

    public WarehouseSinkBuilder<IN> table(WarehouseTable table) {
        this.table = table;
        return this;
    }

    public WarehouseSinkBuilder<IN> serializer(WarehouseRecordSerializer<IN> serializer) {
        this.serializer = serializer;
        return this;
    }

    /** Required; identifies this pipeline's rows in the bookkeeping tables. */
    public WarehouseSinkBuilder<IN> pipelineName(String pipelineName) {
        this.pipelineName = pipelineName;
        return this;
    }

    /** Schema of staging, ledger and dead-letter tables; default {@code pg2gp}. */
    public WarehouseSinkBuilder<IN> bookkeepingSchema(String schema) {
        this.bookkeepingSchema = schema;
        return this;
    }

    public WarehouseSinkBuilder<IN> deleteMode(DeleteMode deleteMode) {
        this.deleteMode = deleteMode;
        return this;
    }

    /** Bytes of encoded rows a writer buffers before staging them; default 8 MiB. */
    public WarehouseSinkBuilder<IN> stageChunkBytes(int bytes) {
        this.stageChunkBytes = bytes;
        return this;
    }

    /**
     * Memory the apply session may use to deduplicate a batch in memory ({@code work_mem} on
     * PostgreSQL, {@code statement_mem} on Greenplum); default 256MB.
     */
    public WarehouseSinkBuilder<IN> applyMemory(String memory) {
        this.applyMemory = memory;
        return this;
    }

    /** gpfdist on Greenplum when the segments reach the workers, else COPY (default auto). */
    public WarehouseSinkBuilder<IN> loader(LoaderKind loader) {
        this.loader = loader;
        return this;
    }

    /** Where the writers' gpfdist endpoints listen and how segments reach them. */
    public WarehouseSinkBuilder<IN> gpfdist(GpfdistLoaderOptions gpfdist) {
        this.gpfdist = gpfdist;
        return this;
    }

    /**
     * VACUUM of staging and ANALYZE of the target's partitions between applies (default {@link
     * HousekeepingOptions#DEFAULTS}; {@link HousekeepingOptions#DISABLED} leaves both to the
     * operator).
     */
    public WarehouseSinkBuilder<IN> housekeeping(HousekeepingOptions housekeeping) {
        this.housekeeping = housekeeping;
        return this;
    }

    public WarehouseSink<IN> build() {
        Objects.requireNonNull(connection, "connection is required");
        Objects.requireNonNull(table, "table is required");
        Objects.requireNonNull(serializer, "serializer is required");
        if (pipelineName == null || !NAME.matcher(pipelineName).matches()) {
            throw new IllegalArgumentException(
                    "pipeline name '" + pipelineName + "' must match [A-Za-z0-9_-]{1,63}");
        }
        WarehouseTable.checkIdentifier(bookkeepingSchema, "bookkeeping schema");
        if (stageChunkBytes < 1024 || stageChunkBytes > (256 << 20)) {
            throw new IllegalArgumentException(
                    "stage chunk bytes must be between 1 KiB and 256 MiB, got " + stageChunkBytes);
        }
        if (applyMemory == null || !MEMORY.matcher(applyMemory).matches()) {
            throw new IllegalArgumentException(
                    "apply memory '"
                            + applyMemory
                            + "' must be a PostgreSQL memory size such as 64MB or 1GB");
        }
        return new WarehouseSink<>(
                new WarehouseSinkOptions(
                        connection,
                        table,
                        pipelineName,
                        bookkeepingSchema,
                        Objects.requireNonNull(deleteMode, "deleteMode"),
                        stageChunkBytes,
                        applyMemory,
                        Objects.requireNonNull(loader, "loader"),
                        Objects.requireNonNull(gpfdist, "gpfdist"),
                        Objects.requireNonNull(housekeeping, "housekeeping")),
                serializer);
    }
}
