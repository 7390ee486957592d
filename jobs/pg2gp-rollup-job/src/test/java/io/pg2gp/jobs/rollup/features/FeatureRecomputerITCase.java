package io.pg2gp.jobs.rollup.features;

import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.jobs.rollup.WarehouseScript;
import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SharedPostgres;

import org.junit.jupiter.api.Test;

import java.sql.Connection;

/**
 * The feature store on real PostgreSQL, from the rendered warehouse script: after a rebuild, after
 * changes recomputed for just the users they touched (a request moved between users and hours,
 * deletes, a late row, a row moved out of the year), and while stored rows go stale as time passes,
 * the view equals the seed's query over the fact table at the same instant, user by user.
 */
class FeatureRecomputerITCase {

    private final PostgresServer postgres = SharedPostgres.warehouse();

    @Test
    void theViewEqualsTheSeedQueryThroughChangesAndTime() throws Exception {
        String db = postgres.createDatabase(SharedPostgres.uniqueDatabase("features"));
        postgres.execute(db, WarehouseScript.render(WarehouseDialect.POSTGRES, "public", null));
        try (Connection c = postgres.connect(db)) {
            FeatureStoreTesting.run(c, 60);
        }
    }
}
