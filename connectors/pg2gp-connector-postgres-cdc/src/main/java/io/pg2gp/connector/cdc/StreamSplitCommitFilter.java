package io.pg2gp.connector.cdc;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * Forwards a completed checkpoint to Flink CDC's reader only when that checkpoint holds this
 * reader's stream split, so the replication slot is only ever flushed to a checkpointed position.
 *
 * <p>Why: Flink CDC 3.5.0's {@code IncrementalSourceReaderWithCommit.notifyCheckpointComplete(n)}
 * commits the stream split offset it recorded at {@code snapshotState(n)}, or {@code null} when the
 * reader had no stream split then (checkpoint n was taken during the snapshot phase and completed
 * after streaming began). {@code PostgresStreamFetchTask.commitCurrentOffset(null)} then flushes
 * the stream's live {@code lsn_commit} to the slot: ahead of every completed checkpoint. A failure
 * before the next checkpoint restores an older position, PostgreSQL streams from the slot's {@code
 * confirmed_flush_lsn}, and the changes in between never arrive (seen as slot 0/1926D30 vs restored
 * 0/19266C8, docs/sql-connector.md). {@code PostgresSourceReader} commits checkpoint n only when
 * the notification of the checkpoint {@code scan.lsn-commit.checkpoints-num-delay} (default 3)
 * later arrives, which moves such a commit further into the stream phase. Skipping a checkpoint
 * without the stream split commits nothing; later checkpoints with it commit their own offsets.
 */
@PublicEvolving
final class StreamSplitCommitFilter<T> extends ForwardingSourceReader<T> {

    private static final Logger LOG = LoggerFactory.getLogger(StreamSplitCommitFilter.class);

    /** Checkpoints (not yet completed or subsumed) whose state holds the stream split. */
    private final NavigableSet<Long> withStreamSplit = new TreeSet<>();

    StreamSplitCommitFilter(SourceReader<T, SourceSplitBase> reader) {
        super(reader);
    }

    @Override
    public List<SourceSplitBase> snapshotState(long checkpointId) {
        List<SourceSplitBase> splits = reader.snapshotState(checkpointId);
        if (splits.stream().anyMatch(SourceSplitBase::isStreamSplit)) {
            withStreamSplit.add(checkpointId);
        }
        return splits;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        boolean held = withStreamSplit.contains(checkpointId);
        withStreamSplit.headSet(checkpointId, true).clear();
        if (held) {
            reader.notifyCheckpointComplete(checkpointId);
        } else {
            LOG.debug(
                    "checkpoint {} holds no stream split of this reader: nothing committed to the"
                            + " replication slot",
                    checkpointId);
        }
    }
}
