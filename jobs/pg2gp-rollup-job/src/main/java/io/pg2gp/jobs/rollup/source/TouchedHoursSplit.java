package io.pg2gp.jobs.rollup.source;

import org.apache.flink.api.connector.source.SourceSplit;

import java.util.Map;
import java.util.TreeMap;

/**
 * The single split of the touched-hours source: for each (ingest job, target table) the last {@code
 * commit_seq} whose hours were emitted. One committer writes each pair's rows, one apply at a time,
 * so its sequence numbers become visible in order and an offset never skips a commit.
 */
public final class TouchedHoursSplit implements SourceSplit {

    public static final String ID = "touched-hours";

    private final Map<String, Long> offsets;

    public TouchedHoursSplit(Map<String, Long> offsets) {
        this.offsets = new TreeMap<>(offsets);
    }

    /** Offsets keyed by {@code job + '/' + target_table}. */
    public Map<String, Long> offsets() {
        return offsets;
    }

    @Override
    public String splitId() {
        return ID;
    }

    @Override
    public String toString() {
        return "TouchedHoursSplit" + offsets;
    }
}
