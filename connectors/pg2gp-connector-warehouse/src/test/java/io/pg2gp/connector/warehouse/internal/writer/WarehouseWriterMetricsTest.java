package io.pg2gp.connector.warehouse.internal.writer;

import io.pg2gp.connector.warehouse.ColumnType;
import io.pg2gp.connector.warehouse.LoaderKind;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.internal.load.StagingLoader;
import io.pg2gp.connector.warehouse.internal.sql.BookkeepingTables;

import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.OperatorIOMetricGroup;
import org.apache.flink.metrics.groups.OperatorMetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.metrics.testutils.MetricListener;
import org.apache.flink.runtime.metrics.groups.InternalSinkWriterMetricGroup;
import org.apache.flink.runtime.metrics.groups.ProxyMetricGroup;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The writer tells which loader it stages through, since auto may have fallen back to COPY. */
class WarehouseWriterMetricsTest {

    private static final WarehouseTable TABLE =
            WarehouseTable.builder("public", "t").column("id", ColumnType.INT8).key("id").build();

    /** An operator group whose metrics land in a {@link MetricListener}. */
    private static final class ListenedOperatorGroup extends ProxyMetricGroup<MetricGroup>
            implements OperatorMetricGroup {
        ListenedOperatorGroup(MetricGroup parent) {
            super(parent);
        }

        @Override
        public OperatorIOMetricGroup getIOMetricGroup() {
            return UnregisteredMetricsGroup.createOperatorIOMetricGroup();
        }
    }

    /** Stages nothing; only its kind matters here. */
    private record StubLoader(LoaderKind kind) implements StagingLoader {
        @Override
        public void load(byte[] buffer, int offset, int length, int rows) {}

        @Override
        public String describe() {
            return kind.name();
        }

        @Override
        public void close() {}
    }

    @ParameterizedTest
    @EnumSource(
            value = LoaderKind.class,
            names = {"GPFDIST", "COPY"})
    void gaugeSaysWhetherTheWriterStagesThroughGpfdist(LoaderKind kind) {
        MetricListener metrics = new MetricListener();
        new WarehouseWriter<Object[]>(
                values -> null,
                TABLE,
                new BookkeepingTables("pg2gp", WarehouseDialect.GREENPLUM_6),
                "job",
                0,
                1,
                1 << 16,
                null,
                new StubLoader(kind),
                InternalSinkWriterMetricGroup.wrap(
                        new ListenedOperatorGroup(metrics.getMetricGroup())));

        assertThat(metrics.<Integer>getGauge(WarehouseWriter.LOADER_GPFDIST_GAUGE))
                .get()
                .extracting(g -> g.getValue())
                .isEqualTo(kind == LoaderKind.GPFDIST ? 1 : 0);
    }
}
