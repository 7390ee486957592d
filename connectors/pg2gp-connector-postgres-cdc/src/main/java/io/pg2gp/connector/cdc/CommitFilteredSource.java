package io.pg2gp.connector.cdc;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.cdc.connectors.base.source.assigner.state.PendingSplitsState;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A Flink CDC incremental source with every reader behind a {@link StreamSplitCommitFilter}: what
 * {@link CommitFilteredPostgresCdcTableFactory} hands the planner. Splits, state and serializers
 * are the wrapped source's own, so checkpoints and savepoints of either are interchangeable. The
 * ingest job's {@link HeartbeatingSource} adds its heartbeat to the readers made here.
 */
@PublicEvolving
class CommitFilteredSource<T>
        implements Source<T, SourceSplitBase, PendingSplitsState>, ResultTypeQueryable<T> {

    private static final long serialVersionUID = 1L;

    private final Source<T, SourceSplitBase, PendingSplitsState> source;

    CommitFilteredSource(Source<T, SourceSplitBase, PendingSplitsState> source) {
        this.source = source;
    }

    @Override
    public Boundedness getBoundedness() {
        return source.getBoundedness();
    }

    @Override
    public SourceReader<T, SourceSplitBase> createReader(SourceReaderContext context)
            throws Exception {
        return new StreamSplitCommitFilter<>(source.createReader(context));
    }

    @Override
    public SplitEnumerator<SourceSplitBase, PendingSplitsState> createEnumerator(
            SplitEnumeratorContext<SourceSplitBase> context) throws Exception {
        return source.createEnumerator(context);
    }

    @Override
    public SplitEnumerator<SourceSplitBase, PendingSplitsState> restoreEnumerator(
            SplitEnumeratorContext<SourceSplitBase> context, PendingSplitsState state)
            throws Exception {
        return source.restoreEnumerator(context, state);
    }

    @Override
    public SimpleVersionedSerializer<SourceSplitBase> getSplitSerializer() {
        return source.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<PendingSplitsState> getEnumeratorCheckpointSerializer() {
        return source.getEnumeratorCheckpointSerializer();
    }

    @Override
    @SuppressWarnings("unchecked")
    public TypeInformation<T> getProducedType() {
        return ((ResultTypeQueryable<T>) source).getProducedType();
    }
}
