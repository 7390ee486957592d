package io.pg2gp.jobs.rollup.source;

import io.pg2gp.connector.warehouse.TouchedRowsQueries;
import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;

import java.time.Duration;

/**
 * The key values (user ids, as text) the ingest job's commits touched, from {@code touched_keys},
 * each paired with the UTC days the same commit touched ({@code key|yyyy-mm-dd}, or the key alone
 * when the days are unknown: see {@link TouchedRowsQueries#keyDays}); with a sweep query, also the
 * keys whose stored results time has made stale, at every poll.
 */
public final class TouchedKeysSource extends TouchedRowsSource<String> {

    private static final long serialVersionUID = 1L;

    /**
     * @param bookkeepingSchema schema of the ingest job's bookkeeping (its touched keys)
     * @param factTable qualified fact table whose touched keys to read
     * @param sweep a query returning one column of keys to recompute at every poll, or null
     */
    public TouchedKeysSource(
            WarehouseConnectionOptions connection,
            String bookkeepingSchema,
            String factTable,
            String sweep,
            Duration pollInterval) {
        super(
                connection,
                bookkeepingSchema,
                TouchedRowsQueries::keyDays,
                factTable,
                sweep,
                pollInterval);
    }
}
