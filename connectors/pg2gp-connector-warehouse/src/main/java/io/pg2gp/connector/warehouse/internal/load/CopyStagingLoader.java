package io.pg2gp.connector.warehouse.internal.load;

import io.pg2gp.connector.warehouse.LoaderKind;

import org.apache.flink.annotation.Internal;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Stages rows with {@code COPY ... FROM STDIN} (TEXT format) through the warehouse's coordinator.
 * On PostgreSQL this is the fastest path; on Greenplum it funnels through the coordinator.
 */
@Internal
public final class CopyStagingLoader implements StagingLoader {

    private static final int SLICE = 1 << 16;

    private final CopyManager copyManager;
    private final String copySql;

    public CopyStagingLoader(Connection connection, String stagingTable, String columnList)
            throws SQLException {
        this.copyManager = connection.unwrap(PGConnection.class).getCopyAPI();
        this.copySql = "COPY " + stagingTable + " (" + columnList + ") FROM STDIN";
    }

    @Override
    public void load(byte[] buffer, int offset, int length, int rows) throws SQLException {
        CopyIn copy = copyManager.copyIn(copySql);
        try {
            for (int pos = offset, end = offset + length; pos < end; pos += SLICE) {
                copy.writeToCopy(buffer, pos, Math.min(SLICE, end - pos));
            }
            copy.endCopy();
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }

    @Override
    public LoaderKind kind() {
        return LoaderKind.COPY;
    }

    @Override
    public String describe() {
        return "COPY through the coordinator";
    }

    @Override
    public void close() {}
}
