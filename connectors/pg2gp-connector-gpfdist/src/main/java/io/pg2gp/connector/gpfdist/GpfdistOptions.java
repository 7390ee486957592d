package io.pg2gp.connector.gpfdist;

import org.apache.flink.annotation.PublicEvolving;

import java.time.Duration;
import java.util.Objects;

/** Immutable settings of a {@link GpfdistServer}; made by {@link GpfdistServer.Builder}. */
@PublicEvolving
public final class GpfdistOptions {

    /** The bind address that listens on every interface. */
    public static final String ALL_INTERFACES = "*";

    private final String bindAddress;
    private final String advertisedHost;
    private final int firstPort;
    private final int lastPort;
    private final int maxConnections;
    private final int maxConnectionsPerPeer;
    private final Duration requestHeadTimeout;
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
            int maxConnectionsPerPeer,
            Duration requestHeadTimeout,
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
        if (maxConnectionsPerPeer < 1) {
            throw new IllegalArgumentException(
                    "maxConnectionsPerPeer must be >= 1: " + maxConnectionsPerPeer);
        }
        if (requestHeadTimeout.isNegative()
                || requestHeadTimeout.isZero()
                || requestHeadTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "requestHeadTimeout must be positive: " + requestHeadTimeout);
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
        this.maxConnectionsPerPeer = maxConnectionsPerPeer;
        this.requestHeadTimeout = requestHeadTimeout;
        this.blockSize = blockSize;
        this.blockMetadata = blockMetadata;
        this.serverVersion = serverVersion;
        this.shutdownGrace = shutdownGrace;
    }

    /**
     * Address to listen on as configured: null listens on the address {@link #advertisedHost()}
     * resolves to (the one the segments are told to use), {@value #ALL_INTERFACES} on every
     * interface.
     */
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

    /** Connections one peer (IP address) may have open; more are closed at once. */
    public int maxConnectionsPerPeer() {
        return maxConnectionsPerPeer;
    }

    /**
     * Time a connection has, from its accept, to send its whole request head (then 408 and closed,
     * before its path is looked at).
     */
    public Duration requestHeadTimeout() {
        return requestHeadTimeout;
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
                + (bindAddress == null ? "(advertised host)" : bindAddress)
                + ", advertisedHost="
                + advertisedHost
                + ", ports="
                + firstPort
                + ".."
                + lastPort
                + ", maxConnections="
                + maxConnections
                + ", maxConnectionsPerPeer="
                + maxConnectionsPerPeer
                + ", requestHeadTimeout="
                + requestHeadTimeout
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
