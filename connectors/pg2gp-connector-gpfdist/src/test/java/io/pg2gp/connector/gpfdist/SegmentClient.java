package io.pg2gp.connector.gpfdist;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Talks to the endpoint like Greenplum segments: one connection per GET, the request head sent in
 * one write, the answer read until the server closes. Timeouts here are safety nets only.
 */
final class SegmentClient {

    static final int SAFETY_TIMEOUT_MILLIS = 30_000;

    private SegmentClient() {}

    static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), SAFETY_TIMEOUT_MILLIS);
        socket.setSoTimeout(SAFETY_TIMEOUT_MILLIS);
        return socket;
    }

    static GpfdistResponse exchange(int port, byte[] request) {
        return GpfdistResponse.parse(exchangeRaw(port, request));
    }

    static byte[] exchangeRaw(int port, byte[] request) {
        try (Socket socket = connect(port)) {
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            return socket.getInputStream().readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends all requests at once, each on its own connection, as the segments of one statement do:
     * every connection is open before any request is sent.
     */
    static List<GpfdistResponse> concurrently(int port, List<byte[]> requests) {
        ExecutorService pool = Executors.newFixedThreadPool(requests.size());
        try {
            CountDownLatch connected = new CountDownLatch(requests.size());
            CountDownLatch go = new CountDownLatch(1);
            List<Future<byte[]>> answers = new ArrayList<>();
            for (byte[] request : requests) {
                answers.add(
                        pool.submit(
                                () -> {
                                    try (Socket socket = connect(port)) {
                                        connected.countDown();
                                        go.await();
                                        socket.getOutputStream().write(request);
                                        return socket.getInputStream().readAllBytes();
                                    }
                                }));
            }
            if (!connected.await(SAFETY_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                throw new AssertionError("clients could not connect");
            }
            go.countDown();
            List<GpfdistResponse> out = new ArrayList<>();
            for (Future<byte[]> answer : answers) {
                out.add(
                        GpfdistResponse.parse(
                                answer.get(SAFETY_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)));
            }
            return out;
        } catch (Exception e) {
            throw new AssertionError("concurrent GETs failed", e);
        } finally {
            pool.shutdownNow();
        }
    }
}
