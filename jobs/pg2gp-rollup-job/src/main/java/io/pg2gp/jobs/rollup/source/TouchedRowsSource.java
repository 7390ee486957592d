package io.pg2gp.jobs.rollup.source;

import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;

import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.Serializable;
import java.sql.ResultSet;
import java.sql.SQLException;
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

    /** Reads one value from a result column. */
    @FunctionalInterface
    public interface ValueReader<T> extends Serializable {
        T read(ResultSet rs, int column) throws SQLException;
    }

    private final WarehouseConnectionOptions connection;
    private final String touchedTable;
    private final String factTable;
    private final String valueExpression;
    private final ValueReader<T> values;
    private final String sweep;
    private final long pollMillis;

    /**
     * @param touchedTable qualified touched-rows table of the ingest job's bookkeeping
     * @param factTable qualified fact table whose touched rows to read
     * @param valueExpression the value each row emits, over the table's columns
     * @param sweep a query whose single column is emitted at every poll besides, or null
     */
    protected TouchedRowsSource(
            WarehouseConnectionOptions connection,
            String touchedTable,
            String factTable,
            String valueExpression,
            ValueReader<T> values,
            String sweep,
            Duration pollInterval) {
        this.connection = connection;
        this.touchedTable = touchedTable;
        this.factTable = factTable;
        this.valueExpression = valueExpression;
        this.values = values;
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
                touchedTable,
                factTable,
                valueExpression,
                values,
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
