package io.pg2gp.connector.cdc;

import org.apache.flink.annotation.PublicEvolving;

/**
 * Where a new pipeline (one without Flink state) starts reading. Free of Flink CDC types: the
 * rollup job reads the same settings and ships without the CDC connector.
 */
@PublicEvolving
public enum StartupMode {
    /** Snapshot the captured tables, then stream from the snapshot's position. */
    INITIAL,
    /** Stream changes from now on; no snapshot. */
    LATEST,
    /** Resume from the replication slot's confirmed position (the slot must exist). */
    COMMITTED
}
