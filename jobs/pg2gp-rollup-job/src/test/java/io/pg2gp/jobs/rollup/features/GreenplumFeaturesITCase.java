package io.pg2gp.jobs.rollup.features;

import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.jobs.rollup.WarehouseScript;
import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.SharedGreenplum;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.Statement;

/**
 * The feature store on a real Greenplum 6 (the warehouse from the rendered script: partitioned fact
 * table, tables distributed by user): the same scenario as {@link FeatureRecomputerITCase}, with
 * GPORCA on (Greenplum's default) and off (the PostgreSQL planner), as a session may run either.
 */
class GreenplumFeaturesITCase {

    @ParameterizedTest(name = "optimizer = {0}")
    @ValueSource(strings = {"on", "off"})
    void theViewEqualsTheSeedQueryThroughChangesAndTime(String optimizer) throws Exception {
        GreenplumCluster gp = SharedGreenplum.cluster();
        String db = SharedGreenplum.createDatabase("features");
        try (Connection c = gp.connect(db);
                Connection changes = gp.connect(db);
                Statement s = c.createStatement()) {
            s.execute(WarehouseScript.render(WarehouseDialect.GREENPLUM_6, "public", null));
            s.execute("SET optimizer = " + optimizer);
            // the changes stand for the ingest's, which moves rows between partitions by delete
            // and insert: with GPORCA as an UPDATE (the planner cannot)
            try (Statement cs = changes.createStatement()) {
                cs.execute("SET optimizer = on");
            }
            FeatureStoreTesting.run(c, changes, 60);
        }
    }
}
