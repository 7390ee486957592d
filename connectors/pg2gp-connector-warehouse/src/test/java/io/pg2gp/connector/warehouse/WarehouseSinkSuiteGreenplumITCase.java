package io.pg2gp.connector.warehouse;

import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.SharedGreenplum;

import org.apache.flink.connector.testframe.environment.MiniClusterTestEnvironment;
import org.apache.flink.connector.testframe.external.ExternalContextFactory;
import org.apache.flink.connector.testframe.junit.annotations.TestContext;
import org.apache.flink.connector.testframe.junit.annotations.TestEnv;
import org.apache.flink.connector.testframe.junit.annotations.TestSemantics;
import org.apache.flink.core.execution.CheckpointingMode;

/**
 * {@link WarehouseSinkSuiteCases} into Greenplum: the loader's default picks gpfdist when the
 * segments reach the writers, as on the build's cluster.
 */
class WarehouseSinkSuiteGreenplumITCase extends WarehouseSinkSuiteCases {

    @TestEnv MiniClusterTestEnvironment flink = new MiniClusterTestEnvironment();

    @TestContext
    ExternalContextFactory<ItemContext> items =
            name ->
                    new ItemContext(
                            new Warehouse(
                                    SharedGreenplum.cluster(),
                                    () -> SharedGreenplum.createDatabase("suite"),
                                    GreenplumCluster.ENV_PASSWORD,
                                    " DISTRIBUTED BY (id)"));

    @TestSemantics
    CheckpointingMode[] semantics = new CheckpointingMode[] {CheckpointingMode.EXACTLY_ONCE};
}
