package io.pg2gp.connector.gpfdist;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The server's behaviour around the protocol: paths, ports, sessions, failures, limits. */
class GpfdistServerTest {

    private static final Capture TEMPLATE = Capture.load("A-select-csv");

    @Test
    void publishesUnderUnguessablePathsAndAdvertisesTheUrl() throws IOException {
        try (GpfdistServer server = local().advertisedHost("loader-7.example.com").start()) {
            Set<String> paths = new HashSet<>();
            for (int i = 0; i < 1000; i++) {
                PublishedBatch batch = server.publish(rows(1));
                assertThat(batch.path()).matches("/[a-z2-7]{26}");
                assertThat(server.url(batch))
                        .isEqualTo(
                                "gpfdist://loader-7.example.com:" + server.port() + batch.path());
                paths.add(batch.path());
            }
            assertThat(paths).hasSize(1000);
            assertThat(server.publishedBatches()).isEqualTo(1000);
        }
    }

    @Test
    void aReusedPathServesOneBatchAtATimeEachToItsOwnStatements() throws IOException {
        try (GpfdistServer server = local().start()) {
            String path = GpfdistServer.newSecretPath();
            assertThat(path).matches("/[a-z2-7]{26}");
            assertThat(server.url(path)).isEqualTo("gpfdist://127.0.0.1:" + server.port() + path);

            PublishedBatch first = server.publish(rows(2), path);
            assertThat(first.path()).isEqualTo(path);
            assertThatThrownBy(() -> server.publish(rows(1), path))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("release it first");
            assertThat(Framing.assertWellFramed(get(server, first, "20-1"), true)).hasSize(1);
            server.release(first);

            PublishedBatch second = server.publish(rows(3), path);
            List<Framing.Block> blocks =
                    Framing.assertWellFramed(get(server, second, "20-2"), true);
            assertThat(new String(blocks.get(0).data(), StandardCharsets.US_ASCII).lines())
                    .hasSize(3);
            server.release(second);
            assertThat(server.publishedBatches()).isZero();

            assertThatThrownBy(() -> server.publish(rows(1), "/guessable"))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void bracketsAnIpv6AdvertisedHostAndDefaultsToASpecificBindAddress() throws IOException {
        try (GpfdistServer server = local().advertisedHost("fd00::7").start()) {
            assertThat(server.url(server.publish(rows(1))))
                    .startsWith("gpfdist://[fd00::7]:" + server.port() + "/");
        }
        try (GpfdistServer server = local().start()) {
            assertThat(server.options().advertisedHost()).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void listensOnTheFirstFreePortOfTheRange() throws IOException {
        try (ServerSocket taken = new ServerSocket(0)) {
            int p = taken.getLocalPort();
            assertThatThrownBy(() -> local().port(p).start()).isInstanceOf(BindException.class);
            if (p < 65535 - 20) {
                try (GpfdistServer server = local().portRange(p, p + 20).start()) {
                    assertThat(server.port()).isBetween(p + 1, p + 20);
                }
            }
        }
    }

    @Test
    void anEmptyBatchAnswersAnImmediateEndOfDataThenTheEmptyAnswer() throws IOException {
        try (GpfdistServer server = local().start()) {
            PublishedBatch batch = server.publish(ServedBatch.empty());
            GpfdistResponse first = get(server, batch, "1-0000000001");
            assertThat(first.isDataAnswer()).isTrue();
            assertThat(first.frames).extracting(Frame::type).containsExactly('D');
            assertThat(first.frames.get(0).isEndOfData()).isTrue();
            // The session has ended: a later segment of the same scan gets gpfdist's empty answer.
            assertThat(get(server, batch, "1-0000000001").isEmptyAnswer()).isTrue();
            // A new statement starts a new session.
            assertThat(get(server, batch, "2-0000000001").isDataAnswer()).isTrue();
        }
    }

    @Test
    void failingTheBatchMidStreamSendsAnErrorFrameToReadersAndLaterRequests() throws IOException {
        try (GpfdistServer server = local().start()) {
            ServedBatch rows = bigBatch(24);
            PublishedBatch batch = server.publish(rows);
            try (StreamingSegment segment =
                    StreamingSegment.open(server.port(), request(server, batch, "5-1"))) {
                assertThat(segment.readHead()).contains("X-GP-PROTO: 1");
                long read = readFirstBlock(segment);

                server.fail(batch, "the sink aborted this load");

                List<Frame> rest = segment.readRemainingFrames();
                Frame last = rest.get(rest.size() - 1);
                assertThat(last.type()).isEqualTo('E');
                assertThat(last.text()).isEqualTo("the sink aborted this load");
                assertThat(rest).noneMatch(Frame::isEndOfData);
                read +=
                        rest.stream()
                                .filter(f -> f.type() == 'D')
                                .mapToLong(f -> f.payload().length)
                                .sum();
                assertThat(read).isLessThan(rows.byteSize());
            }
            GpfdistResponse later = get(server, batch, "6-1");
            assertThat(Framing.assertEndsWithError(later, true))
                    .isEqualTo("the sink aborted this load");
            assertThat(later.blocks()).isEmpty();
            assertThat(batch.failure()).contains("the sink aborted this load");
        }
    }

    @Test
    void closingTheServerFailsReadersInFlightAndStopsListening() throws Exception {
        GpfdistServer server = local().start();
        PublishedBatch batch = server.publish(bigBatch(24));
        CompletableFuture<Void> closing;
        try (StreamingSegment segment =
                StreamingSegment.open(server.port(), request(server, batch, "7-1"))) {
            segment.readHead();
            readFirstBlock(segment);

            closing = CompletableFuture.runAsync(server::close);
            awaitFailure(batch); // close() fails batches before waiting for readers

            List<Frame> rest = segment.readRemainingFrames();
            Frame last = rest.get(rest.size() - 1);
            assertThat(last.type()).isEqualTo('E');
            assertThat(last.text())
                    .isEqualTo(
                            "gpfdist endpoint gpfdist://127.0.0.1:"
                                    + server.port()
                                    + " is shutting down");
        }
        closing.get(SegmentClient.SAFETY_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        assertThat(batch.isReleased()).isTrue();
        assertThat(server.metrics().activeConnections()).isZero();
        assertThatThrownBy(() -> new Socket("127.0.0.1", server.port()).close())
                .isInstanceOf(ConnectException.class);
        assertThatThrownBy(() -> server.publish(rows(1))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void releaseEndsEveryReaderEvenOneThatStoppedReading() throws IOException {
        try (GpfdistServer server = local().shutdownGrace(Duration.ofMillis(100)).start()) {
            PublishedBatch batch = server.publish(bigBatch(24));
            try (StreamingSegment stuck =
                    StreamingSegment.open(server.port(), request(server, batch, "8-1"))) {
                stuck.readHead();
                readFirstBlock(stuck); // then stops reading: the server soon blocks writing

                server.release(batch); // returns after at most the grace

                assertThat(batch.isReleased()).isTrue();
                // Either the reader got to send its E frame before the buffers filled, or it was
                // cut after the grace (PublicationTest pins that down); never a clean end of data.
                try {
                    List<Frame> rest = stuck.readRemainingFrames();
                    assertThat(rest.get(rest.size() - 1).text()).contains("was released");
                } catch (IOException cut) {
                    // cut while blocked writing a block: the segment fails the statement
                }
            }
            assertThat(get(server, batch, "9-1").statusLine())
                    .isEqualTo("HTTP/1.0 404 file not found");
        }
    }

    @Test
    void aSilentConnectionIsAnswered408AfterTheRequestHeadTimeout() throws IOException {
        try (GpfdistServer server = local().requestHeadTimeout(Duration.ofMillis(200)).start()) {
            try (Socket socket = SegmentClient.connect(server.port())) {
                socket.getOutputStream()
                        .write(
                                "GET /x HTTP/1.1\r\nHost: a\r\n"
                                        .getBytes(StandardCharsets.US_ASCII));
                String answer =
                        new String(
                                socket.getInputStream().readAllBytes(),
                                StandardCharsets.ISO_8859_1);
                assertThat(answer).startsWith("HTTP/1.0 408 time out\r\nContent-length: 0\r\n");
            }
        }
    }

    @Test
    void aClientTricklingItsHeadIsCutAtTheDeadlineNotAtEachRead() throws Exception {
        try (GpfdistServer server = local().requestHeadTimeout(Duration.ofMillis(500)).start()) {
            try (Socket socket = SegmentClient.connect(server.port())) {
                long start = System.nanoTime();
                socket.setSoTimeout(100);
                byte[] answer = null;
                // a byte every 100 ms: a per-read timeout of 500 ms never fires
                for (int i = 0; i < 50 && answer == null; i++) {
                    try {
                        socket.getOutputStream().write('G');
                        int first = socket.getInputStream().read();
                        answer = first < 0 ? new byte[0] : new byte[] {(byte) first};
                    } catch (SocketTimeoutException stillWaiting) {
                        // no answer yet
                    } catch (IOException cut) {
                        answer = new byte[0];
                    }
                }
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertThat(answer).as("cut within 5 s of trickling").isNotNull();
                assertThat(millis).isBetween(400L, 3000L);
                assertThat(server.metrics().headTimeouts()).isEqualTo(1);
            }
        }
    }

    @Test
    void connectionsOfOnePeerBeyondItsCapAreClosedAtOnce() throws Exception {
        try (GpfdistServer server = local().maxConnectionsPerPeer(2).start()) {
            PublishedBatch batch = server.publish(rows(5));
            try (Socket a = SegmentClient.connect(server.port());
                    Socket b = SegmentClient.connect(server.port());
                    Socket c = SegmentClient.connect(server.port())) {
                // the third is accepted and closed: end of stream without an answer
                assertThat(c.getInputStream().read()).isEqualTo(-1);
                assertThat(server.metrics().refusedConnections()).isEqualTo(1);
                a.getOutputStream().write(request(server, batch, "30-1"));
                assertThat(GpfdistResponse.parse(a.getInputStream().readAllBytes()).lines())
                        .hasSize(5);
            }
            // their slots are free again once the server has seen them close (its handlers
            // notice the close asynchronously: on a busy machine that takes a moment)
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (server.metrics().activeConnections() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(server.metrics().activeConnections()).isZero();
            assertThat(get(server, batch, "31-1").lines()).hasSize(5);
        }
    }

    @Test
    void bindsTheAdvertisedHostsAddressByDefaultAndEveryInterfaceOnlyWhenAsked()
            throws IOException {
        try (GpfdistServer server = GpfdistServer.builder().advertisedHost("127.0.0.1").start()) {
            assertThat(server.options().bindAddress()).isNull();
            assertThat(GpfdistServer.bindAddress(server.options()).getHostAddress())
                    .isEqualTo("127.0.0.1");
        }
        try (GpfdistServer server =
                GpfdistServer.builder()
                        .bindAddress(GpfdistOptions.ALL_INTERFACES)
                        .advertisedHost("127.0.0.1")
                        .start()) {
            assertThat(GpfdistServer.bindAddress(server.options())).isNull();
        }
    }

    @Test
    void requestHeaderNamesAreMatchedCaseInsensitively() throws IOException {
        try (GpfdistServer server = local().start()) {
            PublishedBatch batch = server.publish(rows(10));
            String request = Capture.ascii(request(server, batch, "10-1"));
            StringBuilder lower = new StringBuilder();
            for (String line : request.split("\r\n", -1)) {
                int colon = line.indexOf(": ");
                lower.append(
                        colon > 0
                                ? line.substring(0, colon).toLowerCase() + line.substring(colon)
                                : line);
                lower.append("\r\n");
            }
            String lowered = lower.substring(0, lower.length() - 2);
            assertThat(lowered).contains("x-gp-proto: 1\r\n");
            GpfdistResponse answer = SegmentClient.exchange(server.port(), Capture.bytes(lowered));
            assertThat(answer.lines()).hasSize(10);
        }
    }

    @Test
    void connectionsBeyondTheCapWaitForAFreeSlot() throws IOException {
        try (GpfdistServer server = local().maxConnections(1).start()) {
            PublishedBatch batch = server.publish(rows(100));
            try (Socket holder = SegmentClient.connect(server.port());
                    Socket waiting = SegmentClient.connect(server.port())) {
                waiting.getOutputStream().write(request(server, batch, "11-1"));
                // The only slot is taken by the silent holder: no answer for the waiting segment.
                waiting.setSoTimeout(300);
                assertThatThrownBy(() -> waiting.getInputStream().read())
                        .isInstanceOf(SocketTimeoutException.class);

                holder.getOutputStream().write(request(server, batch, "12-1"));
                assertThat(GpfdistResponse.parse(holder.getInputStream().readAllBytes()).lines())
                        .hasSize(100);

                waiting.setSoTimeout(SegmentClient.SAFETY_TIMEOUT_MILLIS);
                assertThat(GpfdistResponse.parse(waiting.getInputStream().readAllBytes()).lines())
                        .hasSize(100);
            }
        }
    }

    @Test
    void withoutBlockMetadataOnlyDataFramesAreSent() throws IOException {
        try (GpfdistServer server = local().blockMetadata(false).blockSize(100).start()) {
            ServedBatch.Builder b = server.newBatch();
            for (int i = 0; i < 50; i++) {
                b.addRow(("row " + i + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            PublishedBatch batch = server.publish(b.build());
            GpfdistResponse answer = get(server, batch, "13-1");
            assertThat(answer.frames).extracting(Frame::type).containsOnly('D');
            assertThat(Framing.assertWellFramed(answer, false)).hasSizeGreaterThan(1);
            assertThat(answer.lines()).hasSize(50);
        }
    }

    @Test
    void refusesWhatIsNotASegmentRead() throws IOException {
        try (GpfdistServer server = local().start()) {
            PublishedBatch batch = server.publish(rows(1));
            byte[] post =
                    Capture.bytes(
                            Capture.ascii(request(server, batch, "14-1"))
                                    .replaceFirst("GET", "POST"));
            assertThat(SegmentClient.exchange(server.port(), post).statusLine())
                    .isEqualTo("HTTP/1.0 400 invalid request");
            byte[] huge =
                    Capture.withExtraHeaders(
                            request(server, batch, "14-1"), "X-Pad: " + "x".repeat(20_000));
            assertThat(SegmentClient.exchange(server.port(), huge).statusLine())
                    .isEqualTo("HTTP/1.0 400 forbidden");
            assertThat(
                            SegmentClient.exchange(server.port(), Capture.bytes("GET /\r\n\r\n"))
                                    .statusLine())
                    .isEqualTo("HTTP/1.0 400 invalid request");
        }
    }

    @Test
    void countsWhatItServes() throws IOException {
        try (GpfdistServer server = local().blockSize(64).start()) {
            ServedBatch.Builder b = server.newBatch();
            for (int i = 0; i < 20; i++) {
                b.addRow(("row number " + i + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            ServedBatch rows = b.build();
            PublishedBatch batch = server.publish(rows);
            get(server, batch, "15-1");
            get(server, batch, "15-1"); // empty answer, same session
            get(server, batch, "16-1");
            server.release(batch);
            get(server, batch, "17-1"); // 404

            GpfdistMetrics m = server.metrics();
            assertThat(m.bytesServed()).isEqualTo(2 * rows.byteSize());
            assertThat(m.rowsServed()).isEqualTo(40);
            assertThat(m.blocksServed()).isEqualTo(2L * rows.blockCount());
            assertThat(m.sessions()).isEqualTo(2);
            assertThat(m.getRequests()).isEqualTo(4);
            assertThat(m.errors()).isEqualTo(1);
        }
    }

    // ---------------------------------------------------------------------------------------

    private static GpfdistServer.Builder local() {
        return GpfdistServer.builder().bindAddress("127.0.0.1");
    }

    /** A GP6 segment's request (recorded in capture A) for {@code batch}, statement {@code xid}. */
    private static byte[] request(GpfdistServer server, PublishedBatch batch, String xid) {
        return Capture.withHeader(
                TEMPLATE.request(0, batch.path(), server.port()), "X-GP-XID", xid);
    }

    private static GpfdistResponse get(GpfdistServer server, PublishedBatch batch, String xid) {
        return SegmentClient.exchange(server.port(), request(server, batch, xid));
    }

    private static ServedBatch rows(int n) {
        ServedBatch.Builder b = ServedBatch.builder();
        for (int i = 0; i < n; i++) {
            b.addRow(
                    (i + ",user" + i + ",\"text, " + i + "\",2024-01-01 00:00:00\n")
                            .getBytes(StandardCharsets.US_ASCII));
        }
        return b.build();
    }

    /** {@code blocks} blocks of about 1 MiB: far more than socket buffers hold in flight. */
    static ServedBatch bigBatch(int blocks) {
        StringBuilder chunk = new StringBuilder();
        int rowsPerChunk = 0;
        while (chunk.length() < ServedBatch.DEFAULT_BLOCK_SIZE - 200) {
            chunk.append(rowsPerChunk).append(",42,\"some text, quoted\",2024-06-01 12:00:00\n");
            rowsPerChunk++;
        }
        byte[] bytes = chunk.toString().getBytes(StandardCharsets.US_ASCII);
        ServedBatch.Builder b = ServedBatch.builder();
        for (int i = 0; i < blocks; i++) {
            b.addRows(bytes, rowsPerChunk);
        }
        ServedBatch batch = b.build();
        assertThat(batch.blockCount()).isEqualTo(blocks);
        return batch;
    }

    /** Reads F, O, L and the first D frame; returns the row bytes read. */
    private static long readFirstBlock(StreamingSegment segment) throws IOException {
        Frame f;
        do {
            f = segment.readFrame();
        } while (f != null && f.type() != 'D');
        assertThat(f).isNotNull();
        assertThat(f.payload()).isNotEmpty();
        return f.payload().length;
    }

    private static void awaitFailure(PublishedBatch batch) throws InterruptedException {
        long deadline =
                System.nanoTime()
                        + TimeUnit.MILLISECONDS.toNanos(SegmentClient.SAFETY_TIMEOUT_MILLIS);
        while (batch.failure().isEmpty()) {
            assertThat(System.nanoTime()).as("batch failed in time").isLessThan(deadline);
            Thread.sleep(1);
        }
    }
}
