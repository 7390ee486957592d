package io.pg2gp.jobs.rollup.features;

import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.jobs.rollup.WarehouseScript;
import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.SharedGreenplum;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;

/**
 * The feature store on a real Greenplum 6 (the warehouse from the rendered script: partitioned fact
 * table, tables distributed by user): the same scenario as {@link FeatureRecomputerITCase}.
 */
class GreenplumFeaturesITCase {

    @Test
    void theViewEqualsTheSeedQueryThroughChangesAndTime() throws Exception {
        GreenplumCluster gp = SharedGreenplum.cluster();
        String db = SharedGreenplum.createDatabase("features");
        try (Connection c = gp.connect(db);
                Statement s = c.createStatement()) {
            s.execute(WarehouseScript.render(WarehouseDialect.GREENPLUM_6, "public", null));
            FeatureStoreTesting.run(c, 60);
        }
    }
}
