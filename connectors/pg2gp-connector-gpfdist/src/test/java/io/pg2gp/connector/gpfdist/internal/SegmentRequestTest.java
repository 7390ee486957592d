package io.pg2gp.connector.gpfdist.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SegmentRequestTest {

    private static final String GP6 =
            "GET /small.csv HTTP/1.1\r\nHost: 127.0.0.1:8081\r\nAccept: */*\r\n"
                    + "X-GP-XID: 10-0000000002\r\nX-GP-CID: 2\r\nX-GP-SN: 0\r\n"
                    + "X-GP-SEGMENT-ID: 1\r\nX-GP-SEGMENT-COUNT: 2\r\nX-GP-PROTO: 1\r\n"
                    + "X-GP-CSVOPT: m1x 34q 34n0h0\r\n\r\n";

    @Test
    void aSegmentReadIsKeyedByXidCidSnAndPath() throws Exception {
        SegmentRequest r = SegmentRequest.from(RequestHead.parse(GP6));
        assertThat(r.path()).isEqualTo("/small.csv");
        assertThat(r.session()).isEqualTo(new SegmentRequest.SessionKey("10-0000000002", "2", "0"));
        assertThat(r.segmentId()).isEqualTo("1");
        assertThat(r.tableDeclaresHeader()).isFalse();
    }

    @Test
    void readsHeaderFromTheCsvOptions() throws Exception {
        String withHeader = GP6.replace("n0h0", "n1h1");
        assertThat(SegmentRequest.from(RequestHead.parse(withHeader)).tableDeclaresHeader())
                .isTrue();
    }

    @Test
    void rejectsWithGpfdistsStatusLines() {
        assertReason(GP6.replace("X-GP-PROTO: 1\r\n", ""), "invalid request (no gp-proto)");
        assertReason(
                GP6.replace("X-GP-PROTO: 1", "X-GP-PROTO: 0"),
                "invalid request (invalid gp-proto)");
        assertReason(GP6.replace("X-GP-SN: 0\r\n", ""), "invalid request (missing X-GP-* header)");
        assertReason(
                GP6.replace("X-GP-XID: 10-0000000002\r\nX-GP-CID: 2\r\nX-GP-SN: 0\r\n", ""),
                "invalid request (missing X-GP-* header)");
        assertReason(GP6.replace("GET", "POST"), "invalid request");
        assertReason(GP6.replace("/small.csv", "small.csv"), "invalid request");
    }

    @Test
    void decodesPercentEscapesLikeGpfdist() {
        assertThat(SegmentRequest.percentDecode("/a%20b%2Fc%zz%4")).isEqualTo("/a b/c%zz%4");
    }

    private static void assertReason(String head, String reason) {
        assertThatThrownBy(() -> SegmentRequest.from(RequestHead.parse(head)))
                .isInstanceOfSatisfying(
                        HttpStatusException.class,
                        e -> {
                            assertThat(e.status()).isEqualTo(400);
                            assertThat(e.reason()).isEqualTo(reason);
                        });
    }
}
