package io.pg2gp.connector.gpfdist;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.pg2gp.connector.gpfdist.GpfdistResponse.maskVersion;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replays what real Greenplum 6.24.3 segments sent to the real gpfdist ({@code gpfdist-capture/})
 * against the endpoint, all connections of a statement at once, serving the rows gpfdist served,
 * and checks the answers against what gpfdist answered: heads byte for byte, valid framing, every
 * row exactly once per statement.
 */
class RecordedExchangeReplayITCase {

    static Stream<Arguments> readStatements() {
        List<Arguments> args = new ArrayList<>();
        for (String folder :
                List.of(
                        "A-select-csv",
                        "B-insert-select-csv",
                        "E-text-pipe-delimited",
                        "F-csv-header-newline-lf")) {
            // gpfdist's own block size (-m 32768) and ours (1 MiB)
            args.add(Arguments.of(folder, 32 * 1024));
            args.add(Arguments.of(folder, ServedBatch.DEFAULT_BLOCK_SIZE));
        }
        return args.stream();
    }

    @ParameterizedTest(name = "{0}, blocks of {1} bytes")
    @MethodSource("readStatements")
    void segmentsOfAStatementShareTheRowsAndARetryGetsThemAgain(String folder, int blockSize)
            throws IOException {
        Capture capture = Capture.load(folder);
        try (GpfdistServer server = localServer().start()) {
            PublishedBatch batch = server.publish(capture.batch(blockSize));
            List<byte[]> statement = capture.requests(batch.path(), server.port());

            assertServedOnce(capture, batch, SegmentClient.concurrently(server.port(), statement));

            // A retried statement comes with a new XID: a new session, served everything again.
            List<byte[]> retry = new ArrayList<>();
            for (byte[] request : statement) {
                retry.add(Capture.withHeader(request, "X-GP-XID", "999-0000000042"));
            }
            assertServedOnce(capture, batch, SegmentClient.concurrently(server.port(), retry));
            assertThat(server.metrics().sessions()).isEqualTo(2);
        }
    }

    @ParameterizedTest(name = "{0}, blocks of {1} bytes")
    @MethodSource("readStatements")
    void greenplum7SegmentsAreServedUncompressed(String folder, int blockSize) throws IOException {
        Capture capture = Capture.load(folder);
        try (GpfdistServer server = localServer().start()) {
            PublishedBatch batch = server.publish(capture.batch(blockSize));
            List<byte[]> statement = new ArrayList<>();
            for (byte[] request : capture.requests(batch.path(), server.port())) {
                statement.add(
                        Capture.withExtraHeaders(
                                request,
                                "X-GP-ZSTD: 1",
                                "X-GP-COORDINATOR_HOST: 127.0.0.1",
                                "X-GP-COORDINATOR_PORT: 7000"));
            }
            List<GpfdistResponse> answers = SegmentClient.concurrently(server.port(), statement);
            assertServedOnce(capture, batch, answers);
            answers.forEach(a -> assertThat(a.headText()).doesNotContainIgnoringCase("X-GP-ZSTD"));
        }
    }

    @Test
    void withGpfdistsVersionStringTheHeadsAreIdenticalToTheRecording() throws IOException {
        Capture capture = Capture.load("A-select-csv");
        try (GpfdistServer server =
                localServer().serverVersion(capture.recordedVersion()).start()) {
            PublishedBatch batch = server.publish(capture.batch(ServedBatch.DEFAULT_BLOCK_SIZE));
            // As recorded: conn1 reads everything, then conn2 arrives after the end of the scan.
            GpfdistResponse first =
                    SegmentClient.exchange(
                            server.port(), capture.request(0, batch.path(), server.port()));
            byte[] second =
                    SegmentClient.exchangeRaw(
                            server.port(), capture.request(1, batch.path(), server.port()));

            GpfdistResponse recorded = capture.responses.get(0);
            assertThat(first.head).isEqualTo(recorded.head);
            assertThat(first.blocks()).containsExactlyElementsOf(recorded.blocks());
            List<Framing.Block> blocks = Framing.assertWellFramed(first, true);
            assertThat(blocks.get(0).offset()).isZero();
            assertThat(blocks.get(0).firstLine()).isEqualTo(1);
            assertThat(second).isEqualTo(capture.responses.get(1).raw);
        }
    }

