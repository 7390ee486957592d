package io.pg2gp.connector.warehouse.internal.load;

import io.pg2gp.connector.warehouse.LoaderKind;

import org.apache.flink.annotation.Internal;

import java.sql.SQLException;

/**
 * Moves encoded rows into a staging table of the warehouse. Rows arrive whole (COPY TEXT lines, or
 * COPY BINARY tuples where {@link #binaryRows()}); a call either stages all of them or none (one
 * statement), so a rejected chunk can be split and retried to find the row the warehouse refuses.
 */
@Internal
public interface StagingLoader extends AutoCloseable {

    /** Stages {@code rows} whole rows, {@code length} bytes starting at {@code offset}. */
    void load(byte[] buffer, int offset, int length, int rows) throws SQLException;

    /** Whether rows are COPY BINARY tuples (without the format's header and trailer). */
    default boolean binaryRows() {
        return false;
    }

    /** The path rows take: {@link LoaderKind#GPFDIST} or {@link LoaderKind#COPY}, never AUTO. */
    LoaderKind kind();

    /** Names the path rows take, for logs and errors. */
    String describe();

    @Override
    void close() throws SQLException;
}
