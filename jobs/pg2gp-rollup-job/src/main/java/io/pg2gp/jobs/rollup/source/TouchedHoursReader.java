package io.pg2gp.jobs.rollup.source;

import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.connector.warehouse.WarehouseSession;

import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.core.io.InputStatus;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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

    /**
     * An hour as epoch millis; {@code ±infinity} (a fact row dated {@code 'infinity'}), which has
     * no epoch and fails a cast to bigint, as {@link Long#MAX_VALUE} / {@link Long#MIN_VALUE}, so
     * the recompute ignores and counts it like any hour outside {@code rollup.hour-range}.
     */
    static final String HOUR_MILLIS =
            "CASE WHEN isfinite(hour) THEN (extract(epoch FROM hour) * 1000)::bigint"
                    + " WHEN hour > 'epoch' THEN 9223372036854775807"
                    + " ELSE -9223372036854775808 END";

    private record Commit(String key, long seq, List<Long> hours) {}

    private final SourceReaderContext context;
    private final String touchedHours;
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
    private Map<String, Long> offsets;
    private long nextPoll;
    private final WarehouseSession session;

    TouchedHoursReader(
            SourceReaderContext context,
            WarehouseConnectionOptions connection,
            String touchedHours,
            String factTable,
            long pollMillis) {
        this.context = context;
        this.session = new WarehouseSession(connection, "pg2gp rollup touched-hours reader");
        this.touchedHours = touchedHours;
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
        return buffer.isEmpty() ? InputStatus.NOTHING_AVAILABLE : InputStatus.MORE_AVAILABLE;
    }

    private void fetch() throws SQLException {
        long from = offsets.values().stream().mapToLong(Long::longValue).min().orElse(0L);
        Map<String, Map<Long, List<Long>>> byKey = new HashMap<>();
        try (PreparedStatement p =
                session.get()
                        .prepareStatement(
                                "SELECT job, commit_seq, "
                                        + HOUR_MILLIS
                                        + " FROM "
                                        + touchedHours
                                        + " WHERE target_table = ? AND commit_seq > ? ORDER BY"
                                        + " commit_seq LIMIT "
                                        + FETCH)) {
            p.setString(1, factTable);
            p.setLong(2, from);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    String key = rs.getString(1) + "/" + factTable;
                    long seq = rs.getLong(2);
                    if (seq > offsets.getOrDefault(key, 0L)) {
                        byKey.computeIfAbsent(key, k -> new TreeMap<>())
                                .computeIfAbsent(seq, s -> new ArrayList<>())
                                .add(rs.getLong(3));
                    }
                }
            }
        } catch (SQLException e) {
            session.discard();
            throw e;
        }
        List<Commit> commits = new ArrayList<>();
        byKey.forEach(
                (key, seqs) -> seqs.forEach((seq, h) -> commits.add(new Commit(key, seq, h))));
        commits.sort((a, b) -> Long.compare(a.seq(), b.seq()));
        buffer.addAll(commits);
    }

    @Override
    public List<TouchedHoursSplit> snapshotState(long checkpointId) {
        if (offsets == null) {
            return List.of();
        }
        pendingPurges.put(checkpointId, new HashMap<>(offsets));
        return List.of(new TouchedHoursSplit(offsets));
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        Map<String, Long> covered = pendingPurges.remove(checkpointId);
        pendingPurges.keySet().removeIf(id -> id < checkpointId);
        if (covered == null || covered.isEmpty()) {
            return;
        }
        try (Statement s = session.get().createStatement()) {
            for (Map.Entry<String, Long> e : covered.entrySet()) {
                String job = e.getKey().substring(0, e.getKey().lastIndexOf('/' + factTable));
                s.executeUpdate(
                        "DELETE FROM "
                                + touchedHours
                                + " WHERE target_table = '"
                                + factTable
                                + "' AND job = '"
                                + job.replace("'", "''")
                                + "' AND commit_seq <= "
                                + e.getValue());
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
