package io.pg2gp.connector.warehouse;

import org.apache.flink.annotation.PublicEvolving;

/** How a sink subtask moves its staged rows into the warehouse. */
@PublicEvolving
public enum LoaderKind {
    /**
     * gpfdist on Greenplum when the segments can reach this subtask's endpoint (checked when the
     * writer opens), COPY otherwise and on PostgreSQL.
     */
    AUTO,
    /**
     * Every primary segment pulls the subtask's rows from its embedded gpfdist endpoint. Greenplum
     * only; the writer fails at start-up when the segments cannot reach the endpoint.
     */
    GPFDIST,
    /** {@code COPY ... FROM STDIN} through the coordinator (PostgreSQL, or Greenplum). */
    COPY
}
