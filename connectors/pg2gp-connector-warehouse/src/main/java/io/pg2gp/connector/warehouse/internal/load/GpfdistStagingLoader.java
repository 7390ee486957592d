package io.pg2gp.connector.warehouse.internal.load;

import io.pg2gp.connector.gpfdist.GpfdistServer;
import io.pg2gp.connector.gpfdist.PublishedBatch;
import io.pg2gp.connector.gpfdist.ServedBatch;
import io.pg2gp.connector.warehouse.LoaderKind;
import io.pg2gp.connector.warehouse.internal.sql.ExternalTableStatements;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Stages rows through the subtask's own gpfdist endpoint: each chunk is published at the subtask's
 * fixed secret path and one {@code INSERT INTO staging SELECT ... FROM <external table>} makes
 * every primary segment pull blocks of it at once. The chunk stays published until that statement
 * has returned, so a segment retry within it is served again, and is released right after.
 */
@Internal
public final class GpfdistStagingLoader implements StagingLoader {

    private static final Logger LOG = LoggerFactory.getLogger(GpfdistStagingLoader.class);

    /** Rows are handed to the block builder in slices of about this size, on line ends. */
    private static final int SLICE = 64 << 10;

    /** The statement that has the segments read what is published; returns the rows inserted. */
    @FunctionalInterface
    public interface SegmentRead {
        long run() throws SQLException;
    }

    private final GpfdistServer server;
    private final String path;
    private final SegmentRead read;
    private final Runnable onClose;

    public GpfdistStagingLoader(
            GpfdistServer server, String path, SegmentRead read, Runnable onClose) {
        this.server = server;
        this.path = path;
        this.read = read;
        this.onClose = onClose;
    }

    /**
     * Creates the subtask's external table at a new secret path of {@code server} (replacing the
     * one an earlier run left, whose address is gone) and returns a loader that uses it.
     */
    public static GpfdistStagingLoader open(
            Connection connection, GpfdistServer server, ExternalTableStatements sql)
            throws SQLException {
        String path = GpfdistServer.newSecretPath();
        try (Statement s = connection.createStatement()) {
            s.execute(sql.drop());
            s.execute(sql.create(server.url(path)));
            for (String setting : ExternalTableStatements.SESSION_SETTINGS) {
                s.execute(setting);
            }
        }
        String load = sql.load();
        return new GpfdistStagingLoader(
                server,
                path,
                () -> {
                    try (Statement s = connection.createStatement()) {
                        return s.executeUpdate(load);
                    }
                },
                () -> {
                    try (Statement s = connection.createStatement()) {
                        s.execute(sql.drop());
                    } catch (SQLException e) {
                        LOG.debug("dropping {} failed; the next writer replaces it", sql.name(), e);
                    }
                });
    }

    /**
     * Has the segments read an empty batch through the external table, so a start-up finds out
     * whether they can reach the endpoint before any data depends on it.
     */
    public void probe(Connection connection, ExternalTableStatements sql) throws SQLException {
        PublishedBatch published = server.publish(ServedBatch.empty(), path);
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery(sql.probe())) {
            rs.next();
        } catch (SQLException e) {
            throw explain(e);
        } finally {
            server.release(published);
        }
    }

    public String path() {
        return path;
    }

    /** The subtask's endpoint: its counters and the chunks it still serves. */
    public GpfdistServer endpoint() {
        return server;
    }

    @Override
    public void load(byte[] buffer, int offset, int length, int rows) throws SQLException {
        ServedBatch batch = toBatch(server.newBatch(), buffer, offset, length);
        if (batch.rowCount() != rows) {
            throw new IllegalStateException(
                    "chunk holds " + batch.rowCount() + " lines, the writer counted " + rows);
        }
        PublishedBatch published = server.publish(batch, path);
        long inserted;
        try {
            inserted = read.run();
        } catch (SQLException e) {
            throw explain(e);
        } finally {
            server.release(published);
        }
        if (inserted != rows) {
            // Segments saw the end of the stream early: never commit a partial chunk silently.
            throw new SQLException(
                    "gpfdist load from "
                            + server.url(path)
                            + " inserted "
                            + inserted
                            + " of "
                            + rows
                            + " rows",
                    "XX000");
        }
    }

    /** Cuts whole lines into slices on line ends and builds the served batch from them. */
    public static ServedBatch toBatch(
            ServedBatch.Builder b, byte[] buffer, int offset, int length) {
        int end = offset + length;
        int sliceStart = offset;
        int rowsInSlice = 0;
        for (int i = offset; i < end; i++) {
            if (buffer[i] == '\n') {
                rowsInSlice++;
                if (i + 1 - sliceStart >= SLICE || i + 1 == end) {
                    b.addRows(buffer, sliceStart, i + 1 - sliceStart, rowsInSlice);
                    sliceStart = i + 1;
                    rowsInSlice = 0;
                }
            }
        }
        if (sliceStart != end) {
            throw new IllegalArgumentException("chunk does not end with a whole line");
        }
        return b.build();
    }

    /**
     * Row errors (SQLSTATE 22, 23) go back unchanged so the writer can isolate the row; anything
     * else most often means the segments could not reach the endpoint, so say where they tried.
     */
    private SQLException explain(SQLException e) {
        String state = e.getSQLState();
        if (state != null && (state.startsWith("22") || state.startsWith("23"))) {
            return e;
        }
        return new SQLException(
                "gpfdist load from "
                        + server.url(path)
                        + " failed: "
                        + e.getMessage()
                        + " (every Greenplum primary segment host must be able to connect to "
                        + server.options().advertisedHost()
                        + ":"
                        + server.port()
                        + "; see the gpfdist options advertisedHost and"
                        + " portRange)",
                state,
                e);
    }

    @Override
    public LoaderKind kind() {
        return LoaderKind.GPFDIST;
    }

    @Override
    public String describe() {
        return "gpfdist " + server.url(path);
    }

    @Override
    public void close() {
        try {
            onClose.run();
        } finally {
            server.close();
        }
    }
}
