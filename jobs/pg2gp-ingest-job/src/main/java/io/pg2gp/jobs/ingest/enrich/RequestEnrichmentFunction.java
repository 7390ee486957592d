package io.pg2gp.jobs.ingest.enrich;

import io.pg2gp.connector.cdc.ChangeOp;
import io.pg2gp.jobs.ingest.model.EnrichedRequest;
import io.pg2gp.jobs.ingest.model.SourceChange;
import io.pg2gp.jobs.ingest.model.SourceTable;
import io.pg2gp.jobs.ingest.model.UserRow;

import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
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

import java.util.ArrayList;
import java.util.List;

/**
 * Enriches {@code requests} changes with their user's attributes, keyed by user id. The user's
 * latest row lives in keyed state; {@code users} changes update it and emit nothing here (they go
 * to {@code users_dim} directly).
 *
 * <p>The snapshot reads tables in parallel chunks, so a request can arrive before its user. Such a
 * request waits (bounded by count and time); if the user does not come in time it is written
 * without user fields, counted, and remembered; when the user arrives every remembered request is
 * written again, enriched, with its own LSN, which replaces the earlier version in the warehouse.
 * Once a user is overdue, its further requests are written at once rather than waiting again, so
 * the added latency stays bounded by one wait. Changes of one user's requests leave in arrival
 * order, so a delete never overtakes the insert it deletes.
 *
 * <p>Run it with {@link Operator}, which counts the restored waiting changes for the {@code
 * pg2gpEnrichWaiting} gauge.
 */