    @Test
    void aTableWithHeaderGetsEveryRowBecauseBatchesHaveNoHeaderLine() throws IOException {
        // gpfdist skipped the file's header line (O=24, L=2); a batch has none, so nothing is
        // skipped: the first row is data, served at offset 0 as line 1.
        Capture capture = Capture.load("F-csv-header-newline-lf");
        assertThat(Capture.ascii(capture.requests.get(0))).contains("X-GP-CSVOPT: m1x 34q 34n1h1");
        try (GpfdistServer server = localServer().start()) {
            PublishedBatch batch = server.publish(capture.batch(ServedBatch.DEFAULT_BLOCK_SIZE));
            GpfdistResponse answer =
                    SegmentClient.exchange(
                            server.port(), capture.request(0, batch.path(), server.port()));
            List<Framing.Block> blocks = Framing.assertWellFramed(answer, true);
            assertThat(blocks).hasSize(1);
            assertThat(blocks.get(0).offset()).isZero();
            assertThat(blocks.get(0).firstLine()).isEqualTo(1);
            assertThat(answer.lines()).containsExactlyElementsOf(capture.servedRows());
            assertThat(capture.responses.get(0).frames.get(1).asLong())
                    .isEqualTo(24); // gpfdist's O
        }
    }

    @Test
    void anUnknownPathIsAnswered404ByteForByteLikeGpfdist() throws IOException {
        Capture capture = Capture.load("D-missing-file");
        try (GpfdistServer server =
                localServer().serverVersion(capture.recordedVersion()).start()) {
            List<byte[]> statement = capture.requests("/missing.csv", server.port());
            List<GpfdistResponse> answers = SegmentClient.concurrently(server.port(), statement);
            for (int i = 0; i < answers.size(); i++) {
                assertThat(answers.get(i).raw).isEqualTo(capture.responses.get(i).raw);
            }
        }
    }

    @Test
    void aReleasedBatchIsAnswered404() throws IOException {
        Capture capture = Capture.load("A-select-csv");
        String version = Capture.load("D-missing-file").recordedVersion();
        try (GpfdistServer server = localServer().serverVersion(version).start()) {
            PublishedBatch batch = server.publish(capture.batch(ServedBatch.DEFAULT_BLOCK_SIZE));
            server.release(batch);
            byte[] answer =
                    SegmentClient.exchangeRaw(
                            server.port(), capture.request(0, batch.path(), server.port()));
            assertThat(answer).isEqualTo(Capture.load("D-missing-file").responses.get(0).raw);
            assertThat(batch.isReleased()).isTrue();
            assertThat(server.publishedBatches()).isZero();
        }
    }

    @Test
    void aRequestWithoutGpProtoOrWithPartOfTheSessionHeadersIsAnswered400() throws IOException {
        Capture capture = Capture.load("A-select-csv");
        try (GpfdistServer server = localServer().serverVersion("v").start()) {
            PublishedBatch batch = server.publish(capture.batch(ServedBatch.DEFAULT_BLOCK_SIZE));
            byte[] request = capture.request(0, batch.path(), server.port());

            assertThat(answer(server, Capture.withoutHeader(request, "X-GP-PROTO")))
                    .isEqualTo(http400("invalid request (no gp-proto)"));
            assertThat(answer(server, Capture.withoutHeader(request, "X-GP-CID")))
                    .isEqualTo(http400("invalid request (missing X-GP-* header)"));
            byte[] onlyCid =
                    Capture.withoutHeader(Capture.withoutHeader(request, "X-GP-XID"), "X-GP-SN");
            assertThat(answer(server, onlyCid))
                    .isEqualTo(http400("invalid request (missing X-GP-* header)"));
            assertThat(answer(server, Capture.withHeader(request, "X-GP-PROTO", "0")))
                    .isEqualTo(http400("invalid request (invalid gp-proto)"));
            // None of the rejected requests opened a session: a segment still gets every row.
            assertThat(SegmentClient.exchange(server.port(), request).lines())
                    .containsExactlyElementsOf(capture.servedRows());
        }
    }

    private static String answer(GpfdistServer server, byte[] request) {
        return Capture.ascii(SegmentClient.exchangeRaw(server.port(), request));
    }

    private static String http400(String reason) {
        return "HTTP/1.0 400 "
                + reason
                + "\r\nContent-length: 0\r\nExpires: 0\r\nX-GPFDIST-VERSION: v\r\n"
                + "Cache-Control: no-cache\r\nConnection: close\r\n\r\n";
    }

    /** Heads as recorded, valid framing, and every served row exactly once across the answers. */
    private static void assertServedOnce(
            Capture capture, PublishedBatch batch, List<GpfdistResponse> answers) {
        assertThat(answers).hasSize(capture.requests.size());
        List<String> rows = new ArrayList<>();
        for (GpfdistResponse answer : answers) {
            String recordedHead = capture.recordedHead(answer.isDataAnswer());
            assertThat(maskVersion(answer.headText())).isEqualTo(maskVersion(recordedHead));
            for (Framing.Block block : Framing.assertWellFramed(answer, true)) {
                assertThat(block.fileName()).isEqualTo(batch.path());
                rows.addAll(GpfdistResponse.splitLines(block.data()));
            }
        }
        assertThat(rows).containsExactlyInAnyOrderElementsOf(capture.servedRows());
    }

    static GpfdistServer.Builder localServer() {
        return GpfdistServer.builder().bindAddress("127.0.0.1");
    }
}
