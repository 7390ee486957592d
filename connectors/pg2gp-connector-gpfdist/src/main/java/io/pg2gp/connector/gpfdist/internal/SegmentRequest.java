package io.pg2gp.connector.gpfdist.internal;

import org.apache.flink.annotation.Internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A validated read request of one Greenplum segment.
 *
 * <p>Validation follows gpfdist ({@code request_validate}, {@code request_parse_gp_headers}) with
 * its status lines, with two deliberate restrictions: only {@code GET} with {@code X-GP-PROTO: 1}
 * is served (protocol 0 cannot tell an error from end of data, and this endpoint is read-only), and
 * X-GP-XID, X-GP-CID and X-GP-SN are all required (gpfdist gives a request without any of them a
 * one-off "auto-tid" session; every Greenplum segment sends all three, so such a request is not a
 * segment and gets 400 too).
 *
 * @param path the decoded request path
 * @param session the scan this request belongs to
 * @param segmentId X-GP-SEGMENT-ID, for logs only ("?" when absent)
 * @param tableDeclaresHeader the table says HEADER ({@code h1} at the end of X-GP-CSVOPT)
 */
@Internal
public record SegmentRequest(
        String path, SessionKey session, String segmentId, boolean tableDeclaresHeader) {

    public static SegmentRequest from(RequestHead head) throws HttpStatusException {
        if (!"GET".equals(head.method())) {
            throw new HttpStatusException(
                    400, "invalid request", "only GET is served, got " + head.method());
        }
        String proto = head.header("X-GP-PROTO");
        if (proto == null) {
            throw new HttpStatusException(400, "invalid request (no gp-proto)", "no X-GP-PROTO");
        }
        if (!"1".equals(proto)) {
            throw new HttpStatusException(
                    400, "invalid request (invalid gp-proto)", "X-GP-PROTO " + proto + " is not 1");
        }
        String xid = head.header("X-GP-XID");
        String cid = head.header("X-GP-CID");
        String sn = head.header("X-GP-SN");
        if (xid == null || cid == null || sn == null) {
            throw new HttpStatusException(
                    400,
                    "invalid request (missing X-GP-* header)",
                    "needs X-GP-XID, X-GP-CID and X-GP-SN");
        }
        String path = percentDecode(head.target());
        if (!path.startsWith("/")) {
            throw new HttpStatusException(400, "invalid request", "path must be absolute: " + path);
        }
        String segment = head.header("X-GP-SEGMENT-ID");
        String csvopt = head.header("X-GP-CSVOPT");
        boolean header = csvopt != null && csvopt.endsWith("h1");
        return new SegmentRequest(
                path, new SessionKey(xid, cid, sn), segment == null ? "?" : segment, header);
    }

    /** Decodes %XX escapes like gpfdist's percent_encoding_to_char; anything else is kept. */
    static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
            int lo = i + 2 < s.length() ? Character.digit(s.charAt(i + 2), 16) : -1;
            if (c == '%' && hi >= 0 && lo >= 0) {
                out.write((hi << 4) | lo);
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    /** One scan of one statement: every segment reading it sends the same three values. */
    public record SessionKey(String xid, String cid, String sn) {}
}
