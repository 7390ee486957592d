package io.pg2gp.connector.cdc;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder.PostgresIncrementalSource;

/**
 * The Flink CDC source with a {@link HeartbeatWriter} in its first reader (when the options name a
 * heartbeat table) and every reader behind a {@link StreamSplitCommitFilter}: splits, state and
 * serializers are the wrapped source's own, so checkpoints and savepoints are unchanged.
 */
@PublicEvolving
final class HeartbeatingSource<T> extends CommitFilteredSource<T> {

    private static final long serialVersionUID = 1L;

    private final PostgresCdcOptions options;

    HeartbeatingSource(PostgresIncrementalSource<T> source, PostgresCdcOptions options) {
        super(source);
        this.options = options;
    }

    @Override
    public SourceReader<T, SourceSplitBase> createReader(SourceReaderContext context)
            throws Exception {
        SourceReader<T, SourceSplitBase> reader = super.createReader(context);
        // one writer per job: the first subtask's reader
        return context.getIndexOfSubtask() == 0 && options.heartbeatTable() != null
                ? new Reader<>(reader, options)
                : reader;
    }

    /** The wrapped reader, plus the heartbeat from its start to its close. */
    private static final class Reader<T> extends ForwardingSourceReader<T> {

        private final HeartbeatWriter heartbeat;

        Reader(SourceReader<T, SourceSplitBase> reader, PostgresCdcOptions options) {
            super(reader);
            this.heartbeat = new HeartbeatWriter(options);
        }

        @Override
        public void start() {
            reader.start();
            heartbeat.start();
        }

        @Override
        public void close() throws Exception {
            try {
                heartbeat.close();
            } finally {
                reader.close();
            }
        }
    }
}
