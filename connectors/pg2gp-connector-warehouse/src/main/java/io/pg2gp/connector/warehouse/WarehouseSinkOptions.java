package io.pg2gp.connector.warehouse;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;

/** Immutable settings of a {@link WarehouseSink}; built and validated by its builder. */
@PublicEvolving
public final class WarehouseSinkOptions implements Serializable {

    private static final long serialVersionUID = 1L;

    private final WarehouseConnectionOptions connection;
    private final WarehouseTable table;
    private final String pipelineName;
    private final String bookkeepingSchema;
    private final DeleteMode deleteMode;
    private final int stageChunkBytes;
    private final String applyMemory;
    private final LoaderKind loader;
    private final GpfdistLoaderOptions gpfdist;
    private final HousekeepingOptions housekeeping;

    WarehouseSinkOptions(
            WarehouseConnectionOptions connection,
            WarehouseTable table,
            String pipelineName,
            String bookkeepingSchema,
            DeleteMode deleteMode,
            int stageChunkBytes,
            String applyMemory,
            LoaderKind loader,
            GpfdistLoaderOptions gpfdist,
            HousekeepingOptions housekeeping) {
        this.connection = connection;
        this.table = table;
        this.pipelineName = pipelineName;
        this.bookkeepingSchema = bookkeepingSchema;
        this.deleteMode = deleteMode;
        this.stageChunkBytes = stageChunkBytes;
        this.applyMemory = applyMemory;
        this.loader = loader;
        this.gpfdist = gpfdist;
        this.housekeeping = housekeeping;
    }

    public WarehouseConnectionOptions connection() {
        return connection;
    }

    public WarehouseTable table() {
        return table;
    }

    /** Names this pipeline's rows in staging, ledger and dead letters; stable across redeploys. */
    public String pipelineName() {
        return pipelineName;
    }

    public String bookkeepingSchema() {
        return bookkeepingSchema;
    }

    public DeleteMode deleteMode() {
        return deleteMode;
    }

    /** Encoded bytes a writer buffers before staging them. */
    public int stageChunkBytes() {
        return stageChunkBytes;
    }

    /** Memory the apply session may use to sort and hold a batch, e.g. {@code 256MB}. */
    public String applyMemory() {
        return applyMemory;
    }

    /** How writers move staged rows into the warehouse. */
    public LoaderKind loader() {
        return loader;
    }

    /** The writers' gpfdist endpoints, when the loader is gpfdist. */
    public GpfdistLoaderOptions gpfdist() {
        return gpfdist;
    }

    /** VACUUM and ANALYZE the committer runs between applies. */
    public HousekeepingOptions housekeeping() {
        return housekeeping;
    }
}
