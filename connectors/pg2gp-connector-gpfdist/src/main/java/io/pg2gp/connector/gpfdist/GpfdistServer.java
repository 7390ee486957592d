package io.pg2gp.connector.gpfdist;

import io.pg2gp.connector.gpfdist.internal.Acceptor;
import io.pg2gp.connector.gpfdist.internal.ConnectionHandler;
import io.pg2gp.connector.gpfdist.internal.PathTokens;
import io.pg2gp.connector.gpfdist.internal.Publication;
import io.pg2gp.connector.gpfdist.internal.ServerCounters;
import io.pg2gp.connector.gpfdist.internal.ServingContext;

import org.apache.flink.annotation.PublicEvolving;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A gpfdist-compatible HTTP endpoint: Greenplum primary segments pull published batches from it in
 * parallel ({@code INSERT INTO staging SELECT * FROM ext}, where {@code ext} is a readable external
 * table with {@code LOCATION ('gpfdist://host:port/path')}). A Flink sink subtask embeds one.
 *
 * <p>Written on plain {@code java.nio} sockets, on purpose: the segment matches the {@code
 * X-GP-PROTO} response header case-sensitively, and a server that spells it {@code X-gp-proto} (as
 * the JDK's built-in HttpServer does, it normalises header case) silently drops the segment to
 * protocol 0, which cannot tell an error from the end of data. So every response byte is written
 * verbatim, as gpfdist writes it, and no third-party HTTP stack is needed for one GET per
 * connection.
 *
 * <p>Life of a batch: {@link #publish} it, put {@link #url} in the external table, run the load;
 * after the load committed, {@link #release} it (a retried statement is a new session and is served
 * everything again until then). {@link #fail} makes the current and later readers fail the
 * statement with {@code gpfdist error - <message>}.
 */
@PublicEvolving
public final class GpfdistServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GpfdistServer.class);
    private static final AtomicInteger SERVER_IDS = new AtomicInteger();

    private final GpfdistOptions options;
    private final ServerSocketChannel listener;
    private final int port;
    private final ConcurrentHashMap<String, Publication> publications = new ConcurrentHashMap<>();
    private final Set<ConnectionHandler> connections = ConcurrentHashMap.newKeySet();
    private final ServerCounters counters = new ServerCounters();
    private final GpfdistMetrics metrics = new GpfdistMetrics(counters);
    private final ExecutorService workers;
    private final Thread acceptThread;
    private final AtomicBoolean closed = new AtomicBoolean();

    private GpfdistServer(GpfdistOptions options, ServerSocketChannel listener) {
        this.options = options;
        this.listener = listener;
        this.port = listener.socket().getLocalPort();
        int id = SERVER_IDS.incrementAndGet();
        this.workers = Executors.newCachedThreadPool(daemonThreads("gpfdist-" + id + "-conn-"));
        ServingContext ctx =
                new ServingContext(
                        options.serverVersion(),
                        options.blockMetadata(),
                        (int) options.requestHeadTimeout().toMillis(),
                        counters,
                        publications::get);
        Acceptor acceptor =
                new Acceptor(
                        listener,
                        options.maxConnections(),
                        options.maxConnectionsPerPeer(),
                        workers,
                        ctx,
                        connections);
        this.acceptThread = daemonThreads("gpfdist-" + id + "-accept-").newThread(acceptor);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Binds the first free port of the configured range and starts accepting. */
    public static GpfdistServer start(GpfdistOptions options) throws IOException {
        GpfdistServer server = new GpfdistServer(options, bind(options));
        server.acceptThread.start();
        LOG.info(
                "gpfdist endpoint listening on {} as {}",
                server.listener.socket().getLocalSocketAddress(),
                server.baseUrl());
        return server;
    }

    private static ServerSocketChannel bind(GpfdistOptions options) throws IOException {
        InetAddress address = bindAddress(options);
        for (int p = options.firstPort(); p <= options.lastPort(); p++) {
            ServerSocketChannel channel = ServerSocketChannel.open();
            try {
                channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                channel.bind(new InetSocketAddress(address, p), 128);
                return channel;
            } catch (BindException e) {
                channel.close(); // taken: try the next one
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }
        throw new BindException(
                "no free port in " + options.firstPort() + ".." + options.lastPort());
    }

    /** The address to listen on; null = every interface. */
    static InetAddress bindAddress(GpfdistOptions options) throws UnknownHostException {
        String configured = options.bindAddress();
        if (configured == null) {
            // the interface the segments were told to use, and only that one
            return InetAddress.getByName(options.advertisedHost());
        }
        return GpfdistOptions.ALL_INTERFACES.equals(configured)
                ? null
                : InetAddress.getByName(configured);
    }

    /** A builder for a batch cut into blocks of the configured {@link GpfdistOptions#blockSize}. */
    public ServedBatch.Builder newBatch() {
        return ServedBatch.builder(options.blockSize());
    }

    /** Serves {@code batch} under a new unguessable path until it is released. */
    public PublishedBatch publish(ServedBatch batch) {
        if (closed.get()) {
            throw new IllegalStateException("gpfdist server is closed");
        }
        while (true) {
            String path = PathTokens.newPath();
            Publication publication = new Publication(path, batch);
            if (publications.putIfAbsent(path, publication) == null) {
                LOG.debug("published {} at {}", batch, path);
                return new PublishedBatch(publication, baseUrl() + path, batch);
            }
        }
    }

    /**
     * Serves {@code batch} under {@code path}, a path from {@link #newSecretPath()} that a caller
     * reuses batch after batch (a reusable external table has a fixed LOCATION). The previous batch
     * at that path must have been released.
     */
    public PublishedBatch publish(ServedBatch batch, String path) {
        if (closed.get()) {
            throw new IllegalStateException("gpfdist server is closed");
        }
        if (!PathTokens.isPath(path)) {
            throw new IllegalArgumentException("not a path from newSecretPath(): " + path);
        }
        Publication publication = new Publication(path, batch);
        if (publications.putIfAbsent(path, publication) != null) {
            throw new IllegalStateException(
                    "a batch is still published at " + path + "; release it first");
        }
        LOG.debug("published {} at {}", batch, path);
        return new PublishedBatch(publication, baseUrl() + path, batch);
    }

    /**
     * A new unguessable path such as {@code /k2b6...} for {@link #publish(ServedBatch, String)}.
     */
    public static String newSecretPath() {
        return PathTokens.newPath();
    }

    /** {@code gpfdist://<advertised-host>:<port>} followed by {@code path}. */
    public String url(String path) {
        return baseUrl() + path;
    }

    /** {@code gpfdist://<advertised-host>:<port>/<path>} of a published batch. */
    public String url(PublishedBatch batch) {
        return batch.url();
    }

    /**
     * Fails the batch: segments reading it get an {@code E} frame with {@code message} after their
     * current block, and so does any later GET, so the statement fails with {@code gpfdist error -
     * <message>}. The rows stay until {@link #release}.
     */
    public void fail(PublishedBatch batch, String message) {
        batch.publication().fail(message);
    }

    /**
     * Forgets the batch once its load committed: later requests get 404, and the rows are freed. A
     * reader still connected gets an {@code E} frame, and is cut after the shutdown grace.
     */
    public void release(PublishedBatch batch) {
        Publication publication = publications.remove(batch.path());
        if (publication != null) {
            publication.release(
                    "gpfdist batch " + batch.path() + " was released",
                    options.shutdownGrace().toMillis());
        }
    }

    public int port() {
        return port;
    }

    public GpfdistOptions options() {
        return options;
    }

    public GpfdistMetrics metrics() {
        return metrics;
    }

    /** Batches published and not yet released. */
    public int publishedBatches() {
        return publications.size();
    }

    /**
     * Stops accepting, fails every batch (readers get an {@code E} frame), waits up to the shutdown
     * grace for readers to finish, then cuts the rest.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        String message = "gpfdist endpoint " + baseUrl() + " is shutting down";
        publications.values().forEach(p -> p.fail(message));
        try {
            listener.close();
        } catch (IOException e) {
            LOG.debug("closing the gpfdist listener failed", e);
        }
        acceptThread.interrupt();
        workers.shutdown();
        long grace = options.shutdownGrace().toMillis();
        try {
            if (!workers.awaitTermination(grace, TimeUnit.MILLISECONDS)) {
                LOG.warn("cutting {} gpfdist connections still open", connections.size());
                new ArrayList<>(connections).forEach(ConnectionHandler::close);
                workers.shutdownNow();
                workers.awaitTermination(Math.max(grace, 1000), TimeUnit.MILLISECONDS);
            }
            acceptThread.join(Math.max(grace, 1000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        new ArrayList<>(publications.values()).forEach(p -> p.release(message, 0));
        publications.clear();
        LOG.info("gpfdist endpoint {} closed; {}", baseUrl(), metrics);
    }

    private String baseUrl() {
        String host = options.advertisedHost();
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            host = "[" + host + "]"; // IPv6 literal
        }
        return "gpfdist://" + host + ":" + port;
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Settings of a server; everything has a default except where noted. */
    public static final class Builder {
        private String bindAddress;
        private String advertisedHost;
        private int firstPort;
        private int lastPort;
        private int maxConnections = 64;
        private int maxConnectionsPerPeer = 32;
        private Duration requestHeadTimeout = Duration.ofSeconds(5);
        private int blockSize = ServedBatch.DEFAULT_BLOCK_SIZE;
        private boolean blockMetadata = true;
        private String serverVersion = "pg2gp-gpfdist 0.1";
        private Duration shutdownGrace = Duration.ofSeconds(2);

        private Builder() {}

        /**
         * Address to listen on. Default: the address the advertised host resolves to, i.e. the
         * interface the segments are told to connect to, and no other (a worker's other networks
         * never see the port). {@value GpfdistOptions#ALL_INTERFACES} listens on every interface.
         */
        public Builder bindAddress(String address) {
            this.bindAddress = address;
            return this;
        }

        /**
         * Host the segments connect to (default: the bind address if it is a specific one, else
         * this machine's host name).
         */
        public Builder advertisedHost(String host) {
            this.advertisedHost = host;
            return this;
        }

        /** Listen on the first free port in {@code [first, last]} (default: any free port). */
        public Builder portRange(int first, int last) {
            this.firstPort = first;
            this.lastPort = last;
            return this;
        }

        public Builder port(int port) {
            return portRange(port, port);
        }

        /** Connections served at once (default 64, the default gp_external_max_segs). */
        public Builder maxConnections(int max) {
            this.maxConnections = max;
            return this;
        }

        /**
         * Connections one peer (IP address) may have open at once (default 32: more than the
         * primary segments of one host read one batch with); more are closed at once, so one host
         * cannot take every slot.
         */
        public Builder maxConnectionsPerPeer(int max) {
            this.maxConnectionsPerPeer = max;
            return this;
        }

        /**
         * Deadline for the whole request head from the accept (default 5 s; a segment sends its
         * head in one packet right after connecting). A client that trickles bytes is cut then.
         */
        public Builder requestHeadTimeout(Duration timeout) {
            this.requestHeadTimeout = timeout;
            return this;
        }

        /** Block size of {@link GpfdistServer#newBatch()} batches (default 1 MiB). */
        public Builder blockSize(int bytes) {
            this.blockSize = bytes;
            return this;
        }

        /** Send {@code F}/{@code O}/{@code L} frames before each block, like gpfdist (default). */
        public Builder blockMetadata(boolean enabled) {
            this.blockMetadata = enabled;
            return this;
        }

        /** X-GPFDIST-VERSION value (default "pg2gp-gpfdist 0.1"). */
        public Builder serverVersion(String version) {
            this.serverVersion = version;
            return this;
        }

        /** Time readers get to finish on close and release (default 2 s). */
        public Builder shutdownGrace(Duration grace) {
            this.shutdownGrace = grace;
            return this;
        }

        public GpfdistOptions buildOptions() {
            return new GpfdistOptions(
                    bindAddress,
                    advertisedHost != null ? advertisedHost : defaultAdvertisedHost(),
                    firstPort,
                    lastPort,
                    maxConnections,
                    maxConnectionsPerPeer,
                    requestHeadTimeout,
                    blockSize,
                    blockMetadata,
                    serverVersion,
                    shutdownGrace);
        }

        public GpfdistServer start() throws IOException {
            return GpfdistServer.start(buildOptions());
        }

        private String defaultAdvertisedHost() {
            try {
                if (bindAddress != null
                        && !GpfdistOptions.ALL_INTERFACES.equals(bindAddress)
                        && !InetAddress.getByName(bindAddress).isAnyLocalAddress()) {
                    return bindAddress;
                }
                return InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                throw new IllegalStateException(
                        "cannot determine a host name to advertise; set advertisedHost", e);
            }
        }
    }
}
