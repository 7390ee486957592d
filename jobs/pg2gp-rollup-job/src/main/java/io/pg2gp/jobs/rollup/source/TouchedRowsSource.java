package io.pg2gp.jobs.rollup.source;

import io.pg2gp.connector.warehouse.BookkeepingSchema;
import io.pg2gp.connector.warehouse.TouchedRowsQueries;
import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;

import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.util.function.SerializableFunction;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the ingest job's commits touched, read from one of the warehouse's touched-rows tables
 * ({@code touched_hours}, {@code touched_keys}): an unbounded source with one split whose offsets
 * (last commit per ingest job) live in Flink state, so a restart neither misses nor repeats a
 * commit.
 */
public class TouchedRowsSource<T> implements Source<T, TouchedHoursSplit, List<TouchedHoursSplit>> {

    private static final long serialVersionUID = 1L;

    private final WarehouseConnectionOptions connection;
    private final String bookkeepingSchema;
    private final SerializableFunction<BookkeepingSchema, TouchedRowsQueries<T>> queries;
    private final String factTable;
    private final String sweep;
    private final long pollMillis;

    /**
     * @param bookkeepingSchema schema of the ingest job's bookkeeping
     * @param queries which of its touched-rows tables to read ({@link TouchedRowsQueries#hours},
     *     {@link TouchedRowsQueries#keys})
     * @param factTable qualified fact table whose touched rows to read
     * @param sweep a query whose single column is emitted at every poll besides, or null
     */
    protected TouchedRowsSource(
            WarehouseConnectionOptions connection,
            String bookkeepingSchema,
            SerializableFunction<BookkeepingSchema, TouchedRowsQueries<T>> queries,
            String factTable,
            String sweep,
            Duration pollInterval) {
        this.connection = connection;
        this.bookkeepingSchema = bookkeepingSchema;
        this.queries = queries;
        this.factTable = factTable;
        this.sweep = sweep;
        this.pollMillis = pollInterval.toMillis();
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SourceReader<T, TouchedHoursSplit> createReader(SourceReaderContext context) {
        return new TouchedRowsReader<>(
                context,
                connection,
                queries.apply(new BookkeepingSchema(bookkeepingSchema)),
                factTable,
                sweep,
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
