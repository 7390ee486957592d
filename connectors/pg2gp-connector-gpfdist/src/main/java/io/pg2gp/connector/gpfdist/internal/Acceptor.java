package io.pg2gp.connector.gpfdist.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;

/**
 * Accepts connections and hands each to a {@link ConnectionHandler} thread, at most {@code
 * maxConnections} at a time. At the cap it stops accepting: further segments wait in the listen
 * backlog until a connection ends, instead of being refused (a refused GET fails the statement).
 */
public final class Acceptor implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Acceptor.class);

    private final ServerSocketChannel listener;
    private final Semaphore permits;
    private final Executor workers;
    private final ServingContext ctx;
    private final Set<ConnectionHandler> live;

    public Acceptor(
            ServerSocketChannel listener,
            int maxConnections,
            Executor workers,
            ServingContext ctx,
            Set<ConnectionHandler> live) {
        this.listener = listener;
        this.permits = new Semaphore(maxConnections);
        this.workers = workers;
        this.ctx = ctx;
        this.live = live;
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
        ConnectionHandler[] self = new ConnectionHandler[1];
        self[0] =
                new ConnectionHandler(
                        channel,
                        ctx,
                        () -> {
                            live.remove(self[0]);
                            permits.release();
                        });
        live.add(self[0]);
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            workers.execute(self[0]);
        } catch (IOException | RejectedExecutionException e) {
            live.remove(self[0]);
            self[0].close();
            permits.release();
        }
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
