package io.pg2gp.connector.cdc;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.cdc.connectors.base.source.assigner.state.PendingSplitsState;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.ScanTableSource;
import org.apache.flink.table.connector.source.SourceProvider;
import org.apache.flink.table.connector.source.abilities.SupportsReadingMetadata;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.DataType;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Flink CDC's {@code PostgreSQLTableSource}, unchanged except that its incremental source's readers
 * sit behind a {@link StreamSplitCommitFilter}. The legacy source ({@code
 * scan.incremental.snapshot.enabled = false}) is passed through: it commits offsets its own way.
 */
@PublicEvolving
final class CommitFilteredTableSource implements ScanTableSource, SupportsReadingMetadata {

    private final ScanTableSource source;

    CommitFilteredTableSource(ScanTableSource source) {
        this.source = source;
    }

    @Override
    public ChangelogMode getChangelogMode() {
        return source.getChangelogMode();
    }

    @Override
    @SuppressWarnings("unchecked")
    public ScanRuntimeProvider getScanRuntimeProvider(ScanContext context) {
        ScanRuntimeProvider provider = source.getScanRuntimeProvider(context);
        if (!(provider instanceof SourceProvider)) {
            return provider;
        }
        SourceProvider sourceProvider = (SourceProvider) provider;
        Source<RowData, SourceSplitBase, PendingSplitsState> incremental =
                (Source<RowData, SourceSplitBase, PendingSplitsState>)
                        sourceProvider.createSource();
        return SourceProvider.of(
                new CommitFilteredSource<>(incremental),
                sourceProvider.getParallelism().orElse(null));
    }

    @Override
    public Map<String, DataType> listReadableMetadata() {
        return ((SupportsReadingMetadata) source).listReadableMetadata();
    }

    @Override
    public void applyReadableMetadata(List<String> metadataKeys, DataType producedDataType) {
        ((SupportsReadingMetadata) source).applyReadableMetadata(metadataKeys, producedDataType);
    }

    @Override
    public DynamicTableSource copy() {
        return new CommitFilteredTableSource((ScanTableSource) source.copy());
    }

    @Override
    public String asSummaryString() {
        return source.asSummaryString() + " (commits only checkpointed stream offsets)";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CommitFilteredTableSource
                && source.equals(((CommitFilteredTableSource) o).source);
    }

    @Override
    public int hashCode() {
        return Objects.hash(source);
    }
}