public final class RequestEnrichmentFunction
        extends KeyedProcessFunction<String, SourceChange, EnrichedRequest> {

    private static final long serialVersionUID = 1L;

    private final EnrichmentSettings settings;

    private transient ValueState<UserRow> user;
    private transient ValueState<Long> userLsn;
    private transient ListState<PendingRequest> waiting;
    private transient ValueStateDescriptor<Integer> waitingCountDescriptor;
    private transient ValueState<Integer> waitingCount;
    private transient MapState<String, SourceChange> missed;
    private transient ValueState<Boolean> overdue;
    private transient DerivedColumns derived;
    private transient Counter enriched;
    private transient Counter missedCounter;
    private transient Counter repaired;
    private transient Counter malformed;

    /**
     * The changes waiting in this subtask's state, for the gauge: set from the restored state by
     * {@link #countWaiting} and then kept up to date here (only the task thread writes it).
     */
    private transient volatile long waitingTotal;

    public RequestEnrichmentFunction(EnrichmentSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(Configuration parameters) {
        user = getRuntimeContext().getState(new ValueStateDescriptor<>("user", UserRow.class));
        userLsn = getRuntimeContext().getState(new ValueStateDescriptor<>("user-lsn", Types.LONG));
        waiting =
                getRuntimeContext()
                        .getListState(new ListStateDescriptor<>("waiting", PendingRequest.class));
        waitingCountDescriptor = new ValueStateDescriptor<>("waiting-count", Types.INT);
        waitingCount = getRuntimeContext().getState(waitingCountDescriptor);
        MapStateDescriptor<String, SourceChange> missedDescriptor =
                new MapStateDescriptor<>(
                        "missed", Types.STRING, TypeInformation.of(SourceChange.class));
        missedDescriptor.enableTimeToLive(
                StateTtlConfig.newBuilder(settings.repairRetention()).build());
        missed = getRuntimeContext().getMapState(missedDescriptor);
        overdue =
                getRuntimeContext()
                        .getState(new ValueStateDescriptor<>("user-overdue", Types.BOOLEAN));
        derived = new DerivedColumns(settings.zone());
        var metrics = getRuntimeContext().getMetricGroup();
        enriched = metrics.counter("pg2gpEnriched");
        missedCounter = metrics.counter("pg2gpEnrichMissed");
        repaired = metrics.counter("pg2gpEnrichRepaired");
        malformed = metrics.counter("pg2gpMalformedResponse");
        metrics.gauge("pg2gpEnrichWaiting", () -> waitingTotal);
    }

    @Override
    public void processElement(SourceChange change, Context ctx, Collector<EnrichedRequest> out)
            throws Exception {
        if (change.table == SourceTable.USERS) {
            onUser(change, out);
            return;
        }
        if (change.op == ChangeOp.UNKNOWN
                || change.op == ChangeOp.TRUNCATE
                || change.rejectReason != null) {
            out.collect(build(change, null)); // becomes a dead letter at the sink
            return;
        }
        UserRow known = user.value();
        boolean mustWait = waitingCount.value() != null;
        if (known == null
                && !change.userKey().isEmpty()
                && change.op != ChangeOp.DELETE
                && overdue.value() == null) {
            mustWait = true;
        }
        if (mustWait) {
            enqueue(change, ctx, out);
            return;
        }
        emit(change, known, out);
    }

    private void onUser(SourceChange change, Collector<EnrichedRequest> out) throws Exception {
        if (change.op == ChangeOp.UNKNOWN
                || change.op == ChangeOp.TRUNCATE
                || change.rejectReason != null) {
            return; // the users sink dead-letters it
        }
        Long lsn = userLsn.value();
        if (lsn != null && change.lsn < lsn) {
            return; // an older version replayed; the state holds a newer one
        }
        if (change.op == ChangeOp.DELETE) {
            user.clear();
            userLsn.update(change.lsn);
            return;
        }
        user.update(change.user);
        userLsn.update(change.lsn);
        overdue.clear();
        drainWaiting(change.user, out);
        if (!missed.isEmpty()) {
            List<SourceChange> toRepair = new ArrayList<>();
            for (SourceChange m : missed.values()) {
                toRepair.add(m);
            }
            missed.clear();
            for (SourceChange m : toRepair) {
                out.collect(build(m, change.user));
                repaired.inc();
            }
        }
    }

    private void enqueue(SourceChange change, Context ctx, Collector<EnrichedRequest> out)
            throws Exception {
        Integer count = waitingCount.value();
        if (count == null) {
            count = 0;
            long now = ctx.timerService().currentProcessingTime();
            ctx.timerService().registerProcessingTimeTimer(now + settings.maxWait().toMillis());
        }
        waiting.add(new PendingRequest(change, ctx.timerService().currentProcessingTime()));
        waitingCount.update(count + 1);
        waitingTotal++;
        if (count + 1 >= settings.maxWaitingPerUser()) {
            drainWaiting(user.value(), out);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<EnrichedRequest> out)
            throws Exception {
        UserRow known = user.value();
        if (known == null && waitingCount.value() != null) {
            // The user is overdue: later requests go out at once until it arrives.
            overdue.update(true);
        }
        drainWaiting(known, out);
    }

    /** Emits every waiting change in arrival order, enriched when {@code known} is set. */
    private void drainWaiting(UserRow known, Collector<EnrichedRequest> out) throws Exception {
        Integer count = waitingCount.value();
        if (count == null) {
            return;
        }
        for (PendingRequest p : waiting.get()) {
            emit(p.change, known, out);
        }
        waiting.clear();
        waitingCount.clear();
        waitingTotal -= count;
    }

    /**
     * Sets the waiting count from the keyed state of this subtask (after a restore, also a rescaled
     * one, exactly the key groups it owns): the sum of every user's {@code waiting-count}. Called
     * once the state is open, before any input.
     */
    void countWaiting(KeyedStateBackend<String> backend) throws Exception {
        long[] total = {0};
        backend.applyToAllKeys(
                VoidNamespace.INSTANCE,
                VoidNamespaceSerializer.INSTANCE,
                waitingCountDescriptor,
                (userId, count) -> {
                    Integer n = count.value();
                    total[0] += n == null ? 0 : n;
                });
        waitingTotal = total[0];
    }

    private void emit(SourceChange change, UserRow known, Collector<EnrichedRequest> out)
            throws Exception {
        String requestId = change.request.id;
        // With the user known nothing of this key waits for repair (its arrival repaired and
        // cleared them), so the common path leaves the TTL map alone: every access of it runs
        // the heap backend's incremental TTL cleanup (15% of this operator's time in a profile).
        if (change.op == ChangeOp.DELETE) {
            missed.remove(requestId);
        } else if (known == null) {
            if (!change.userKey().isEmpty()) {
                missed.put(requestId, change);
            }
            missedCounter.inc();
        }
        out.collect(build(change, known));
    }

    private EnrichedRequest build(SourceChange change, UserRow known) {
        EnrichedRequest e = new EnrichedRequest();
        e.op = change.op;
        e.rawOp = change.rawOp;
        e.lsn = change.lsn;
        e.commitMicros = change.commitMicros;
        e.request = change.request;
        e.previousCreatedAtMicros = change.previousCreatedAtMicros;
        e.rejectReason = change.rejectReason;
        e.rawRow = change.rawRow;
        e.userKnown = known != null;
        if (known != null) {
            e.userEmail = known.email;
            e.userRole = known.role;
            enriched.inc();
        }
        if (change.op != ChangeOp.DELETE
                && change.rejectReason == null
                && !derived.fill(change.request, e)) {
            malformed.inc();
        }
        return e;
    }

    /**
     * The operator the job runs this function with. A gauge must read what the state holds, also
     * right after a restore, but a function cannot iterate its keyed state: this operator, once the
     * function has opened its state, counts the restored waiting changes of every key of this
     * subtask (a cheap pass over one small value per user with waiting changes); from then on the
     * function keeps the count per subtask. State names and layout are the function's, unchanged,
     * so savepoints of the plain {@link KeyedProcessOperator} restore into it.
     */
    public static final class Operator
            extends KeyedProcessOperator<String, SourceChange, EnrichedRequest> {

        private static final long serialVersionUID = 1L;

        public Operator(RequestEnrichmentFunction function) {
            super(function);
        }

        @Override
        public void open() throws Exception {
            super.open();
            ((RequestEnrichmentFunction) userFunction).countWaiting(getKeyedStateBackend());
        }
    }
}
