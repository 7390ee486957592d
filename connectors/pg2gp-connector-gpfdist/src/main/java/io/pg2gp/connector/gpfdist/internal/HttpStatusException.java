package io.pg2gp.connector.gpfdist.internal;

import org.apache.flink.annotation.Internal;

/**
 * A request answered with an HTTP error status before any data, as gpfdist does: the status line
 * carries the reason (e.g. {@code HTTP/1.0 400 invalid request (no gp-proto)}) and the segment
 * fails the statement with {@code http response code 400 from gpfdist (...)}.
 */
@Internal
public final class HttpStatusException extends Exception {

    private final int status;
    private final String reason;

    /**
     * @param status HTTP status code
     * @param reason reason phrase sent on the status line (gpfdist's wording where one exists)
     * @param detail what went wrong, for our log
     */
    public HttpStatusException(int status, String reason, String detail) {
        super(status + " " + reason + ": " + detail);
        this.status = status;
        this.reason = reason;
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }
}
