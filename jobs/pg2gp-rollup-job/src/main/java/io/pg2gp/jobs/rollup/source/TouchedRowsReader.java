package io.pg2gp.jobs.rollup.source;

import io.pg2gp.connector.warehouse.TouchedRowsQueries;
import io.pg2gp.connector.warehouse.TouchedRowsQueries.Touched;
import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.connector.warehouse.WarehouseSession;

import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.core.io.InputStatus;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Polls a touched-rows table ({@code touched_hours}, {@code touched_keys}) for commits after its
 * offsets and emits their values, all values of one commit in one call so a checkpoint never splits
 * a commit. Once a checkpoint that covers rows completes, the rows are deleted: the table stays
 * small. With a sweep query it also emits, at every poll, the values that query returns (keys whose
 * results time has made stale), which move no offset.
 */
final class TouchedRowsReader<T> implements SourceReader<T, TouchedHoursSplit> {

    private static final Logger LOG = LoggerFactory.getLogger(TouchedRowsReader.class);
    private static final int FETCH = 50_000;

    /** One commit's values; {@code job} null for a sweep's. */
    private record Commit<T>(String job, String key, long seq, List<T> values) {}

    private final SourceReaderContext context;
    private final TouchedRowsQueries<T> queries;
    private final String factTable;
    private final String sweep;
    private final long pollMillis;
    private final Deque<Commit<T>> buffer = new ArrayDeque<>();
    private final Map<Long, Map<String, Long>> pendingPurges = new TreeMap<>();
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(
                    r -> {
                        Thread t = new Thread(r, "touched-rows-poll-timer");
                        t.setDaemon(true);
                        return t;
                    });

    /** Per key ({@code job/table}, as in the checkpointed split): the last commit emitted. */
    private Map<String, Long> offsets;

    /** Per job: the last commit emitted since start, what a completed checkpoint may purge. */
    private final Map<String, Long> jobOffsets = new HashMap<>();

    private long nextPoll;
    private final WarehouseSession session;

    TouchedRowsReader(
            SourceReaderContext context,
            WarehouseConnectionOptions connection,
            TouchedRowsQueries<T> queries,
            String factTable,
            String sweep,
            long pollMillis) {
        this.context = context;
        this.session = new WarehouseSession(connection, "pg2gp rollup touched-rows reader");
        this.queries = queries;
        this.factTable = factTable;
        this.sweep = sweep;
        this.pollMillis = pollMillis;
    }

    @Override
    public void start() {
        context.sendSplitRequest();
    }

    @Override
    public InputStatus pollNext(ReaderOutput<T> output) throws Exception {
        if (buffer.isEmpty() && offsets != null && System.currentTimeMillis() >= nextPoll) {
            fetch();
            nextPoll = System.currentTimeMillis() + pollMillis;
        }
        Commit<T> c = buffer.poll();
        if (c == null) {
            return InputStatus.NOTHING_AVAILABLE;
        }
        for (T value : c.values()) {
            output.collect(value);
        }
        if (c.job() != null) {
            offsets.put(c.key(), c.seq());
            jobOffsets.put(c.job(), c.seq());
        }
        return buffer.isEmpty() ? InputStatus.NOTHING_AVAILABLE : InputStatus.MORE_AVAILABLE;
    }

    private void fetch() throws SQLException {
        long from = offsets.values().stream().mapToLong(Long::longValue).min().orElse(0L);
        List<Touched<T>> rows;
        List<T> swept;
        try {
            rows = queries.readAfter(session.get(), factTable, from, FETCH);
            swept = sweep == null ? List.of() : queries.readValues(session.get(), sweep);
        } catch (SQLException e) {
            session.discard();
            throw e;
        }
        Map<String, Map<Long, List<T>>> byJob = new HashMap<>();
        for (Touched<T> row : rows) {
            if (row.commitSeq() > offsets.getOrDefault(key(row.job()), 0L)) {
                byJob.computeIfAbsent(row.job(), k -> new TreeMap<>())
                        .computeIfAbsent(row.commitSeq(), s -> new ArrayList<>())
                        .add(row.value());
            }
        }
        List<Commit<T>> commits = new ArrayList<>();
        byJob.forEach(
                (job, seqs) ->
                        seqs.forEach((seq, v) -> commits.add(new Commit<>(job, key(job), seq, v))));
        commits.sort((a, b) -> Long.compare(a.seq(), b.seq()));
        buffer.addAll(commits);
        if (!swept.isEmpty()) {
            buffer.add(new Commit<>(null, null, 0, swept));
        }
    }

    /** The offset key of a job's commits into this fact table, as checkpointed. */
    private String key(String job) {
        return job + "/" + factTable;
    }

    @Override
    public List<TouchedHoursSplit> snapshotState(long checkpointId) {
        if (offsets == null) {
            return List.of();
        }
        pendingPurges.put(checkpointId, new HashMap<>(jobOffsets));
        return List.of(new TouchedHoursSplit(offsets));
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        Map<String, Long> covered = pendingPurges.remove(checkpointId);
        pendingPurges.keySet().removeIf(id -> id < checkpointId);
        if (covered == null || covered.isEmpty()) {
            return;
        }
        try {
            for (Map.Entry<String, Long> e : covered.entrySet()) {
                queries.purge(session.get(), factTable, e.getKey(), e.getValue());
            }
        } catch (SQLException e) {
            // Harmless: the rows are skipped by offset and purged after a later checkpoint.
            LOG.warn("purging consumed rows of {} failed: {}", queries.table(), e.getMessage());
            session.discard();
        }
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        if (!buffer.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        long wait =
                offsets == null ? pollMillis : Math.max(1, nextPoll - System.currentTimeMillis());
        CompletableFuture<Void> f = new CompletableFuture<>();
        timer.schedule(() -> f.complete(null), wait, TimeUnit.MILLISECONDS);
        return f;
    }

    @Override
    public void addSplits(List<TouchedHoursSplit> splits) {
        for (TouchedHoursSplit s : splits) {
            offsets = new TreeMap<>(s.offsets());
            LOG.info("reading {} of {} after {}", queries.table(), factTable, offsets);
        }
    }

    @Override
    public void notifyNoMoreSplits() {}

    @Override
    public void close() {
        timer.shutdownNow();
        session.discard();
    }
}
