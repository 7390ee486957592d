package io.pg2gp.connector.warehouse.table;

import io.pg2gp.connector.warehouse.internal.table.GreenplumDynamicTableSink;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.FactoryUtil;

import java.util.Set;

/**
 * {@code 'connector' = 'greenplum'}: the exactly-once warehouse sink for any table, on Greenplum or
 * PostgreSQL. With a {@code PRIMARY KEY ... NOT ENFORCED} it takes an upsert changelog, without one
 * it appends. See docs/sql-connector.md.
 */
@PublicEvolving
public final class GreenplumDynamicTableSinkFactory implements DynamicTableSinkFactory {

    public static final String IDENTIFIER = "greenplum";

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(
                GreenplumConnectorOptions.URL,
                GreenplumConnectorOptions.TABLE_NAME,
                GreenplumConnectorOptions.USERNAME);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of(
                GreenplumConnectorOptions.PASSWORD_ENV,
                GreenplumConnectorOptions.LOADER,
                GreenplumConnectorOptions.GPFDIST_BIND_ADDRESS,
                GreenplumConnectorOptions.GPFDIST_ADVERTISED_HOST,
                GreenplumConnectorOptions.GPFDIST_PORT_RANGE,
                GreenplumConnectorOptions.DELETE_MODE,
                GreenplumConnectorOptions.SINK_PARALLELISM,
                GreenplumConnectorOptions.STAGE_CHUNK_SIZE,
                GreenplumConnectorOptions.CREATE_TABLE,
                GreenplumConnectorOptions.VERSION_COLUMN,
                GreenplumConnectorOptions.PIPELINE_NAME,
                GreenplumConnectorOptions.BOOKKEEPING_SCHEMA);
    }

    @Override
    public DynamicTableSink createDynamicTableSink(Context context) {
        FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
        helper.validate();
        return GreenplumDynamicTableSink.create(
                helper.getOptions(),
                context.getCatalogTable().getResolvedSchema(),
                context.getObjectIdentifier().asSummaryString());
    }
}
