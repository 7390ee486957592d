package io.pg2gp.connector.warehouse;

import org.apache.flink.annotation.PublicEvolving;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A warehouse connection opened on first use and opened afresh after {@link #discard()}: whoever
 * hits a failure discards the session, and the next use (after Flink restarts the task, or on the
 * next retry) starts from a clean connection.
 */
@PublicEvolving
public final class WarehouseSession implements AutoCloseable {

    /** Runs on every newly opened connection, e.g. session settings. */
    @FunctionalInterface
    public interface Setup {
        void prepare(Connection c) throws SQLException;
    }

    private final WarehouseConnectionOptions options;
    private final String applicationName;
    private final Setup setup;
    private Connection conn;

    public WarehouseSession(
            WarehouseConnectionOptions options, String applicationName, Setup setup) {
        this.options = options;
        this.applicationName = applicationName;
        this.setup = setup;
    }

    public WarehouseSession(WarehouseConnectionOptions options, String applicationName) {
        this(options, applicationName, c -> {});
    }

    public Connection get() throws SQLException {
        if (conn == null || conn.isClosed()) {
            conn = options.open(applicationName);
            setup.prepare(conn);
        }
        return conn;
    }

    /** Closes the connection, ignoring errors: it is being given up. */
    public void discard() {
        try {
            if (conn != null) {
                conn.close();
            }
        } catch (SQLException ignored) {
            // the connection is being given up anyway
        }
        conn = null;
    }

    @Override
    public void close() {
        discard();
    }
}
