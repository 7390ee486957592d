package io.pg2gp.connector.warehouse;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.MemorySize;

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
    public static final MemorySize DEFAULT_STAGE_CHUNK_SIZE = MemorySize.ofMebiBytes(8);
    public static final MemorySize DEFAULT_APPLY_MEMORY = MemorySize.ofMebiBytes(256);
    private static final MemorySize MIN_STAGE_CHUNK = MemorySize.parse("1kb");
    private static final MemorySize MAX_STAGE_CHUNK = MemorySize.ofMebiBytes(256);

    private WarehouseConnectionOptions connection;
    private WarehouseTable table;
    private WarehouseRecordSerializer<IN> serializer;
    private String pipelineName;
    private String bookkeepingSchema = "pg2gp";
    private DeleteMode deleteMode = DeleteMode.MIRROR;
    private MemorySize stageChunkSize = DEFAULT_STAGE_CHUNK_SIZE;
    private MemorySize applyMemory = DEFAULT_APPLY_MEMORY;
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

    /** Encoded rows a writer buffers before staging them, 1 KiB to 256 MiB; default 8 MiB. */
    public WarehouseSinkBuilder<IN> stageChunkSize(MemorySize size) {
        this.stageChunkSize = size;
        return this;
    }

    /**
     * Memory the apply session may use to deduplicate a batch in memory ({@code work_mem} on
     * PostgreSQL, {@code statement_mem} on Greenplum), at least 1 MiB; default 256 MiB.
     */
    public WarehouseSinkBuilder<IN> applyMemory(MemorySize memory) {
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
        Objects.requireNonNull(stageChunkSize, "stageChunkSize");
        if (stageChunkSize.compareTo(MIN_STAGE_CHUNK) < 0
                || stageChunkSize.compareTo(MAX_STAGE_CHUNK) > 0) {
            throw new IllegalArgumentException(
                    "stage chunk size must be between 1 KiB and 256 MiB, got " + stageChunkSize);
        }
        Objects.requireNonNull(applyMemory, "applyMemory");
        if (applyMemory.getMebiBytes() < 1) {
            throw new IllegalArgumentException(
                    "apply memory must be at least 1 MiB, got " + applyMemory);
        }
        return new WarehouseSink<>(
                new WarehouseSinkOptions(
                        connection,
                        table,
                        pipelineName,
                        bookkeepingSchema,
                        Objects.requireNonNull(deleteMode, "deleteMode"),
                        (int) stageChunkSize.getBytes(),
                        // as the server writes sizes: whole megabytes, the unit it reads
                        applyMemory.getMebiBytes() + "MB",
                        Objects.requireNonNull(loader, "loader"),
                        Objects.requireNonNull(gpfdist, "gpfdist"),
                        Objects.requireNonNull(housekeeping, "housekeeping")),
                serializer);
    }
}
