package io.pg2gp.connector.warehouse.internal.load;

import io.pg2gp.connector.gpfdist.GpfdistServer;
import io.pg2gp.connector.warehouse.GpfdistLoaderOptions;
import io.pg2gp.connector.warehouse.LoaderKind;
import io.pg2gp.connector.warehouse.RolePrivileges;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.internal.sql.BookkeepingTables;
import io.pg2gp.connector.warehouse.internal.sql.ExternalTableStatements;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Picks a writer's loader: gpfdist on Greenplum when the segments can reach the subtask (proved
 * with an empty load before any data depends on it), COPY through the coordinator otherwise.
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
            return copy(connection, bookkeeping, table);
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
            return copy(connection, bookkeeping, table);
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
            Connection connection, BookkeepingTables bookkeeping, WarehouseTable table)
            throws SQLException {
        return new CopyStagingLoader(
                connection,
                bookkeeping.stagingTable(table),
                BookkeepingTables.stagingColumnList(table));
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
