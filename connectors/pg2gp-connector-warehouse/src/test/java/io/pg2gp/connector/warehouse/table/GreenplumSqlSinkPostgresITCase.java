package io.pg2gp.connector.warehouse.table;

import io.pg2gp.testutils.DatabaseServer;
import io.pg2gp.testutils.SharedPostgres;

/** {@link SqlSinkPipelineCases} into a PostgreSQL warehouse. */
class GreenplumSqlSinkPostgresITCase extends SqlSinkPipelineCases {

    @Override
    DatabaseServer warehouse() {
        return SharedPostgres.warehouse();
    }

    @Override
    String createWarehouseDatabase(String prefix) {
        return SharedPostgres.warehouse().createDatabase(SharedPostgres.uniqueDatabase(prefix));
    }
}
