package io.pg2gp.connector.warehouse;

import org.apache.flink.annotation.PublicEvolving;

import java.util.Objects;

/**
 * The names of the sink's bookkeeping tables in a warehouse schema, for the jobs and tools that
 * read them (the rollup job reads the touched hours; operators read the ledger and dead letters).
 * The tables themselves are created and written by the sink only.
 */
@PublicEvolving
public final class BookkeepingSchema {

    private final String schema;

    public BookkeepingSchema(String schema) {
        this.schema = Objects.requireNonNull(schema, "schema");
    }

    public String schema() {
        return schema;
    }

    /** One row per applied micro-batch and table. */
    public String ledger() {
        return schema + ".commit_ledger";
    }

    /** The hours each commit touched (old and new versions), for the rollup job. */
    public String touchedHours() {
        return schema + ".touched_hours";
    }

    /**
     * The values of each target's touched key column (old and new versions) each commit touched, as
     * text, for per-key recomputes such as the feature store.
     */
    public String touchedKeys() {
        return schema + ".touched_keys";
    }

    /** Rows the warehouse or the source side could not carry, with their reason. */
    public String deadLetters() {
        return schema + ".dead_letters";
    }
}
