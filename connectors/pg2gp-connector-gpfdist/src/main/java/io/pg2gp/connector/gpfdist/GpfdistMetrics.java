package io.pg2gp.connector.gpfdist;

import io.pg2gp.connector.gpfdist.internal.ServerCounters;

import org.apache.flink.annotation.PublicEvolving;

/**
 * Live counters of a {@link GpfdistServer}, cumulative since it started (except {@link
 * #activeConnections()}). Plain getters, so a Flink sink can register them as gauges without this
 * module depending on Flink.
 */
@PublicEvolving
public final class GpfdistMetrics {

    private final ServerCounters counters;

    GpfdistMetrics(ServerCounters counters) {
        this.counters = counters;
    }

    /** Row bytes sent in {@code D} frames (frame headers and HTTP heads not counted). */
    public long bytesServed() {
        return counters.bytesServed.sum();
    }

    /** Rows sent, as declared when the batches were built. */
    public long rowsServed() {
        return counters.rowsServed.sum();
    }

    /** Blocks sent ({@code D} frames with data). */
    public long blocksServed() {
        return counters.blocksServed.sum();
    }

    /** Read sessions opened: one per scan of a batch by a statement (XID, CID, SN, path). */
    public long sessions() {
        return counters.sessions.sum();
    }

    /** Requests received with a complete head (GETs, and anything else answered 400). */
    public long getRequests() {
        return counters.getRequests.sum();
    }

    /**
     * Requests that failed: HTTP error answers (400, 404, 408), {@code E} frames, and connections
     * lost while streaming.
     */
    public long errors() {
        return counters.errors.sum();
    }

    /** Connections being served right now. */
    public int activeConnections() {
        return counters.activeConnections.get();
    }

    @Override
    public String toString() {
        return "GpfdistMetrics{bytes="
                + bytesServed()
                + ", rows="
                + rowsServed()
                + ", blocks="
                + blocksServed()
                + ", sessions="
                + sessions()
                + ", requests="
                + getRequests()
                + ", errors="
                + errors()
                + ", active="
                + activeConnections()
                + "}";
    }

    /** Connections cut because their request head was not complete by its deadline. */
    public long headTimeouts() {
        return counters.headTimeouts.sum();
    }

    /** Connections closed at once because their peer already had its maximum open. */
    public long refusedConnections() {
        return counters.refusedConnections.sum();
    }
}
