package io.pg2gp.connector.cdc;

import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.cdc.connectors.base.source.meta.split.SnapshotSplit;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.cdc.connectors.base.source.meta.split.StreamSplit;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffset;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.RowType;

import io.debezium.relational.TableId;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Only checkpoints whose state holds the stream split reach Flink CDC's commit to the slot: one
 * taken during the snapshot phase and completed after streaming began would commit the stream's
 * live position (Flink CDC 3.5.0 commits it for a null offset).
 */
class StreamSplitCommitFilterTest {

    private static final SourceSplitBase SNAPSHOT =
            new SnapshotSplit(
                    new TableId(null, "public", "t"),
                    0,
                    RowType.of(new BigIntType()),
                    null,
                    null,
                    null,
                    Map.of());
    private static final SourceSplitBase STREAM =
            new StreamSplit(
                    "stream-split",
                    PostgresOffset.INITIAL_OFFSET,
                    PostgresOffset.NO_STOPPING_OFFSET,
                    List.of(),
                    Map.of(),
                    0);

    @Test
    void aCheckpointWithoutTheStreamSplitCommitsNothing() throws Exception {
        Recorder inner = new Recorder();
        StreamSplitCommitFilter<Object> filter = new StreamSplitCommitFilter<>(inner);

        inner.state = List.of(SNAPSHOT);
        assertThat(filter.snapshotState(1)).containsExactly(SNAPSHOT);
        inner.state = List.of(STREAM);
        filter.snapshotState(2);
        filter.snapshotState(3);
        inner.state = List.of();
        filter.snapshotState(4);

        filter.notifyCheckpointComplete(1); // taken in the snapshot phase, completed later
        filter.notifyCheckpointComplete(3); // subsumes 2
        filter.notifyCheckpointComplete(2); // late, already subsumed
        filter.notifyCheckpointComplete(4); // the stream split was gone by then

        assertThat(inner.completed).containsExactly(3L);
    }

    /** Flink CDC's reader as far as the filter sees it: its state and the notifications. */
    private static final class Recorder implements SourceReader<Object, SourceSplitBase> {
        List<SourceSplitBase> state = List.of();
        final List<Long> completed = new ArrayList<>();

        @Override
        public void start() {}

        @Override
        public InputStatus pollNext(ReaderOutput<Object> output) {
            return InputStatus.NOTHING_AVAILABLE;
        }

        @Override
        public List<SourceSplitBase> snapshotState(long checkpointId) {
            return state;
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            return new CompletableFuture<>();
        }

        @Override
        public void addSplits(List<SourceSplitBase> splits) {}

        @Override
        public void notifyNoMoreSplits() {}

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            completed.add(checkpointId);
        }

        @Override
        public void close() {}
    }
}
