package io.pg2gp.connector.warehouse;

import org.apache.flink.annotation.PublicEvolving;

/**
 * A target table the sink was built for does not exist in the warehouse. Its own type so that a
 * caller that can create tables (a job with a "create tables" setting) can say how.
 */
@PublicEvolving
public final class MissingTableException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public MissingTableException(String message) {
        super(message);
    }
}
