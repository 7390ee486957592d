package io.pg2gp.connector.gpfdist.internal;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;

/**
 * Accepts connections and hands each to a {@link ConnectionHandler} thread, at most {@code
 * maxConnections} at a time. At the cap it stops accepting: further segments wait in the listen
 * backlog until a connection ends, instead of being refused (a refused GET fails the statement).
 *
 * <p>One peer (IP address) holds at most {@code maxPerPeer} of them: a connection beyond that is
 * closed as soon as it is accepted, so a single host that opens connections and sends nothing (or a
 * byte now and then) cannot take every slot from the segments.
 */
@Internal
public final class Acceptor implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Acceptor.class);

    private final ServerSocketChannel listener;
    private final Semaphore permits;
    private final Executor workers;
    private final ServingContext ctx;
    private final Set<ConnectionHandler> live;
    private final int maxPerPeer;
    private final Map<InetAddress, Integer> perPeer = new ConcurrentHashMap<>();

    public Acceptor(
            ServerSocketChannel listener,
            int maxConnections,
            int maxPerPeer,
            Executor workers,
            ServingContext ctx,
            Set<ConnectionHandler> live) {
        this.listener = listener;
        this.permits = new Semaphore(maxConnections);
        this.workers = workers;
        this.ctx = ctx;
        this.live = live;
        this.maxPerPeer = maxPerPeer;
    }

    @Override
    public void run() {
        while (listener.isOpen()) {
            try {
                permits.acquire();
            } catch (InterruptedException e) {
                return; // shutdown
            }
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (ClosedChannelException e) {
                permits.release();
                return; // shutdown
            } catch (IOException e) {
                permits.release();
                LOG.warn("gpfdist accept failed: {}", e.toString());
                pauseAfterFailure();
                continue;
            }
            handOver(channel);
        }
    }

    private void handOver(SocketChannel channel) {
        InetAddress peer = peerOf(channel);
        boolean[] admitted = {false};
        perPeer.compute(
                peer,
                (p, open) -> {
                    int n = open == null ? 0 : open;
                    if (n >= maxPerPeer) {
                        return open;
                    }
                    admitted[0] = true;
                    return n + 1;
                });
        if (!admitted[0]) {
            refuse(channel, peer);
            permits.release();
            return;
        }
        Runnable done =
                () -> {
                    perPeer.computeIfPresent(peer, (p, n) -> n <= 1 ? null : n - 1);
                    permits.release();
                };
        ConnectionHandler[] self = new ConnectionHandler[1];
        self[0] =
                new ConnectionHandler(
                        channel,
                        ctx,
                        () -> {
                            live.remove(self[0]);
                            done.run();
                        });
        live.add(self[0]);
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            workers.execute(self[0]);
        } catch (IOException | RejectedExecutionException e) {
            live.remove(self[0]);
            self[0].close();
            done.run();
        }
    }

    private void refuse(SocketChannel channel, InetAddress peer) {
        long n = ctx.counters().refusedConnections.sum();
        ctx.counters().refusedConnections.increment();
        if (n % 1000 == 0) { // the first, then every 1000th: a flood must not flood the log
            LOG.warn(
                    "gpfdist: closing a connection from {}: it has {} open already"
                            + " (max-connections-per-peer); {} refused so far",
                    peer,
                    maxPerPeer,
                    n + 1);
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closed or not, it is not served
        }
    }

    private static InetAddress peerOf(SocketChannel channel) {
        try {
            if (channel.getRemoteAddress() instanceof InetSocketAddress a) {
                return a.getAddress();
            }
        } catch (IOException ignored) {
            // already gone: counted under the unknown peer, ends at once
        }
        return InetAddress.getLoopbackAddress();
    }

    /** Keeps a persistent accept error (e.g. out of file descriptors) from spinning a core. */
    private static void pauseAfterFailure() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
