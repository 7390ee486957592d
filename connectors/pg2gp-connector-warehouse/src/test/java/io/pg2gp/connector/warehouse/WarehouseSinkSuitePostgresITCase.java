package io.pg2gp.connector.warehouse;

import io.pg2gp.testutils.SharedPostgres;

import org.apache.flink.connector.testframe.environment.MiniClusterTestEnvironment;
import org.apache.flink.connector.testframe.external.ExternalContextFactory;
import org.apache.flink.connector.testframe.junit.annotations.TestContext;
import org.apache.flink.connector.testframe.junit.annotations.TestEnv;
import org.apache.flink.connector.testframe.junit.annotations.TestSemantics;
import org.apache.flink.core.execution.CheckpointingMode;

/** {@link WarehouseSinkSuiteCases} into PostgreSQL (the COPY loader). */
class WarehouseSinkSuitePostgresITCase extends WarehouseSinkSuiteCases {

    @TestEnv MiniClusterTestEnvironment flink = new MiniClusterTestEnvironment();

    @TestContext
    ExternalContextFactory<ItemContext> items =
            name ->
                    new ItemContext(
                            new Warehouse(
                                    SharedPostgres.warehouse(),
                                    () ->
                                            SharedPostgres.warehouse()
                                                    .createDatabase(
                                                            SharedPostgres.uniqueDatabase("suite")),
                                    null,
                                    ""));

    @TestSemantics
    CheckpointingMode[] semantics = new CheckpointingMode[] {CheckpointingMode.EXACTLY_ONCE};
}
