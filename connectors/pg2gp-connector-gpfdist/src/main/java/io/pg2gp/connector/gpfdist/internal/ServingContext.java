package io.pg2gp.connector.gpfdist.internal;

import org.apache.flink.annotation.Internal;

import java.util.function.Function;

/**
 * What every connection handler of one server shares.
 *
 * @param serverVersion value of the X-GPFDIST-VERSION header
 * @param blockMetadata send {@code F}, {@code O}, {@code L} frames before each {@code D}
 * @param headTimeoutMillis how long a connection has, from its accept, to send its whole request
 *     head
 * @param counters metrics
 * @param publications published batches by path (null when unknown or released)
 */
@Internal
public record ServingContext(
        String serverVersion,
        boolean blockMetadata,
        int headTimeoutMillis,
        ServerCounters counters,
        Function<String, Publication> publications) {}
