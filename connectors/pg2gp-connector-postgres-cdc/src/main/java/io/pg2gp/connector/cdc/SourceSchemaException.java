package io.pg2gp.connector.cdc;

import org.apache.flink.annotation.PublicEvolving;

/**
 * The source table no longer has what the pipeline cannot do without (e.g. its key column). Unlike
 * a bad value, which becomes a dead letter, this stops the source: no later change of the table
 * could be applied either. The message says what to do.
 */
@PublicEvolving
public final class SourceSchemaException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public SourceSchemaException(String message) {
        super(message);
    }
}
