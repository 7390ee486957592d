package io.pg2gp.connector.warehouse.internal.load;

import io.pg2gp.connector.gpfdist.GpfdistServer;
import io.pg2gp.connector.warehouse.GpfdistLoaderOptions;
import io.pg2gp.connector.warehouse.LoaderKind;
import io.pg2gp.connector.warehouse.RolePrivileges;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.internal.sql.BookkeepingTables;
import io.pg2gp.connector.warehouse.internal.sql.ExternalTableStatements;
import io.pg2gp.connector.warehouse.internal.writer.BinaryStagingRows;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;

/**
 * Picks a writer's loader: gpfdist on Greenplum when the segments can reach the subtask (proved
 * with an empty load before any data depends on it), COPY through the coordinator otherwise (in
 * BINARY format on PostgreSQL where the table's types allow it).
 */
@Internal
public final class StagingLoaders {

    private static final Logger LOG = LoggerFactory.getLogger(StagingLoaders.class);

    private StagingLoaders() {}

    public static StagingLoader open(
            LoaderKind kind,
            GpfdistLoaderOptions gpfdist,
            WarehouseDialect dialect,
            Connection connection,
            BookkeepingTables bookkeeping,
            WarehouseTable table,
            String job,
            int subtask)
            throws SQLException, IOException {
        if (kind == LoaderKind.GPFDIST && !dialect.hasExternalTables()) {
            throw new IllegalArgumentException(
                    "loader is GPFDIST, but the warehouse is PostgreSQL, which"
                            + " has no external tables: use AUTO or COPY");
        }
        if (kind == LoaderKind.COPY || !dialect.hasExternalTables()) {
            CopyStagingLoader copy = copy(connection, dialect, bookkeeping, table);
            LOG.info("subtask {} stages {} through {}", subtask, table, copy.describe());
            return copy;
        }
        GpfdistServer server = start(gpfdist);
        ExternalTableStatements sql = new ExternalTableStatements(bookkeeping, table, job, subtask);
        GpfdistStagingLoader loader = null;
        try {
            loader = GpfdistStagingLoader.open(connection, server, sql);
            loader.probe(connection, sql);
            LOG.info("subtask {} stages {} through {}", subtask, table, loader.describe());
            return loader;
        } catch (SQLException | RuntimeException e) {
            if (loader != null) {
                loader.close();
            } else {
                server.close();
            }
            if (kind == LoaderKind.GPFDIST) {
                throw e;
            }
            LOG.warn(
                    "subtask {} falls back to COPY through the coordinator for {}"
                            + " (loader AUTO), because gpfdist failed: {}",
                    subtask,
                    table,
                    whyNotGpfdist(connection, e));
            return copy(connection, dialect, bookkeeping, table);
        }
    }

    /** The failure, and for a missing privilege the statement that grants it. */
    private static String whyNotGpfdist(Connection connection, Exception e) {
        if (e instanceof SQLException sql && "42501".equals(sql.getSQLState())) {
            try {
                return e.getMessage()
                        + "; to stage through gpfdist run as an administrator: "
                        + new RolePrivileges(connection).gpfdistGrant().grant();
            } catch (SQLException ignored) {
                // the message alone still says what failed
            }
        }
        return e.getMessage();
    }

    private static CopyStagingLoader copy(
            Connection connection,
            WarehouseDialect dialect,
            BookkeepingTables bookkeeping,
            WarehouseTable table)
            throws SQLException {
        String staging = bookkeeping.stagingTable(table);
        return new CopyStagingLoader(
                connection,
                staging,
                BookkeepingTables.stagingColumnList(table),
                dialect == WarehouseDialect.POSTGRES
                        && BinaryStagingRows.supports(table)
                        && stagingHasTypes(connection, staging, table));
    }

    /**
     * Whether the staging table's columns have exactly the types the sink creates them with, as
     * COPY BINARY needs (it reads each field with its column type's binary input); a staging table
     * made otherwise (by hand, or by an older release) is staged as text.
     */
    private static boolean stagingHasTypes(
            Connection connection, String staging, WarehouseTable table) throws SQLException {
        Map<String, String> columns = BookkeepingTables.stagingColumnTypes(table);
        String[] names = columns.keySet().toArray(String[]::new);
        String[] types = columns.values().toArray(String[]::new);
        try (PreparedStatement p =
                connection.prepareStatement(
                        "SELECT to_regclass(?) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM"
                                + " unnest(?::text[], ?::text[]) e(name, type) WHERE NOT EXISTS"
                                + " (SELECT 1 FROM pg_attribute a WHERE a.attrelid ="
                                + " to_regclass(?) AND a.attname = e.name AND NOT a.attisdropped"
                                + " AND a.atttypid = e.type::regtype))")) {
            p.setString(1, staging);
            p.setArray(2, connection.createArrayOf("text", names));
            p.setArray(3, connection.createArrayOf("text", types));
            p.setString(4, staging);
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                if (rs.getBoolean(1)) {
                    return true;
                }
            }
        }
        LOG.info(
                "{} is staged as COPY TEXT: the column types of {} differ from the sink's",
                table,
                staging);
        return false;
    }

    private static GpfdistServer start(GpfdistLoaderOptions o) throws IOException {
        GpfdistServer.Builder b =
                GpfdistServer.builder()
                        .portRange(o.firstPort(), o.lastPort())
                        .blockSize(o.blockBytes())
                        .maxConnectionsPerPeer(o.maxConnectionsPerPeer())
                        .requestHeadTimeout(o.requestHeadTimeout());
        if (o.bindAddress() != null) {
            b.bindAddress(o.bindAddress());
        }
        if (o.advertisedHost() != null) {
            b.advertisedHost(o.advertisedHost());
        }
        return b.start();
    }
}
