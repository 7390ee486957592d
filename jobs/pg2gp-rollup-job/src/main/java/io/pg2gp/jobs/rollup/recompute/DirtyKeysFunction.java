package io.pg2gp.jobs.rollup.recompute;

import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.connector.warehouse.WarehouseSession;

import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
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
 * Collects dirty keys (hours, users) in state and, one poll interval after the first of them
 * arrived, recomputes all pending keys (in transactions of at most {@code maxKeys} keys). Pending
 * keys and the timer are checkpointed with the source's offsets, so a failure before a recompute
 * committed repeats it after the restore; repeating one is harmless.
 *
 * <p>Every {@value #VACUUM_EVERY_RECOMPUTES} recomputes it VACUUMs the recomputed tables between
 * two recomputes (Greenplum has no autovacuum, and every recompute rewrites its keys' rows); a role
 * that may not vacuum them gets one WARN and the job goes on.
 *
 * <p>Run it with {@link Operator}, which sets the pending gauges from the restored keys.
 *
 * @param <K> the key kind; its state holds {@code key -> when it became pending}
 */
public class DirtyKeysFunction<K extends Comparable<K>>
        extends KeyedProcessFunction<Integer, K, Long> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DirtyKeysFunction.class);

    /** About every 100 s at the default poll interval of 5 s, as the ingest job's housekeeping. */
    static final int VACUUM_EVERY_RECOMPUTES = 20;

    private final WarehouseConnectionOptions connection;
    private final KeyRecomputer<K> recomputer;
    private final long delayMillis;
    private final int maxKeys;
    private final String stateName;
    private final TypeInformation<K> keyType;
    private final String unit;

    private transient MapStateDescriptor<K, Long> pendingDescriptor;
    private transient MapState<K, Long> pending;
    private transient ValueState<Long> timer;
    private transient WarehouseSession session;
    private transient Counter recomputedKeys;
    private transient Counter recomputes;
    private transient volatile long pendingCount;
    private transient volatile long oldestPendingSince;
    private transient volatile long lastRecomputeMillis;
    private transient volatile long lastRowsRead;
    private transient int recomputesSinceVacuum;
    private transient Set<String> warned;

    /**
     * @param stateName name of the pending keys' map state (part of the savepoint format)
     * @param unit the keys in metric names: {@code pg2gpDirty<unit>Pending}, {@code
     *     pg2gpRecomputed<unit>}
     */
    public DirtyKeysFunction(
            WarehouseConnectionOptions connection,
            KeyRecomputer<K> recomputer,
            long delayMillis,
            int maxKeys,
            String stateName,
            TypeInformation<K> keyType,
            String unit) {
        this.connection = connection;
        this.recomputer = recomputer;
        this.delayMillis = delayMillis;
        this.maxKeys = maxKeys;
        this.stateName = stateName;
        this.keyType = keyType;
        this.unit = unit;
    }

    @Override
    public void open(Configuration parameters) throws Exception {
        session = new WarehouseSession(connection, "pg2gp rollup recompute");
        warned = new HashSet<>();
        pendingDescriptor = new MapStateDescriptor<>(stateName, keyType, Types.LONG);
        pending = getRuntimeContext().getMapState(pendingDescriptor);
        timer = getRuntimeContext().getState(new ValueStateDescriptor<>("timer", Types.LONG));
        var metrics = getRuntimeContext().getMetricGroup();
        recomputedKeys = metrics.counter("pg2gpRecomputed" + unit);
        recomputes = metrics.counter("pg2gpRecomputes");
        metrics.gauge("pg2gpDirty" + unit + "Pending", () -> pendingCount);
        metrics.gauge(
                "pg2gpOldestPendingAgeMillis",
                () ->
                        oldestPendingSince == 0
                                ? 0
                                : System.currentTimeMillis() - oldestPendingSince);
        metrics.gauge("pg2gpRecomputeMillis", () -> lastRecomputeMillis);
        metrics.gauge("pg2gpRowsReadPerRecompute", () -> lastRowsRead);
    }

    /** Whether {@code key} is recomputed at all; the others are dropped (and counted by them). */
    protected boolean accept(K key) {
        return true;
    }

    @Override
    public void processElement(K key, Context ctx, Collector<Long> out) throws Exception {
        if (!accept(key)) {
            return;
        }
        long now = ctx.timerService().currentProcessingTime();
        if (!pending.contains(key)) {
            pending.put(key, now);
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

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Long> out) throws Exception {
        timer.clear();
        TreeMap<K, Long> keys = new TreeMap<>();
        for (Map.Entry<K, Long> e : pending.entries()) {
            keys.put(e.getKey(), e.getValue());
        }
        List<K> chunk = new ArrayList<>();
        for (K k : keys.keySet()) {
            chunk.add(k);
            if (chunk.size() == maxKeys) {
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
            LOG.warn("vacuum of the recomputed tables failed; the job goes on: {}", e.getMessage());
            session.discard();
        }
    }

    /**
     * Sets the pending gauges from the keyed state (after a restore, the restored keys and when
     * they became pending). Called once the state is open, before any input.
     */
    void countPending(KeyedStateBackend<Integer> backend) throws Exception {
        long[] countAndOldest = {0, 0};
        backend.applyToAllKeys(
                VoidNamespace.INSTANCE,
                VoidNamespaceSerializer.INSTANCE,
                pendingDescriptor,
                (key, keys) -> {
                    for (Long since : keys.values()) {
                        countAndOldest[0]++;
                        if (countAndOldest[1] == 0 || since < countAndOldest[1]) {
                            countAndOldest[1] = since;
                        }
                    }
                });
        pendingCount = countAndOldest[0];
        oldestPendingSince = countAndOldest[1];
    }

    private void recompute(List<K> keys) throws Exception {
        KeyRecomputer.Recomputed r;
        try {
            r = recomputer.recompute(session.get(), keys);
        } catch (SQLException e) {
            session.discard();
            throw e; // the job restarts and recomputes the pending keys again
        }
        for (K k : keys) {
            pending.remove(k);
        }
        recomputes.inc();
        recomputedKeys.inc(r.keys());
        lastRecomputeMillis = r.millis();
        lastRowsRead = r.factRowsRead();
        LOG.debug(
                "recomputed {} {}: {} fact rows read, {} rows written in {} ms",
                r.keys(),
                unit.toLowerCase(java.util.Locale.ROOT),
                r.factRowsRead(),
                r.rowsWritten(),
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
     * counts the restored pending keys, so {@code pg2gpDirty<unit>Pending} and {@code
     * pg2gpOldestPendingAgeMillis} are right from the restore on; a function cannot iterate its
     * keyed state itself. State names and layout are the function's, unchanged, so savepoints of
     * the plain {@link KeyedProcessOperator} restore.
     */
    public static class Operator<K extends Comparable<K>>
            extends KeyedProcessOperator<Integer, K, Long> {

        private static final long serialVersionUID = 1L;

        public Operator(DirtyKeysFunction<K> function) {
            super(function);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void open() throws Exception {
            super.open();
            ((DirtyKeysFunction<K>) userFunction).countPending(getKeyedStateBackend());
        }
    }
}
