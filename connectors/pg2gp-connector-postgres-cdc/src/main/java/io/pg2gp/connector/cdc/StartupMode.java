package io.pg2gp.connector.cdc;

import org.apache.flink.cdc.connectors.base.options.StartupOptions;

/** Where a new pipeline (one without Flink state) starts reading. */
public enum StartupMode {
    /** Snapshot the captured tables, then stream from the snapshot's position. */
    INITIAL,
    /** Stream changes from now on; no snapshot. */
    LATEST,
    /** Resume from the replication slot's confirmed position (the slot must exist). */
    COMMITTED;

    public StartupOptions toStartupOptions() {
        return switch (this) {
            case INITIAL -> StartupOptions.initial();
            case LATEST -> StartupOptions.latest();
            case COMMITTED -> StartupOptions.committed();
        };
    }
}
