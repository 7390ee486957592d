package io.pg2gp.connector.warehouse;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * Where each sink subtask's gpfdist endpoint listens and how Greenplum segments reach it. Every
 * subtask binds the first free port of the range on its own worker, so the range must hold at least
 * as many ports as subtasks run on one worker.
 */
@PublicEvolving
public final class GpfdistLoaderOptions implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Any free port, listening on the address of the advertised host (the worker's name). */
    public static final GpfdistLoaderOptions DEFAULTS = builder().build();

    private final String bindAddress;
    private final String advertisedHost;
    private final int firstPort;
    private final int lastPort;
    private final int blockBytes;
    private final int maxConnectionsPerPeer;
    private final Duration requestHeadTimeout;

    private GpfdistLoaderOptions(Builder b) {
        if (b.firstPort < 0 || b.lastPort > 65535 || b.firstPort > b.lastPort) {
            throw new IllegalArgumentException(
                    "gpfdist port range " + b.firstPort + ".." + b.lastPort + " is invalid");
        }
        if (b.blockBytes < 64 << 10 || b.blockBytes > 16 << 20) {
            throw new IllegalArgumentException(
                    "gpfdist block size must be between 64 KiB and 16 MiB, got " + b.blockBytes);
        }
        if (b.maxConnectionsPerPeer < 1) {
            throw new IllegalArgumentException(
                    "gpfdist max connections per peer must be positive, got "
                            + b.maxConnectionsPerPeer);
        }
        if (b.requestHeadTimeout.isNegative()
                || b.requestHeadTimeout.toMillis() < 100
                || b.requestHeadTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "gpfdist request head timeout must be at least 100ms, got "
                            + b.requestHeadTimeout);
        }
        this.bindAddress = b.bindAddress;
        this.advertisedHost = b.advertisedHost;
        this.firstPort = b.firstPort;
        this.lastPort = b.lastPort;
        this.blockBytes = b.blockBytes;
        this.maxConnectionsPerPeer = b.maxConnectionsPerPeer;
        this.requestHeadTimeout = b.requestHeadTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Address to listen on; null = the address the advertised host resolves to (the interface the
     * segments use, and no other); {@code *} = every interface.
     */
    public String bindAddress() {
        return bindAddress;
    }

    /** Host name or address the segments connect to; null = the worker's host name. */
    public String advertisedHost() {
        return advertisedHost;
    }

    public int firstPort() {
        return firstPort;
    }

    public int lastPort() {
        return lastPort;
    }

    /** Rows are handed to the segments in blocks of about this many bytes. */
    public int blockBytes() {
        return blockBytes;
    }

    /** Connections one peer (IP address) may have open at once; more are closed at once. */
    public int maxConnectionsPerPeer() {
        return maxConnectionsPerPeer;
    }

    /** Deadline for a connection's whole request head, from its accept. */
    public Duration requestHeadTimeout() {
        return requestHeadTimeout;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GpfdistLoaderOptions other
                && Objects.equals(bindAddress, other.bindAddress)
                && Objects.equals(advertisedHost, other.advertisedHost)
                && firstPort == other.firstPort
                && lastPort == other.lastPort
                && blockBytes == other.blockBytes
                && maxConnectionsPerPeer == other.maxConnectionsPerPeer
                && requestHeadTimeout.equals(other.requestHeadTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                bindAddress,
                advertisedHost,
                firstPort,
                lastPort,
                blockBytes,
                maxConnectionsPerPeer,
                requestHeadTimeout);
    }

    @Override
    public String toString() {
        return "GpfdistLoaderOptions{bind="
                + bindAddress
                + ", advertised="
                + advertisedHost
                + ", ports="
                + firstPort
                + ".."
                + lastPort
                + ", block="
                + blockBytes
                + ", maxConnectionsPerPeer="
                + maxConnectionsPerPeer
                + ", requestHeadTimeout="
                + requestHeadTimeout
                + '}';
    }

    /** Builds {@link GpfdistLoaderOptions}; everything has a default. */
    public static final class Builder {
        private String bindAddress;
        private String advertisedHost;
        private int firstPort;
        private int lastPort;
        private int blockBytes = 1 << 20;
        private int maxConnectionsPerPeer = 32;
        private Duration requestHeadTimeout = Duration.ofSeconds(5);

        private Builder() {}

        public Builder bindAddress(String address) {
            this.bindAddress = address;
            return this;
        }

        public Builder advertisedHost(String host) {
            this.advertisedHost = host;
            return this;
        }

        /** First free port in {@code [first, last]}; 0..0 = any free port (the default). */
        public Builder portRange(int first, int last) {
            this.firstPort = first;
            this.lastPort = last;
            return this;
        }

        public Builder blockBytes(int bytes) {
            this.blockBytes = bytes;
            return this;
        }

        public Builder maxConnectionsPerPeer(int max) {
            this.maxConnectionsPerPeer = max;
            return this;
        }

        public Builder requestHeadTimeout(Duration timeout) {
            this.requestHeadTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        public GpfdistLoaderOptions build() {
            return new GpfdistLoaderOptions(this);
        }
    }
}
