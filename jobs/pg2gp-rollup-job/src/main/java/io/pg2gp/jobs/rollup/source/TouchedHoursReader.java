package io.pg2gp.jobs.rollup.source;

import io.pg2gp.connector.warehouse.BookkeepingSchema;
import io.pg2gp.connector.warehouse.TouchedHoursQueries;
import io.pg2gp.connector.warehouse.TouchedHoursQueries.TouchedHour;
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
 * Polls {@code touched_hours} for commits after its offsets and emits their hours (epoch millis),
 * all hours of one commit in one call so a checkpoint never splits a commit. Once a checkpoint that
 * covers rows completes, the rows are deleted: the table stays small.
 */
final class TouchedHoursReader implements SourceReader<Long, TouchedHoursSplit> {

    private static final Logger LOG = LoggerFactory.getLogger(TouchedHoursReader.class);
    private static final int FETCH = 50_000;

    private record Commit(String job, String key, long seq, List<Long> hours) {}

    private final SourceReaderContext context;
    private final TouchedHoursQueries queries;
    private final String factTable;
    private final long pollMillis;
    private final Deque<Commit> buffer = new ArrayDeque<>();
    private final Map<Long, Map<String, Long>> pendingPurges = new TreeMap<>();
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(
                    r -> {
                        Thread t = new Thread(r, "touched-hours-poll-timer");
                        t.setDaemon(true);
                        return t;
                    });

    /** Per key ({@code job/table}, as in the checkpointed split): the last commit emitted. */
    private Map<String, Long> offsets;

    /** Per job: the last commit emitted since start, what a completed checkpoint may purge. */
    private final Map<String, Long> jobOffsets = new HashMap<>();

    private long nextPoll;
    private final WarehouseSession session;

    TouchedHoursReader(
            SourceReaderContext context,
            WarehouseConnectionOptions connection,
            BookkeepingSchema bookkeeping,
            String factTable,
            long pollMillis) {
        this.context = context;
        this.session = new WarehouseSession(connection, "pg2gp rollup touched-hours reader");
        this.queries = new TouchedHoursQueries(bookkeeping);
        this.factTable = factTable;
        this.pollMillis = pollMillis;
    }

    @Override
    public void start() {
        context.sendSplitRequest();
    }

    @Override
    public InputStatus pollNext(ReaderOutput<Long> output) throws Exception {
        if (buffer.isEmpty() && offsets != null && System.currentTimeMillis() >= nextPoll) {
            fetch();
            nextPoll = System.currentTimeMillis() + pollMillis;
        }
        Commit c = buffer.poll();
        if (c == null) {
            return InputStatus.NOTHING_AVAILABLE;
        }
        for (long h : c.hours()) {
            output.collect(h);
        }
        offsets.put(c.key(), c.seq());
        jobOffsets.put(c.job(), c.seq());
        return buffer.isEmpty() ? InputStatus.NOTHING_AVAILABLE : InputStatus.MORE_AVAILABLE;
    }

    private void fetch() throws SQLException {
        long from = offsets.values().stream().mapToLong(Long::longValue).min().orElse(0L);
        List<TouchedHour> rows;
        try {
            rows = queries.readAfter(session.get(), factTable, from, FETCH);
        } catch (SQLException e) {
            session.discard();
            throw e;
        }
        Map<String, Map<Long, List<Long>>> byJob = new HashMap<>();
        for (TouchedHour row : rows) {
            if (row.commitSeq() > offsets.getOrDefault(key(row.job()), 0L)) {
                byJob.computeIfAbsent(row.job(), k -> new TreeMap<>())
                        .computeIfAbsent(row.commitSeq(), s -> new ArrayList<>())
                        .add(row.hourMillis());
            }
        }
        List<Commit> commits = new ArrayList<>();
        byJob.forEach(
                (job, seqs) ->
                        seqs.forEach((seq, h) -> commits.add(new Commit(job, key(job), seq, h))));
        commits.sort((a, b) -> Long.compare(a.seq(), b.seq()));
        buffer.addAll(commits);
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
            LOG.warn("purging consumed touched hours failed: {}", e.getMessage());
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
            LOG.info("reading touched hours of {} after {}", factTable, offsets);
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
