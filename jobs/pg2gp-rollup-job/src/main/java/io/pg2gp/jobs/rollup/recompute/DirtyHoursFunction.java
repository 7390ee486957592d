package io.pg2gp.jobs.rollup.recompute;

import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dirty hours of the rollups: {@link DirtyKeysFunction} keyed by hour (epoch millis), under the
 * state name and metrics of the first release, so its savepoints restore. An hour outside {@code
 * rollup.hour-range.*} is never recomputed, only counted.
 */
public final class DirtyHoursFunction extends DirtyKeysFunction<Long> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DirtyHoursFunction.class);

    private final RollupHourRange hourRange;
    private transient Counter hoursOutOfRange;

    public DirtyHoursFunction(
            WarehouseConnectionOptions connection,
            RollupRecomputer recomputer,
            long delayMillis,
            int maxHours,
            RollupHourRange hourRange) {
        super(connection, recomputer, delayMillis, maxHours, "dirty-hours", Types.LONG, "Hours");
        this.hourRange = hourRange;
    }

    @Override
    public void open(Configuration parameters) throws Exception {
        super.open(parameters);
        hoursOutOfRange = getRuntimeContext().getMetricGroup().counter("pg2gpHoursOutOfRange");
    }

    @Override
    protected boolean accept(Long hour) {
        if (hourRange.contains(hour)) {
            return true;
        }
        ignore(hour);
        return false;
    }

    /** Counts an hour outside the range; logs the first ones and then every 1000th. */
    private void ignore(long hour) {
        hoursOutOfRange.inc();
        long n = hoursOutOfRange.getCount();
        if (n <= 10 || n % 1000 == 0) {
            LOG.warn(
                    "not recomputing hour {}: outside rollup.hour-range.* {} (the fact rows stay;"
                            + " {} such hours so far, metric pg2gpHoursOutOfRange)",
                    RollupHourRange.describe(hour),
                    hourRange,
                    n);
        }
    }

    /** The operator of the hourly rollups (see {@link DirtyKeysFunction.Operator}). */
    public static final class Operator extends DirtyKeysFunction.Operator<Long> {

        private static final long serialVersionUID = 1L;

        public Operator(DirtyHoursFunction function) {
            super(function);
        }
    }
}
