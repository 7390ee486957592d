package io.pg2gp.jobs.rollup.source;

import io.pg2gp.connector.warehouse.BookkeepingSchema;
import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;

import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The hours the ingest job's commits touched, read from the warehouse's {@code touched_hours}: an
 * unbounded source with one split whose offsets (last commit per ingest job) live in Flink state,
 * so a restart neither misses nor repeats a commit.
 */
public final class TouchedHoursSource
        implements Source<Long, TouchedHoursSplit, List<TouchedHoursSplit>> {

    private static final long serialVersionUID = 1L;

    private final WarehouseConnectionOptions connection;
    private final String bookkeepingSchema;
    private final String factTable;
    private final long pollMillis;

    /**
     * @param bookkeepingSchema schema of the ingest job's bookkeeping (its touched hours)
     * @param factTable qualified fact table whose touched hours to read
     */
    public TouchedHoursSource(
            WarehouseConnectionOptions connection,
            String bookkeepingSchema,
            String factTable,
            Duration pollInterval) {
        this.connection = connection;
        this.bookkeepingSchema = bookkeepingSchema;
        this.factTable = factTable;
        this.pollMillis = pollInterval.toMillis();
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SourceReader<Long, TouchedHoursSplit> createReader(SourceReaderContext context) {
        return new TouchedHoursReader(
                context,
                connection,
                new BookkeepingSchema(bookkeepingSchema),
                factTable,
                pollMillis);
    }

    @Override
    public SplitEnumerator<TouchedHoursSplit, List<TouchedHoursSplit>> createEnumerator(
            SplitEnumeratorContext<TouchedHoursSplit> context) {
        return new TouchedHoursEnumerator(context, List.of(new TouchedHoursSplit(Map.of())));
    }

    @Override
    public SplitEnumerator<TouchedHoursSplit, List<TouchedHoursSplit>> restoreEnumerator(
            SplitEnumeratorContext<TouchedHoursSplit> context, List<TouchedHoursSplit> state) {
        return new TouchedHoursEnumerator(context, state);
    }

    @Override
    public SimpleVersionedSerializer<TouchedHoursSplit> getSplitSerializer() {
        return TouchedHoursSplitSerializer.INSTANCE;
    }

    @Override
    public SimpleVersionedSerializer<List<TouchedHoursSplit>> getEnumeratorCheckpointSerializer() {
        return new EnumeratorStateSerializer();
    }
}
