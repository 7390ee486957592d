package io.pg2gp.connector.gpfdist.internal;

import org.apache.flink.annotation.Internal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Counters the connection handlers update; read through {@code GpfdistMetrics}. */
@Internal
public final class ServerCounters {
    public final LongAdder bytesServed = new LongAdder();
    public final LongAdder rowsServed = new LongAdder();
    public final LongAdder blocksServed = new LongAdder();
    public final LongAdder sessions = new LongAdder();
    public final LongAdder getRequests = new LongAdder();
    public final LongAdder errors = new LongAdder();
    public final LongAdder headTimeouts = new LongAdder();
    public final LongAdder refusedConnections = new LongAdder();
    public final AtomicInteger activeConnections = new AtomicInteger();
}
