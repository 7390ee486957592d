package io.pg2gp.jobs.rollup.recompute;

import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.connector.warehouse.WarehouseSession;

import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.util.Collector;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Collects dirty hours in state and, one poll interval after the first of them arrived, recomputes
 * all pending hours of every rollup (in transactions of at most {@code maxHours} hours). Pending
 * hours and the timer are checkpointed with the source's offsets, so a failure before a recompute
 * committed repeats it after the restore; repeating one is harmless.
 *
 * <p>Every {@value #VACUUM_EVERY_RECOMPUTES} recomputes it VACUUMs the rollup tables between two
 * recomputes (Greenplum has no autovacuum, and every recompute rewrites its hours' rows); a role
 * that may not vacuum them gets one WARN and the job goes on.
 *
 * <p>Run it with {@link Operator}, which sets the pending gauges from the restored hours.
 */
public final class DirtyHoursFunction extends KeyedProcessFunction<Integer, Long, Long> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DirtyHoursFunction.class);

    /** About every 100 s at the default poll interval of 5 s, as the ingest job's housekeeping. */
    static final int VACUUM_EVERY_RECOMPUTES = 20;

    private final WarehouseConnectionOptions connection;
    private final RollupRecomputer recomputer;
    private final long delayMillis;
    private final int maxHours;
    private final RollupHourRange hourRange;

    private transient MapStateDescriptor<Long, Long> pendingDescriptor;
    private transient MapState<Long, Long> pending;
    private transient ValueState<Long> timer;
    private transient WarehouseSession session;
    private transient Counter recomputedHours;
    private transient Counter recomputes;
    private transient Counter hoursOutOfRange;
    private transient volatile long pendingCount;
    private transient volatile long oldestPendingSince;
    private transient volatile long lastRecomputeMillis;
    private transient volatile long lastRowsRead;
    private transient int recomputesSinceVacuum;
    private transient Set<String> warned;

    public DirtyHoursFunction(
            WarehouseConnectionOptions connection,
            RollupRecomputer recomputer,
            long delayMillis,
            int maxHours,
            RollupHourRange hourRange) {
        this.connection = connection;
        this.recomputer = recomputer;
        this.delayMillis = delayMillis;
        this.maxHours = maxHours;
        this.hourRange = hourRange;
    }

    @Override
    public void open(Configuration parameters) {
        session = new WarehouseSession(connection, "pg2gp rollup recompute");
        warned = new HashSet<>();
        pendingDescriptor = new MapStateDescriptor<>("dirty-hours", Types.LONG, Types.LONG);
        pending = getRuntimeContext().getMapState(pendingDescriptor);
        timer = getRuntimeContext().getState(new ValueStateDescriptor<>("timer", Types.LONG));
        var metrics = getRuntimeContext().getMetricGroup();
        recomputedHours = metrics.counter("pg2gpRecomputedHours");
        recomputes = metrics.counter("pg2gpRecomputes");
        hoursOutOfRange = metrics.counter("pg2gpHoursOutOfRange");
        metrics.gauge("pg2gpDirtyHoursPending", () -> pendingCount);
        metrics.gauge(
                "pg2gpOldestPendingAgeMillis",
                () ->
                        oldestPendingSince == 0
                                ? 0
                                : System.currentTimeMillis() - oldestPendingSince);
        metrics.gauge("pg2gpRecomputeMillis", () -> lastRecomputeMillis);
        metrics.gauge("pg2gpRowsReadPerRecompute", () -> lastRowsRead);
    }

    @Override
    public void processElement(Long hour, Context ctx, Collector<Long> out) throws Exception {
        if (!hourRange.contains(hour)) {
            ignore(hour);
            return;
        }
        long now = ctx.timerService().currentProcessingTime();
        if (!pending.contains(hour)) {
            pending.put(hour, now);
            pendingCount++;
            if (oldestPendingSince == 0) {
                oldestPendingSince = now;
            }
        }
        if (timer.value() == null) {
            long at = now + delayMillis;
            ctx.timerService().registerProcessingTimeTimer(at);
            timer.update(at);
        }
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

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Long> out) throws Exception {
        timer.clear();
        TreeMap<Long, Long> hours = new TreeMap<>();
        for (Map.Entry<Long, Long> e : pending.entries()) {
            hours.put(e.getKey(), e.getValue());
        }
        List<Long> chunk = new ArrayList<>();
        for (Long h : hours.keySet()) {
            chunk.add(h);
            if (chunk.size() == maxHours) {
                recompute(chunk);
                chunk.clear();
            }
        }
        if (!chunk.isEmpty()) {
            recompute(chunk);
        }
        pendingCount = 0;
        oldestPendingSince = 0;
        if (++recomputesSinceVacuum >= VACUUM_EVERY_RECOMPUTES) {
            recomputesSinceVacuum = 0;
            vacuum();
        }
    }

    private void vacuum() {
        long start = System.nanoTime();
        try {
            List<String> vacuumed =
                    recomputer.vacuum(
                            session.get(),
                            (statement, why) -> {
                                if (warned.add(statement)) {
                                    LOG.warn("{} did not run: {}", statement, why);
                                }
                            });
            LOG.info("vacuumed {} in {} ms", vacuumed, (System.nanoTime() - start) / 1_000_000);
        } catch (SQLException e) {
            LOG.warn("vacuum of the rollup tables failed; the job goes on: {}", e.getMessage());
            session.discard();
        }
    }

    /**
     * Sets the pending gauges from the keyed state (after a restore, the restored hours and when
     * they became pending). Called once the state is open, before any input.
     */
    void countPending(KeyedStateBackend<Integer> backend) throws Exception {
        long[] countAndOldest = {0, 0};
        backend.applyToAllKeys(
                VoidNamespace.INSTANCE,
                VoidNamespaceSerializer.INSTANCE,
                pendingDescriptor,
                (key, hours) -> {
                    for (Long since : hours.values()) {
                        countAndOldest[0]++;
                        if (countAndOldest[1] == 0 || since < countAndOldest[1]) {
                            countAndOldest[1] = since;
                        }
                    }
                });
        pendingCount = countAndOldest[0];
        oldestPendingSince = countAndOldest[1];
    }

    private void recompute(List<Long> hours) throws Exception {
        RollupRecomputer.Result r;
        try {
            r = recomputer.recompute(session.get(), HourRanges.of(hours));
        } catch (SQLException e) {
            session.discard();
            throw e; // the job restarts and recomputes the pending hours again
        }
        for (Long h : hours) {
            pending.remove(h);
        }
        recomputes.inc();
        recomputedHours.inc(r.hours());
        lastRecomputeMillis = r.millis();
        lastRowsRead = r.factRowsRead();
        LOG.debug(
                "recomputed {} hours: {} fact rows read, {} rollup rows in {} ms",
                r.hours(),
                r.factRowsRead(),
                r.rollupRowsWritten(),
                r.millis());
    }

    @Override
    public void close() {
        if (session != null) {
            session.close();
        }
    }

    /**
     * The operator the job runs this function with: once the function has opened its state it
     * counts the restored pending hours (one key, a handful of hours), so {@code
     * pg2gpDirtyHoursPending} and {@code pg2gpOldestPendingAgeMillis} are right from the restore
     * on; a function cannot iterate its keyed state itself. State names and layout are the
     * function's, unchanged, so savepoints of the plain {@link KeyedProcessOperator} restore.
     */
    public static final class Operator extends KeyedProcessOperator<Integer, Long, Long> {

        private static final long serialVersionUID = 1L;

        public Operator(DirtyHoursFunction function) {
            super(function);
        }

        @Override
        public void open() throws Exception {
            super.open();
            ((DirtyHoursFunction) userFunction).countPending(getKeyedStateBackend());
        }
    }
}
