package io.pg2gp.connector.gpfdist;

import java.time.Duration;
import java.util.Objects;

/** Immutable settings of a {@link GpfdistServer}; made by {@link GpfdistServer.Builder}. */
public final class GpfdistOptions {

    private final String bindAddress;
    private final String advertisedHost;
    private final int firstPort;
    private final int lastPort;
    private final int maxConnections;
    private final Duration readTimeout;
    private final int blockSize;
    private final boolean blockMetadata;
    private final String serverVersion;
    private final Duration shutdownGrace;

    GpfdistOptions(
            String bindAddress,
            String advertisedHost,
            int firstPort,
            int lastPort,
            int maxConnections,
            Duration readTimeout,
            int blockSize,
            boolean blockMetadata,
            String serverVersion,
            Duration shutdownGrace) {
        if (firstPort < 0 || lastPort > 65535 || firstPort > lastPort) {
            throw new IllegalArgumentException(
                    "bad port range " + firstPort + ".." + lastPort + " (0 = any free port)");
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be >= 1: " + maxConnections);
        }
        if (readTimeout.isNegative()
                || readTimeout.isZero()
                || readTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("readTimeout must be positive: " + readTimeout);
        }
        if (blockSize < 1 || blockSize > ServedBatch.MAX_BLOCK_SIZE) {
            throw new IllegalArgumentException("blockSize out of range: " + blockSize);
        }
        if (serverVersion.isEmpty()
                || !serverVersion.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("serverVersion must be printable ASCII");
        }
        if (shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("shutdownGrace must not be negative");
        }
        this.bindAddress = bindAddress;
        this.advertisedHost = Objects.requireNonNull(advertisedHost, "advertisedHost");
        this.firstPort = firstPort;
        this.lastPort = lastPort;
        this.maxConnections = maxConnections;
        this.readTimeout = readTimeout;
        this.blockSize = blockSize;
        this.blockMetadata = blockMetadata;
        this.serverVersion = serverVersion;
        this.shutdownGrace = shutdownGrace;
    }

    /** Address to listen on; null listens on every interface. */
    public String bindAddress() {
        return bindAddress;
    }

    /** Host name or address the segments use to reach this server (goes into the URL). */
    public String advertisedHost() {
        return advertisedHost;
    }

    /** First port tried; 0 (with {@link #lastPort()} 0) lets the system pick a free port. */
    public int firstPort() {
        return firstPort;
    }

    public int lastPort() {
        return lastPort;
    }

    /** Connections served at once; more wait in the listen backlog. */
    public int maxConnections() {
        return maxConnections;
    }

    /** How long a connection may stay silent before its request is complete (then 408). */
    public Duration readTimeout() {
        return readTimeout;
    }

    /** Block size of batches made with {@link GpfdistServer#newBatch()}. */
    public int blockSize() {
        return blockSize;
    }

    /** Whether each {@code D} frame is preceded by {@code F}, {@code O}, {@code L} frames. */
    public boolean blockMetadata() {
        return blockMetadata;
    }

    /** Value of the X-GPFDIST-VERSION response header. */
    public String serverVersion() {
        return serverVersion;
    }

    /** How long {@code close()} and {@code release()} let readers finish before cutting them. */
    public Duration shutdownGrace() {
        return shutdownGrace;
    }

    @Override
    public String toString() {
        return "GpfdistOptions{bind="
                + (bindAddress == null ? "*" : bindAddress)
                + ", advertisedHost="
                + advertisedHost
                + ", ports="
                + firstPort
                + ".."
                + lastPort
                + ", maxConnections="
                + maxConnections
                + ", readTimeout="
                + readTimeout
                + ", blockSize="
                + blockSize
                + ", blockMetadata="
                + blockMetadata
                + ", serverVersion="
                + serverVersion
                + ", shutdownGrace="
                + shutdownGrace
                + "}";
    }
}
