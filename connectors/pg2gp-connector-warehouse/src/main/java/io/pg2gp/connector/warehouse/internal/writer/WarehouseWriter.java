package io.pg2gp.connector.warehouse.internal.writer;

import io.pg2gp.connector.warehouse.LoaderKind;
import io.pg2gp.connector.warehouse.WarehouseRecord;
import io.pg2gp.connector.warehouse.WarehouseRecordSerializer;
import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.internal.commit.StagedBatch;
import io.pg2gp.connector.warehouse.internal.load.StagingLoader;
import io.pg2gp.connector.warehouse.internal.sql.BookkeepingTables;
import io.pg2gp.connector.warehouse.internal.sql.WarehouseSetup;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Stages rows into the warehouse continuously: rows are encoded as they arrive and staged in chunks
 * of bounded size, tagged with a batch id and the checkpoint they belong to. At each checkpoint the
 * batch is closed and handed on as a {@link StagedBatch}; the committer applies it once the
 * checkpoint completes. Memory stays bounded by the chunk size however large a batch grows.
 *
 * <p>A row the warehouse cannot hold becomes a dead letter with its reason, and the rest of the
 * batch goes on: values are checked while encoding, and a chunk the warehouse rejects is split
 * until the offending row is isolated.
 */
@Internal
public final class WarehouseWriter<IN>
        implements CommittingSinkWriter<IN, StagedBatch>, StatefulSinkWriter<IN, WriterState> {

    private static final Logger LOG = LoggerFactory.getLogger(WarehouseWriter.class);

    /** Writer gauge: 1 while the subtask stages through gpfdist, 0 through COPY. */
    public static final String LOADER_GPFDIST_GAUGE = "pg2gpStagingLoaderGpfdist";

    private final WarehouseRecordSerializer<IN> serializer;
    private final WarehouseTable table;
    private final String job;
    private final int subtask;
    private final int chunkBytes;
    private final StagingRowEncoder rows;
    private final String[] columnNames;
    private final Connection connection;
    private final StagingLoader loader;
    private final String deadLetterInsert;
    private final BookkeepingTables bookkeeping;

    /** Whether staging has slots whose tags are recorded; null until the first row asks. */
    private Boolean recordsTags;

    private long recordedTag = -1;
    private final SplittableRandom random = new SplittableRandom(new SecureRandom().nextLong());

    private final ByteBuf buffer;
    private int[] rowEnds = new int[1024];
    private long[] rowLsns = new long[1024];
    private byte[] rowOps = new byte[1024];

    /** The chunk's records, kept only for binary rows: a rejected one is shown from its values. */
    private WarehouseRecord[] rowRecords;

    private int rowCount;
    private final List<DeadLetter> pendingDeadLetters = new ArrayList<>();

    /** Whether the rows of the open batch and tag have been started in {@link #rows}. */
    private boolean rowsStarted;

    private long batchId;
    private long tag;
    private long seq;
    private long batchRows;
    private long batchBytes;
    private long batchDeadLetters;
    private long batchMaxLsn;

    private final Counter rowsSent;
    private final Counter bytesSent;
    private final Counter rowsRejected;
    private volatile long lastStageMillis;

    public WarehouseWriter(
            WarehouseRecordSerializer<IN> serializer,
            WarehouseTable table,
            BookkeepingTables bookkeeping,
            String job,
            int subtask,
            long initialTag,
            int chunkBytes,
            Connection connection,
            StagingLoader loader,
            SinkWriterMetricGroup metrics) {
        this.serializer = serializer;
        this.table = table;
        this.job = job;
        this.subtask = subtask;
        this.chunkBytes = chunkBytes;
        boolean binary = loader.binaryRows();
        this.rows = binary ? new BinaryStagingRows(table) : new TextStagingRows(table);
        this.rowRecords = binary ? new WarehouseRecord[rowEnds.length] : null;
        this.columnNames =
                table.columns().stream().map(WarehouseTable.Column::name).toArray(String[]::new);
        this.connection = connection;
        this.loader = loader;
        this.bookkeeping = bookkeeping;
        this.deadLetterInsert =
                "INSERT INTO "
                        + bookkeeping.stagedDeadLetters()
                        + " (_pg2gp_job, _pg2gp_batch, _pg2gp_tag, target_table, reason, cdc_lsn,"
                        + " cdc_op, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
        this.buffer = new ByteBuf(Math.min(chunkBytes + (chunkBytes >> 3), 64 << 20));
        this.tag = initialTag;
        this.rowsSent = metrics.getNumRecordsSendCounter();
        this.bytesSent = metrics.getNumBytesSendCounter();
        this.rowsRejected = metrics.getNumRecordsSendErrorsCounter();
        metrics.setCurrentSendTimeGauge(() -> lastStageMillis);
        // The open micro-batch: what the next checkpoint will hand to the committer.
        metrics.gauge("pg2gpBatchRows", () -> batchRows + rowCount);
        metrics.gauge("pg2gpBatchBytes", () -> batchBytes + buffer.size());
        metrics.gauge("pg2gpLastStageMillis", () -> lastStageMillis);
        // With loader AUTO a writer may have fallen back to COPY: say which it uses.
        int gpfdist = loader.kind() == LoaderKind.GPFDIST ? 1 : 0;
        metrics.gauge(LOADER_GPFDIST_GAUGE, () -> gpfdist);
        newBatch();
    }

    @Override
    public void write(IN element, Context context) throws IOException {
        WarehouseRecord rec = serializer.serialize(element);
        if (rec == null) {
            return;
        }
        if (rec.rejectReason() != null) {
            deadLetter(rec, rec.rejectReason());
            return;
        }
        if (!rowsStarted) {
            recordTag();
            rows.startRows(job, batchId, tag);
            rowsStarted = true;
        }
        String error = rows.encode(rec, seq, buffer);
        if (error != null) {
            deadLetter(rec, error);
            return;
        }
        seq++;
        addRow(buffer.size(), rec);
        if (buffer.size() >= chunkBytes) {
            stageChunk();
        }
    }

    /**
     * Records the tag of the rows that follow before the first of them is staged (committed on its
     * own), where staging has slots: the committer truncates a slot only when no recorded tag in it
     * belongs to a checkpoint it has not applied, so rows staged later than this record are never
     * truncated with it (see {@code StagingPurge}).
     */
    private void recordTag() throws IOException {
        if (tag == recordedTag) {
            return;
        }
        try {
            if (recordsTags == null) {
                recordsTags =
                        bookkeeping.dialect().stagingSlots() > 0
                                && WarehouseSetup.stagingSlotted(
                                        connection, bookkeeping.stagingTable(table));
            }
            if (recordsTags) {
                try (PreparedStatement p =
                        connection.prepareStatement(
                                "INSERT INTO "
                                        + bookkeeping.stagedTags()
                                        + " (job, target_table, tag) VALUES (?, ?, ?)")) {
                    p.setString(1, job);
                    p.setString(2, table.qualifiedName());
                    p.setLong(3, tag);
                    p.executeUpdate();
                }
            }
            recordedTag = tag;
        } catch (SQLException e) {
            throw new IOException(
                    "recording staged checkpoint " + tag + " for " + table.qualifiedName(), e);
        }
    }

    private void addRow(int end, WarehouseRecord rec) {
        if (rowCount == rowEnds.length) {
            rowEnds = Arrays.copyOf(rowEnds, rowCount * 2);
            rowLsns = Arrays.copyOf(rowLsns, rowCount * 2);
            rowOps = Arrays.copyOf(rowOps, rowCount * 2);
            if (rowRecords != null) {
                rowRecords = Arrays.copyOf(rowRecords, rowCount * 2);
            }
        }
        rowEnds[rowCount] = end;
        rowLsns[rowCount] = rec.lsn();
        rowOps[rowCount] = (byte) rec.op().code();
        if (rowRecords != null) {
            rowRecords[rowCount] = rec;
        }
        rowCount++;
    }

    private void deadLetter(WarehouseRecord rec, String reason) {
        LOG.warn("dead letter for {} (lsn {}): {}", table.qualifiedName(), rec.lsn(), reason);
        pendingDeadLetters.add(
                new DeadLetter(
                        reason,
                        rec.lsn(),
                        rec.rejectedOpCode(),
                        rec.rejectedPayload() != null
                                ? rec.rejectedPayload()
                                : DeadLetter.toJson(columnNames, rec.values())));
    }

    @Override
    public void flush(boolean endOfInput) throws IOException {
        stageChunk();
    }

    @Override
    public Collection<StagedBatch> prepareCommit() throws IOException {
        stageChunk();
        if (batchRows == 0 && batchDeadLetters == 0) {
            return List.of();
        }
        StagedBatch staged =
                new StagedBatch(
                        table.qualifiedName(),
                        batchId,
                        tag,
                        subtask,
                        batchRows,
                        batchDeadLetters,
                        batchMaxLsn);
        newBatch();
        return List.of(staged);
    }

    @Override
    public List<WriterState> snapshotState(long checkpointId) {
        // Rows staged from now on belong to a later checkpoint.
        tag = checkpointId + 1;
        rowsStarted = false;
        return List.of(new WriterState(checkpointId));
    }

    private void newBatch() {
        batchId = random.nextLong() & Long.MAX_VALUE;
        rowsStarted = false;
        seq = 0;
        batchRows = 0;
        batchBytes = 0;
        batchDeadLetters = 0;
        batchMaxLsn = 0;
    }

    private void stageChunk() throws IOException {
        if (rowCount == 0 && pendingDeadLetters.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        try {
            if (rowCount > 0) {
                loadRows(0, rowCount);
                bytesSent.inc(buffer.size());
                batchBytes += buffer.size();
            }
            if (!pendingDeadLetters.isEmpty()) {
                stageDeadLetters();
            }
        } catch (SQLException e) {
            throw new IOException(
                    "staging rows for " + table.qualifiedName() + " failed: " + e.getMessage(), e);
        }
        buffer.clear();
        if (rowRecords != null) {
            Arrays.fill(rowRecords, 0, rowCount, null);
        }
        rowCount = 0;
        lastStageMillis = (System.nanoTime() - start) / 1_000_000;
    }

    /** Loads rows [from, to); on a data error splits the range to isolate the rejected row. */
    private void loadRows(int from, int to) throws SQLException {
        int startByte = from == 0 ? 0 : rowEnds[from - 1];
        int endByte = rowEnds[to - 1];
        try {
            loader.load(buffer.array(), startByte, endByte - startByte, to - from);
            batchRows += to - from;
            rowsSent.inc(to - from);
            for (int i = from; i < to; i++) {
                batchMaxLsn = Math.max(batchMaxLsn, rowLsns[i]);
            }
        } catch (SQLException e) {
            if (!isRowError(e)) {
                throw e;
            }
            if (to - from == 1) {
                LOG.warn(
                        "warehouse rejected a row of {} (lsn {}): {}",
                        table.qualifiedName(),
                        rowLsns[from],
                        e.getMessage());
                pendingDeadLetters.add(
                        new DeadLetter(
                                "rejected by the warehouse: " + e.getMessage(),
                                rowLsns[from],
                                (char) rowOps[from],
                                rejectedRowJson(startByte, endByte, from)));
                return;
            }
            int mid = (from + to) >>> 1;
            loadRows(from, mid);
            loadRows(mid, to);
        }
    }

    /** A rejected row for its dead letter: its values, or for COPY TEXT its line. */
    private String rejectedRowJson(int startByte, int endByte, int row) {
        if (rowRecords != null) {
            return DeadLetter.toJson(columnNames, rowRecords[row].values());
        }
        String line =
                new String(
                        buffer.array(), startByte, endByte - startByte - 1, StandardCharsets.UTF_8);
        return DeadLetter.toJson(new String[] {"copy_text_line"}, new Object[] {line});
    }

    /** Errors caused by a row's content (SQLSTATE classes 22 data exception, 23 integrity). */
    static boolean isRowError(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    private void stageDeadLetters() throws SQLException {
        try (PreparedStatement p = connection.prepareStatement(deadLetterInsert)) {
            for (DeadLetter d : pendingDeadLetters) {
                p.setString(1, job);
                p.setLong(2, batchId);
                p.setLong(3, tag);
                p.setString(4, table.qualifiedName());
                p.setString(5, d.reason());
                p.setLong(6, d.lsn());
                p.setString(7, String.valueOf(d.op()));
                p.setString(8, d.payloadJson());
                p.addBatch();
            }
            p.executeBatch();
        }
        batchDeadLetters += pendingDeadLetters.size();
        rowsRejected.inc(pendingDeadLetters.size());
        pendingDeadLetters.clear();
    }

    @Override
    public void close() throws Exception {
        try {
            loader.close();
        } finally {
            connection.close();
        }
    }
}
