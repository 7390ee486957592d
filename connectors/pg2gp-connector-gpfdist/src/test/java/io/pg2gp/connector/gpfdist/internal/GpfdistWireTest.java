package io.pg2gp.connector.gpfdist.internal;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** The wire bytes against the real gpfdist's, recorded in gpfdist-capture/. */
class GpfdistWireTest {

    private static final String VERSION =
            "6.24.3 build commit:25d3498a400ca5230e81abb94861f23389315213";

    @Test
    void theDataHeadIsGpfdistsToTheByte() throws IOException {
        byte[] recorded = capture("A-select-csv/conn1.response");
        byte[] head = GpfdistWire.okHead(VERSION);
        assertThat(Arrays.copyOf(recorded, head.length)).isEqualTo(head);
        assertThat(new String(head, StandardCharsets.US_ASCII)).contains("\r\nX-GP-PROTO: 1\r\n");
    }

    @Test
    void theEmptyAnswerIsGpfdistsToTheByte() throws IOException {
        assertThat(GpfdistWire.emptyAnswer(VERSION))
                .isEqualTo(capture("A-select-csv/conn2.response"));
    }

    @Test
    void the404IsGpfdistsToTheByte() throws IOException {
        assertThat(GpfdistWire.errorAnswer(404, "file not found", VERSION))
                .isEqualTo(capture("D-missing-file/conn1.response"));
    }

    @Test
    void blockHeadersAreTheFOLAndDFramesGpfdistSends() throws IOException {
        byte[] recorded = capture("B-insert-select-csv/conn1.response");
        int headLength = GpfdistWire.okHead(VERSION).length;
        // Second block of capture B: F "/data/gpfdist/file.csv", O 32749, L 824, D 7075.
        ByteBuffer header =
                GpfdistWire.blockHeader(
                        "/data/gpfdist/file.csv".getBytes(StandardCharsets.US_ASCII),
                        32749,
                        824,
                        7075,
                        true);
        byte[] bytes = new byte[header.remaining()];
        header.get(bytes);
        int secondBlock = headLength + bytes.length + 32749;
        assertThat(Arrays.copyOfRange(recorded, secondBlock, secondBlock + bytes.length))
                .isEqualTo(bytes);

        ByteBuffer bare = GpfdistWire.blockHeader(new byte[0], 0, 1, 7075, false);
        assertThat(bare.remaining()).isEqualTo(5);
        assertThat(bare.get()).isEqualTo((byte) 'D');
        assertThat(bare.getInt()).isEqualTo(7075);
    }

    @Test
    void errorFramesCarryUtf8Text() {
        ByteBuffer e = GpfdistWire.errorFrame("load aborted: ü");
        assertThat(e.get()).isEqualTo((byte) 'E');
        assertThat(e.getInt()).isEqualTo(e.remaining()).isEqualTo(16);
    }

    private static byte[] capture(String name) throws IOException {
        try (InputStream in =
                GpfdistWireTest.class.getResourceAsStream("/gpfdist-capture/" + name)) {
            return in.readAllBytes();
        }
    }
}
