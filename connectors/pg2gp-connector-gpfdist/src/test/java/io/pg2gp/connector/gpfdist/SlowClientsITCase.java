package io.pg2gp.connector.gpfdist;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The probe, scaled down: 70 connections that send a byte every 500 ms (the old per-read
 * timeout never fired) while the segments of a statement read a batch. The segments must be served:
 * at once when the trickling connections come from another host (the per-peer cap leaves the
 * segments their slots), within the request head deadline when one host may take every slot.
 */
class SlowClientsITCase {

    private static final int TRICKLERS = 70;
    private static final int SEGMENTS = 8;

    private final List<Socket> tricklers = new ArrayList<>();
    private final ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void closeTricklers() throws IOException {
        trickle.shutdownNow();
        for (Socket s : tricklers) {
            s.close();
        }
    }

    /** Connections from {@code fromAddress} (a loopback address other than the segments') . */
    private void startTrickling(int port, String fromAddress) throws IOException {
        for (int i = 0; i < TRICKLERS; i++) {
            Socket s = new Socket();
            s.bind(new InetSocketAddress(fromAddress, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            tricklers.add(s);
        }
        byte[] request = "GET /guess HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII);
        int[] sent = {0};
        trickle.scheduleAtFixedRate(
                () -> {
                    byte b = request[sent[0]++ % request.length];
                    for (Socket s : tricklers) {
                        try {
                            s.getOutputStream().write(b);
                        } catch (IOException closedByTheServer) {
                            // expected once the server has cut it
                        }
                    }
                },
                0,
                500,
                TimeUnit.MILLISECONDS);
    }

    private static List<byte[]> statement(GpfdistServer server, PublishedBatch batch) {
        Capture template = Capture.load("A-select-csv");
        List<byte[]> requests = new ArrayList<>();
        for (int g = 0; g < SEGMENTS; g++) {
            byte[] r = template.request(0, batch.path(), server.port());
            r = Capture.withHeader(r, "X-GP-XID", "70-1");
            requests.add(Capture.withHeader(r, "X-GP-SEGMENT-ID", String.valueOf(g)));
        }
        return requests;
    }

    private static ServedBatch rows(int n) {
        ServedBatch.Builder b = ServedBatch.builder();
        for (int i = 0; i < n; i++) {
            b.addRow((i + ",row " + i + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        return b.build();
    }

    private static long readAll(GpfdistServer server, PublishedBatch batch) {
        long start = System.nanoTime();
        List<GpfdistResponse> answers =
                SegmentClient.concurrently(server.port(), statement(server, batch));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(answers.stream().mapToInt(a -> a.lines().size()).sum()).isEqualTo(1000);
        return millis;
    }

    @Test
    void segmentsAreServedAtOnceWhileAnotherHostTricklesBytes() throws Exception {
        // defaults: 64 connections, 32 per peer, 5 s for a request head
        try (GpfdistServer server = GpfdistServer.builder().bindAddress("127.0.0.1").start()) {
            PublishedBatch batch = server.publish(rows(1000));
            startTrickling(server.port(), "127.0.0.2");
            Thread.sleep(300); // all accepted (or refused) before the segments come
            long millis = readAll(server, batch);
            assertThat(millis).as("a statement's GETs, ms").isLessThan(2_000);
            assertThat(server.metrics().refusedConnections()).isEqualTo(TRICKLERS - 32);
        }
    }

    @Test
    void segmentsAreServedWithinTheHeadDeadlineWhenOneHostTakesEverySlot() throws Exception {
        try (GpfdistServer server =
                GpfdistServer.builder()
                        .bindAddress("127.0.0.1")
                        .maxConnectionsPerPeer(1000) // no per-peer cap: only the deadline helps
                        .requestHeadTimeout(Duration.ofSeconds(1))
                        .start()) {
            PublishedBatch batch = server.publish(rows(1000));
            startTrickling(server.port(), "127.0.0.2");
            Thread.sleep(300); // 64 of them hold every slot, 6 wait in the backlog
            long millis = readAll(server, batch);
            // the tricklers are cut one second after their accept; the segments come next
            assertThat(millis).as("a statement's GETs, ms").isLessThan(5_000);
            assertThat(server.metrics().headTimeouts()).isGreaterThanOrEqualTo(64);
        }
    }
}
