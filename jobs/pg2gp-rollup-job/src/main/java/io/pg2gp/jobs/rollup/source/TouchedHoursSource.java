package io.pg2gp.jobs.rollup.source;

import io.pg2gp.connector.warehouse.TouchedRowsQueries;
import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;

import java.time.Duration;

/**
 * The hours the ingest job's commits touched (epoch millis), from {@code touched_hours}; {@code
 * ±infinity} arrives as {@link Long#MAX_VALUE} / {@link Long#MIN_VALUE}, which the recompute
 * ignores and counts like any hour outside {@code rollup.hour-range}.
 */
public final class TouchedHoursSource extends TouchedRowsSource<Long> {

    private static final long serialVersionUID = 1L;

    /**
     * @param bookkeepingSchema schema of the ingest job's bookkeeping (its touched hours)
     * @param factTable qualified fact table whose touched hours to read
     */
    public TouchedHoursSource(
            WarehouseConnectionOptions connection,
            String bookkeepingSchema,
            String factTable,
            Duration pollInterval) {
        super(
                connection,
                bookkeepingSchema,
                TouchedRowsQueries::hours,
                factTable,
                null,
                pollInterval);
    }
}
