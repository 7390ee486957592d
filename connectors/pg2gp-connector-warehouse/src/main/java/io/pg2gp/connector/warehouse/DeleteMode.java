package io.pg2gp.connector.warehouse;

import org.apache.flink.annotation.PublicEvolving;

/** What a source delete does to the warehouse row. */
@PublicEvolving
public enum DeleteMode {
    /** The warehouse row is removed, mirroring the source. */
    MIRROR,
    /** The warehouse row stays, marked {@code _deleted = true} with the delete's LSN. */
    SOFT
}
