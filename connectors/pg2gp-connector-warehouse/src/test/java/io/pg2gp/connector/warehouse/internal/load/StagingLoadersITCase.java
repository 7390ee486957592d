package io.pg2gp.connector.warehouse.internal.load;

import io.pg2gp.connector.warehouse.ColumnType;
import io.pg2gp.connector.warehouse.GpfdistLoaderOptions;
import io.pg2gp.connector.warehouse.LoaderKind;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.internal.sql.BookkeepingTables;
import io.pg2gp.connector.warehouse.internal.sql.WarehouseSetup;
import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SharedGreenplum;
import io.pg2gp.testutils.SharedPostgres;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The loader choice on a real PostgreSQL and a real Greenplum 6, detected from version(). */
class StagingLoadersITCase {

    private static final WarehouseTable TABLE =
            WarehouseTable.builder("public", "t").column("id", ColumnType.INT8).key("id").build();

    private final PostgresServer postgres = SharedPostgres.warehouse();

    @Test
    void autoAndCopyUseCopyOnPostgresAndGpfdistIsRefusedNamingTheSetting() throws Exception {
        String db = postgres.createDatabase(SharedPostgres.uniqueDatabase("loaders"));
        try (Connection c = postgres.connect(db)) {
            WarehouseDialect dialect = WarehouseDialect.detect(c);
            assertThat(dialect).isEqualTo(WarehouseDialect.POSTGRES);
            BookkeepingTables bookkeeping = new BookkeepingTables("pg2gp", dialect);
            for (LoaderKind kind : new LoaderKind[] {LoaderKind.AUTO, LoaderKind.COPY}) {
                try (StagingLoader loader =
                        StagingLoaders.open(
                                kind,
                                GpfdistLoaderOptions.DEFAULTS,
                                dialect,
                                c,
                                bookkeeping,
                                TABLE,
                                "job",
                                0)) {
                    assertThat(loader).isInstanceOf(CopyStagingLoader.class);
                    // no staging table yet whose column types could be checked
                    assertThat(loader.binaryRows()).isFalse();
                }
            }
            assertThatThrownBy(
                            () ->
                                    StagingLoaders.open(
                                            LoaderKind.GPFDIST,
                                            GpfdistLoaderOptions.DEFAULTS,
                                            dialect,
                                            c,
                                            bookkeeping,
                                            TABLE,
                                            "job",
                                            0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("loader is GPFDIST");
        }
    }

    /**
     * COPY stages PostgreSQL rows as COPY BINARY when the staging table has exactly the types the
     * sink creates and every column has a binary encoding; otherwise as text.
     */
    @Test
    void copyOnPostgresIsBinaryWhereTheStagingTableAllowsIt() throws Exception {
        String db = postgres.createDatabase(SharedPostgres.uniqueDatabase("binary"));
        WarehouseTable arrays =
                WarehouseTable.builder("public", "tags")
                        .column("id", ColumnType.INT8)
                        .column("tags", ColumnType.TEXT_ARRAY)
                        .key("id")
                        .build();
        try (Connection c = postgres.connect(db)) {
            WarehouseDialect dialect = WarehouseDialect.detect(c);
            BookkeepingTables bookkeeping = new BookkeepingTables("pg2gp", dialect);
            WarehouseSetup.ensureBookkeeping(c, bookkeeping, TABLE);
            WarehouseSetup.ensureBookkeeping(c, bookkeeping, arrays);
            try (StagingLoader loader = open(LoaderKind.COPY, null, dialect, c, bookkeeping)) {
                assertThat(loader.binaryRows()).isTrue();
                assertThat(loader.describe()).isEqualTo("COPY BINARY");
            }
            try (StagingLoader loader =
                    StagingLoaders.open(
                            LoaderKind.AUTO, null, dialect, c, bookkeeping, arrays, "job", 0)) {
                assertThat(loader.binaryRows()).as("text[] has no binary encoding here").isFalse();
            }
            try (Statement s = c.createStatement()) {
                s.execute(
                        "ALTER TABLE "
                                + bookkeeping.stagingTable(TABLE)
                                + " ALTER COLUMN id TYPE numeric");
            }
            try (StagingLoader loader = open(LoaderKind.AUTO, null, dialect, c, bookkeeping)) {
                assertThat(loader.binaryRows()).as("staging id is numeric, not bigint").isFalse();
            }
        }
    }

    /**
     * On Greenplum, gpfdist is used once the segments have read the endpoint; when they cannot
     * reach the advertised address (nothing listens on 127.0.0.2, the endpoint is bound to
     * 127.0.0.1) {@code gpfdist} fails naming that address and the setting to fix, and {@code auto}
     * falls back to COPY. No external table is left behind either way.
     */
    @Test
    void onGreenplumGpfdistNeedsSegmentsThatReachTheEndpointAndAutoFallsBackToCopy()
            throws Exception {
        GreenplumCluster cluster = SharedGreenplum.cluster();
        String db = SharedGreenplum.createDatabase("loaders");
        try (Connection c = cluster.connect(db)) {
            WarehouseDialect dialect = WarehouseDialect.detect(c);
            assertThat(dialect).isEqualTo(WarehouseDialect.GREENPLUM_6);
            BookkeepingTables bookkeeping = new BookkeepingTables("pg2gp", dialect);
            WarehouseSetup.ensureBookkeeping(c, bookkeeping, TABLE);
            GpfdistLoaderOptions reachable =
                    GpfdistLoaderOptions.builder()
                            .bindAddress("127.0.0.1")
                            .advertisedHost("127.0.0.1")
                            .build();
            GpfdistLoaderOptions unreachable =
                    GpfdistLoaderOptions.builder()
                            .bindAddress("127.0.0.1")
                            .advertisedHost("127.0.0.2")
                            .build();
            try (StagingLoader loader = open(LoaderKind.AUTO, reachable, dialect, c, bookkeeping)) {
                assertThat(loader).isInstanceOf(GpfdistStagingLoader.class);
                assertThat(loader.describe()).startsWith("gpfdist gpfdist://127.0.0.1:");
                assertThat(externalTables(c)).isOne();
            }
            assertThat(externalTables(c)).isZero();
            try (StagingLoader loader =
                    open(LoaderKind.AUTO, unreachable, dialect, c, bookkeeping)) {
                assertThat(loader).isInstanceOf(CopyStagingLoader.class);
                assertThat(loader.binaryRows()).as("Greenplum's COPY stays text").isFalse();
            }
            assertThatThrownBy(() -> open(LoaderKind.GPFDIST, unreachable, dialect, c, bookkeeping))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("gpfdist load from gpfdist://127.0.0.2:")
                    .hasMessageContaining("must be able to connect to 127.0.0.2:")
                    .hasMessageContaining("advertisedHost");
            assertThat(externalTables(c)).isZero();
        }
    }

    private static StagingLoader open(
            LoaderKind kind,
            GpfdistLoaderOptions options,
            WarehouseDialect dialect,
            Connection c,
            BookkeepingTables bookkeeping)
            throws Exception {
        return StagingLoaders.open(kind, options, dialect, c, bookkeeping, TABLE, "job", 0);
    }

    private static long externalTables(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT count(*) FROM pg_exttable x JOIN pg_class t ON t.oid ="
                                        + " x.reloid JOIN pg_namespace n ON n.oid = t.relnamespace"
                                        + " WHERE n.nspname = 'pg2gp'")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
