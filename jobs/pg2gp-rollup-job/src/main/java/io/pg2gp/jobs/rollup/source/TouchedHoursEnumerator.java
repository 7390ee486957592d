package io.pg2gp.jobs.rollup.source;

import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Hands the one split to the first reader that asks and takes it back when that reader fails (Flink
 * returns the split as of the last checkpoint).
 */
final class TouchedHoursEnumerator
        implements SplitEnumerator<TouchedHoursSplit, List<TouchedHoursSplit>> {

    private final SplitEnumeratorContext<TouchedHoursSplit> context;
    private final List<TouchedHoursSplit> unassigned;

    TouchedHoursEnumerator(
            SplitEnumeratorContext<TouchedHoursSplit> context, List<TouchedHoursSplit> unassigned) {
        this.context = context;
        this.unassigned = new ArrayList<>(unassigned);
    }

    @Override
    public void start() {}

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
        if (!unassigned.isEmpty()) {
            context.assignSplit(unassigned.remove(0), subtaskId);
        }
    }

    @Override
    public void addSplitsBack(List<TouchedHoursSplit> splits, int subtaskId) {
        unassigned.addAll(splits);
    }

    @Override
    public void addReader(int subtaskId) {}

    @Override
    public List<TouchedHoursSplit> snapshotState(long checkpointId) {
        return new ArrayList<>(unassigned);
    }

    @Override
    public void close() {}
}
