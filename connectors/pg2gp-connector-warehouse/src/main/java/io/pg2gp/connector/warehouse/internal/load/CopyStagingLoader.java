package io.pg2gp.connector.warehouse.internal.load;

import io.pg2gp.connector.warehouse.LoaderKind;

import org.apache.flink.annotation.Internal;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Stages rows with {@code COPY ... FROM STDIN} through the warehouse's coordinator, in TEXT format
 * or, on PostgreSQL for the types it covers, BINARY. On PostgreSQL this is the fastest path; on
 * Greenplum it funnels through the coordinator.
 */
@Internal
public final class CopyStagingLoader implements StagingLoader {

    private static final int SLICE = 1 << 16;

    /** COPY BINARY's signature, flags and header extension length; then the tuples. */
    private static final byte[] BINARY_HEADER = {
        'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0
    };

    /** A field count of -1 ends COPY BINARY data. */
    private static final byte[] BINARY_TRAILER = {(byte) 0xFF, (byte) 0xFF};

    private final CopyManager copyManager;
    private final String copySql;
    private final boolean binary;

    public CopyStagingLoader(
            Connection connection, String stagingTable, String columnList, boolean binary)
            throws SQLException {
        this.copyManager = connection.unwrap(PGConnection.class).getCopyAPI();
        this.binary = binary;
        this.copySql =
                "COPY "
                        + stagingTable
                        + " ("
                        + columnList
                        + ") FROM STDIN"
                        + (binary ? " WITH (FORMAT binary)" : "");
    }

    @Override
    public void load(byte[] buffer, int offset, int length, int rows) throws SQLException {
        CopyIn copy = copyManager.copyIn(copySql);
        try {
            if (binary) {
                copy.writeToCopy(BINARY_HEADER, 0, BINARY_HEADER.length);
            }
            for (int pos = offset, end = offset + length; pos < end; pos += SLICE) {
                copy.writeToCopy(buffer, pos, Math.min(SLICE, end - pos));
            }
            if (binary) {
                copy.writeToCopy(BINARY_TRAILER, 0, BINARY_TRAILER.length);
            }
            copy.endCopy();
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }

    @Override
    public boolean binaryRows() {
        return binary;
    }

    @Override
    public LoaderKind kind() {
        return LoaderKind.COPY;
    }

    @Override
    public String describe() {
        return binary ? "COPY BINARY" : "COPY TEXT through the coordinator";
    }

    @Override
    public void close() {}
}
