package io.pg2gp.connector.cdc;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.cdc.connectors.postgres.table.PostgreSQLTableFactory;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.ScanTableSource;
import org.apache.flink.table.factories.DynamicTableSourceFactory;

import java.util.Set;

/**
 * {@code 'connector' = 'pg2gp-postgres-cdc'}: Flink CDC's {@code postgres-cdc} SQL source with its
 * options, validation and types, whose readers commit to the replication slot only offsets a
 * completed checkpoint holds ({@link StreamSplitCommitFilter}). Flink CDC 3.5.0's own factory can
 * flush the slot past every completed checkpoint when a checkpoint taken during the snapshot phase
 * completes after streaming began; a restore then loses the changes in between.
 *
 * <p>The pg2gp SQL connector jar also registers this source as {@code postgres-cdc} ({@link
 * PostgresCdcCompatibleTableFactory}) in place of Flink CDC's factory.
 */
@PublicEvolving
public class CommitFilteredPostgresCdcTableFactory implements DynamicTableSourceFactory {

    public static final String IDENTIFIER = "pg2gp-postgres-cdc";

    private final PostgreSQLTableFactory flinkCdc = new PostgreSQLTableFactory();

    @Override
    public DynamicTableSource createDynamicTableSource(Context context) {
        return new CommitFilteredTableSource(
                (ScanTableSource) flinkCdc.createDynamicTableSource(context));
    }

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return flinkCdc.requiredOptions();
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return flinkCdc.optionalOptions();
    }
}
