package io.pg2gp.connector.warehouse.table;

import io.pg2gp.testutils.DatabaseServer;
import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.SharedGreenplum;

import java.util.Map;

/** {@link SqlSinkPipelineCases} into Greenplum (gpfdist where the segments reach the writers). */
class GreenplumSqlSinkGreenplumITCase extends SqlSinkPipelineCases {

    @Override
    DatabaseServer warehouse() {
        return SharedGreenplum.cluster();
    }

    @Override
    String createWarehouseDatabase(String prefix) {
        return SharedGreenplum.createDatabase(prefix);
    }

    @Override
    Map<String, String> warehouseOptions() {
        return Map.of("password-env", GreenplumCluster.ENV_PASSWORD);
    }
}
