package io.pg2gp.jobs.rollup.source;

import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;

import java.sql.ResultSet;
import java.time.Duration;

/** The hours the ingest job's commits touched (epoch millis), from {@code touched_hours}. */
public final class TouchedHoursSource extends TouchedRowsSource<Long> {

    private static final long serialVersionUID = 1L;

    /**
     * An hour as epoch millis; {@code ±infinity} (a fact row dated {@code 'infinity'}), which has
     * no epoch and fails a cast to bigint, as {@link Long#MAX_VALUE} / {@link Long#MIN_VALUE}, so
     * the recompute ignores and counts it like any hour outside {@code rollup.hour-range}.
     */
    static final String HOUR_MILLIS =
            "CASE WHEN isfinite(hour) THEN (extract(epoch FROM hour) * 1000)::bigint"
                    + " WHEN hour > 'epoch' THEN 9223372036854775807"
                    + " ELSE -9223372036854775808 END";

    /**
     * @param touchedHours qualified {@code touched_hours} table of the ingest job's bookkeeping
     * @param factTable qualified fact table whose touched hours to read
     */
    public TouchedHoursSource(
            WarehouseConnectionOptions connection,
            String touchedHours,
            String factTable,
            Duration pollInterval) {
        super(
                connection,
                touchedHours,
                factTable,
                HOUR_MILLIS,
                ResultSet::getLong,
                null,
                pollInterval);
    }
}
