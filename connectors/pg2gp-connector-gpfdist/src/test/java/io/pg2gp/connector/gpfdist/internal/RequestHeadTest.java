package io.pg2gp.connector.gpfdist.internal;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RequestHeadTest {

    @Test
    void readsAHeadDeliveredInPiecesAndMatchesHeaderNamesInAnyCase() throws Exception {
        String head =
                "GET /abc HTTP/1.1\r\nHost: 127.0.0.1:8081\r\nX-GP-PROTO: 1\r\n"
                        + "x-gp-xid: 10-0000000002\r\nX-GP_SEG_DATADIR: /data\r\n\r\n";
        RequestHead h = RequestHead.read(trickle(head + "ignored body"), 16 * 1024);
        assertThat(h.method()).isEqualTo("GET");
        assertThat(h.target()).isEqualTo("/abc");
        assertThat(h.version()).isEqualTo("HTTP/1.1");
        assertThat(h.header("x-gp-proto")).isEqualTo("1");
        assertThat(h.header("X-GP-XID")).isEqualTo("10-0000000002");
        assertThat(h.header("X-GP_SEG_DATADIR")).isEqualTo("/data");
        assertThat(h.header("X-GP-CID")).isNull();
    }

    @Test
    void theLastOfRepeatedHeadersWinsAndBareLineFeedsAreAccepted() throws Exception {
        RequestHead h = RequestHead.parse("GET / HTTP/1.0\nX-GP-SN: 0\nX-GP-SN:  1 \n\n");
        assertThat(h.header("X-GP-SN")).isEqualTo("1");
    }

    @Test
    void rejectsBadRequestLinesHeaderLinesAndOversizedHeads() {
        assertThatThrownBy(() -> RequestHead.parse("GET /\r\n\r\n"))
                .isInstanceOfSatisfying(
                        HttpStatusException.class,
                        e -> assertThat(e.reason()).isEqualTo("invalid request"));
        assertThatThrownBy(() -> RequestHead.parse("GET / SPDY/3\r\n\r\n"))
                .isInstanceOf(HttpStatusException.class);
        assertThatThrownBy(() -> RequestHead.parse("GET / HTTP/1.1\r\nno colon\r\n\r\n"))
                .isInstanceOf(HttpStatusException.class);
        String huge = "GET / HTTP/1.1\r\nX-Pad: " + "x".repeat(5000) + "\r\n\r\n";
        assertThatThrownBy(() -> RequestHead.read(trickle(huge), 4096))
                .isInstanceOfSatisfying(
                        HttpStatusException.class,
                        e -> {
                            assertThat(e.status()).isEqualTo(400);
                            assertThat(e.reason()).isEqualTo("forbidden");
                        });
    }

    @Test
    void aConnectionClosedMidHeadIsEndOfFile() {
        assertThatThrownBy(() -> RequestHead.read(trickle("GET / HTTP/1.1\r\nHost: x\r\n"), 4096))
                .isInstanceOf(EOFException.class);
    }

    @Test
    void findsTheEndOfTheHead() {
        byte[] b = "a\r\n\r\nb".getBytes(StandardCharsets.US_ASCII);
        assertThat(RequestHead.headEnd(b, 0, b.length)).isEqualTo(5);
        assertThat(RequestHead.headEnd(b, 0, 4)).isEqualTo(-1);
    }

    /** A stream that returns at most 7 bytes per read, like a slow network. */
    private static InputStream trickle(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1)) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 7));
            }
        };
    }
}
