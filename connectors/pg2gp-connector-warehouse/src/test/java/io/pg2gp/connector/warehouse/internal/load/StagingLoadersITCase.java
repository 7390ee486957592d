package io.pg2gp.connector.warehouse.internal.load;

import io.pg2gp.connector.warehouse.ColumnType;
import io.pg2gp.connector.warehouse.GpfdistLoaderOptions;
import io.pg2gp.connector.warehouse.LoaderKind;
import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.internal.sql.BookkeepingTables;
import io.pg2gp.connector.warehouse.internal.sql.WarehouseDialect;
import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SharedPostgres;

import org.junit.jupiter.api.Test;

import java.sql.Connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The loader choice on a PostgreSQL warehouse, detected from the real server's version(). */
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
                    .hasMessageContaining("'warehouse.loader'");
        }
    }
}
