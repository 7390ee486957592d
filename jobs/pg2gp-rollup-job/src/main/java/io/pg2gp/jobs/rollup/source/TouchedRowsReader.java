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
 * Polls a touched-rows table ({@code touched_hours}, {@code touched_keys}) for commits after its
 * offsets and emits their values, all values of one commit in one call so a checkpoint never splits
 * a commit. Once a checkpoint that covers rows completes, the rows are deleted: the table stays
 * small. With a sweep query it also emits, at every poll, the values that query returns (keys whose
 * results time has made stale), which move no offset.
 */
final class TouchedRowsReader<T> implements SourceReader<T, TouchedHoursSplit> {

    private static final Logger LOG = LoggerFactory.getLogger(TouchedRowsReader.class);
    private static final int FETCH = 50_000;

    /** One commit's values; {@code key} null for a sweep's. */
    private record Commit<T>(String key, long seq, List<T> values) {}

    private final SourceReaderContext context;
    private final String touchedHours;
    private final String factTable;
    private final String valueExpression;
    private final TouchedRowsSource.ValueReader<T> values;
    private final String sweep;
    private final long pollMillis;
    private final Deque<Commit<T>> buffer = new ArrayDeque<>();
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

    TouchedRowsReader(
            SourceReaderContext context,
            WarehouseConnectionOptions connection,
            String touchedHours,
            String factTable,
            String valueExpression,
            TouchedRowsSource.ValueReader<T> values,
            String sweep,
            long pollMillis) {
        this.context = context;
        this.session = new WarehouseSession(connection, "pg2gp rollup touched-rows reader");
        this.touchedHours = touchedHours;
        this.factTable = factTable;
        this.valueExpression = valueExpression;
        this.values = values;
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
        if (c.key() != null) {
            offsets.put(c.key(), c.seq());
        }
        return buffer.isEmpty() ? InputStatus.NOTHING_AVAILABLE : InputStatus.MORE_AVAILABLE;
    }

    private void fetch() throws SQLException {
        long from = offsets.values().stream().mapToLong(Long::longValue).min().orElse(0L);
        Map<String, Map<Long, List<T>>> byKey = new HashMap<>();
        try (PreparedStatement p =
                session.get()
                        .prepareStatement(
                                "SELECT job, commit_seq, "
                                        + valueExpression
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
                                .add(values.read(rs, 3));
                    }
                }
            }
            List<Commit<T>> commits = new ArrayList<>();
            byKey.forEach(
                    (key, seqs) ->
                            seqs.forEach((seq, v) -> commits.add(new Commit<>(key, seq, v))));
            commits.sort((a, b) -> Long.compare(a.seq(), b.seq()));
            buffer.addAll(commits);
            if (sweep != null) {
                List<T> swept = new ArrayList<>();
                try (Statement s = session.get().createStatement();
                        ResultSet rs = s.executeQuery(sweep)) {
                    while (rs.next()) {
                        swept.add(values.read(rs, 1));
                    }
                }
                if (!swept.isEmpty()) {
                    buffer.add(new Commit<>(null, 0, swept));
                }
            }
        } catch (SQLException e) {
            session.discard();
            throw e;
        }
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
            LOG.warn("purging consumed rows of {} failed: {}", touchedHours, e.getMessage());
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
            LOG.info("reading {} of {} after {}", touchedHours, factTable, offsets);
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
