package io.pg2gp.connector.warehouse.internal.commit;

import io.pg2gp.connector.warehouse.ColumnType;
import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.internal.sql.ApplyStatements;
import io.pg2gp.connector.warehouse.internal.sql.BookkeepingTables;
import io.pg2gp.connector.warehouse.internal.sql.WarehouseSetup;
import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SharedPostgres;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Applying committables to a real PostgreSQL target: per key the latest version wins, the warehouse
 * never goes back to an older LSN, deletes, touched hours, the ledger makes a retried commit a
 * no-op, and staging is purged up to the checkpoint.
 */
class BatchApplierITCase {

    private static final String JOB = "it-job";
    private static final String TARGET = "public.items";
    private static final String STAGE = "pg2gp.stage_public_items";

    private static final WarehouseTable TABLE =
            WarehouseTable.builder("public", "items")
                    .column("id", ColumnType.UUID)
                    .column("name", ColumnType.TEXT)
                    .column("qty", ColumnType.INT4)
                    .column("created_at", ColumnType.TIMESTAMPTZ)
                    .key("id")
                    .hourColumn("created_at")
                    .touchedKeyColumn("qty")
                    .build();

    private static final UUID A = UUID.fromString("00000000-0000-0000-0000-00000000000a");
    private static final UUID B = UUID.fromString("00000000-0000-0000-0000-00000000000b");
    private static final UUID C = UUID.fromString("00000000-0000-0000-0000-00000000000c");
    private static final UUID D = UUID.fromString("00000000-0000-0000-0000-00000000000d");
    private static final UUID E = UUID.fromString("00000000-0000-0000-0000-00000000000e");
    private static final UUID F = UUID.fromString("00000000-0000-0000-0000-00000000000f");

    private static final String T1015 = "2024-05-01T10:15:00Z";
    private static final String T1340 = "2024-05-01T13:40:00Z";

    private final PostgresServer server = SharedPostgres.warehouse();
    private Connection c;
    private BookkeepingTables bookkeeping;
    private final Map<Long, Integer> batchRows = new HashMap<>();
    private final Map<Long, Long> batchMaxLsn = new HashMap<>();
    private final Map<Long, Integer> batchDead = new HashMap<>();
    private long nextCommitId = 1000;

    @BeforeEach
    void createDatabase() throws SQLException {
        String db = server.createDatabase(SharedPostgres.uniqueDatabase("apply"));
        c = server.connect(db);
        execute(
                "SET TIME ZONE 'UTC'",
                "CREATE TABLE public.items (id uuid PRIMARY KEY, name text, qty integer,"
                        + " created_at timestamptz, _cdc_lsn bigint NOT NULL, _cdc_op char(1)"
                        + " NOT NULL, _cdc_committed_at timestamptz, _synced_at timestamptz NOT"
                        + " NULL DEFAULT now(), _deleted boolean NOT NULL DEFAULT false)");
        bookkeeping = new BookkeepingTables("pg2gp", WarehouseDialect.detect(c));
        WarehouseSetup.ensureBookkeeping(c, bookkeeping, TABLE);
        WarehouseSetup.checkTarget(c, TABLE, DeleteMode.SOFT);
    }

    @AfterEach
    void closeConnection() throws SQLException {
        c.close();
    }

    private BatchApplier applier(DeleteMode mode) throws SQLException {
        boolean partitioned = WarehouseDialect.POSTGRES.isPartitioned(c, TARGET);
        return new BatchApplier(
                JOB,
                TABLE,
                new ApplyStatements(
                        TABLE, bookkeeping, mode, WarehouseDialect.POSTGRES, partitioned),
                "64MB");
    }

    // ---------------------------------------------------------------- staging by hand

    /** Stages one version of a row, as a writer would for batch {@code batch} of {@code tag}. */
    private void stage(
            String job,
            long batch,
            long tag,
            long seq,
            UUID id,
            String name,
            Integer qty,
            String createdAt,
            long lsn,
            char op)
            throws SQLException {
        stage(job, batch, tag, seq, id, name, qty, createdAt, null, lsn, op);
    }

    /** As above, for an update that moved the row's hour from {@code previousCreatedAt}. */
    private void stage(
            String job,
            long batch,
            long tag,
            long seq,
            UUID id,
            String name,
            Integer qty,
            String createdAt,
            String previousCreatedAt,
            long lsn,
            char op)
            throws SQLException {
        try (PreparedStatement p =
                c.prepareStatement(
                        "INSERT INTO "
                                + STAGE
                                + " ("
                                + BookkeepingTables.stagingColumnList(TABLE)
                                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?)")) {
            p.setString(1, job);
            p.setLong(2, batch);
            p.setLong(3, tag);
            p.setLong(4, seq);
            p.setObject(5, id);
            p.setString(6, name);
            p.setObject(7, qty);
            p.setTimestamp(8, createdAt == null ? null : Timestamp.from(Instant.parse(createdAt)));
            p.setLong(9, lsn);
            p.setString(10, String.valueOf(op));
            p.setTimestamp(
                    11,
                    previousCreatedAt == null
                            ? null
                            : Timestamp.from(Instant.parse(previousCreatedAt)));
            p.executeUpdate();
        }
        // As a writer records each checkpoint tag before staging its rows (staging slots).
        try (PreparedStatement p =
                c.prepareStatement(
                        "INSERT INTO "
                                + bookkeeping.stagedTags()
                                + " (job, target_table, tag) VALUES (?, ?, ?)")) {
            p.setString(1, job);
            p.setString(2, TARGET);
            p.setLong(3, tag);
            p.executeUpdate();
        }
        if (job.equals(JOB)) {
            batchRows.merge(batch, 1, Integer::sum);
            batchMaxLsn.merge(batch, lsn, Math::max);
        }
    }

    private void stage(long batch, long tag, long seq, UUID id, String name, long lsn, char op)
            throws SQLException {
        stage(JOB, batch, tag, seq, id, name, 1, T1015, lsn, op);
    }

    private void stageDeadLetter(String job, long batch, long tag, String reason)
            throws SQLException {
        try (PreparedStatement p =
                c.prepareStatement(
                        "INSERT INTO "
                                + bookkeeping.stagedDeadLetters()
                                + " (_pg2gp_job, _pg2gp_batch, _pg2gp_tag, target_table, reason,"
                                + " cdc_lsn, cdc_op, payload) VALUES (?, ?, ?, ?, ?, 7, 'u',"
                                + " '{}')")) {
            p.setString(1, job);
            p.setLong(2, batch);
            p.setLong(3, tag);
            p.setString(4, TARGET);
            p.setString(5, reason);
            p.executeUpdate();
        }
        if (job.equals(JOB)) {
            batchDead.merge(batch, 1, Integer::sum);
        }
    }

    /** The committable the aggregator would build for these batches (subtask = position). */
    private WarehouseCommittable committable(long checkpointId, long... batchIds) {
        List<StagedBatch> batches = new ArrayList<>();
        for (int i = 0; i < batchIds.length; i++) {
            long b = batchIds[i];
            batches.add(
                    new StagedBatch(
                            TARGET,
                            b,
                            checkpointId,
                            i,
                            batchRows.getOrDefault(b, 0),
                            batchDead.getOrDefault(b, 0),
                            batchMaxLsn.getOrDefault(b, 0L)));
        }
        return new WarehouseCommittable(nextCommitId++, checkpointId, TARGET, batches);
    }

    // ---------------------------------------------------------------- reading the warehouse

    private void execute(String... statements) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    private long count(String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** {@code id -> "name@lsn/op"} of every target row. */
    private Map<UUID, String> target() throws SQLException {
        Map<UUID, String> rows = new HashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT id, name, _cdc_lsn, _cdc_op, _deleted FROM " + TARGET)) {
            while (rs.next()) {
                rows.put(
                        rs.getObject(1, UUID.class),
                        rs.getString(2)
                                + "@"
                                + rs.getLong(3)
                                + "/"
                                + rs.getString(4)
                                + (rs.getBoolean(5) ? " deleted" : ""));
            }
        }
        return rows;
    }

    private List<String> touchedHours(long commitSeq) throws SQLException {
        return GreenplumApplyFixture.touchedHours(c, bookkeeping, commitSeq);
    }

    // ---------------------------------------------------------------- tests

    @Test
    void theLatestVersionOfEachKeyByLsnWinsAcrossBatchesOfOneCommittable() throws Exception {
        // Subtask 0 saw A at LSN 30 before A at LSN 10 (seq order must not matter across LSNs).
        stage(1, 1, 0, A, "a@30", 30, 'u');
        stage(1, 1, 1, A, "a@10", 10, 'c');
        // Subtask 1 saw A at LSN 20 and B.
        stage(2, 1, 0, A, "a@20", 20, 'u');
        stage(2, 1, 1, B, "b@5", 5, 'c');

        BatchApplier.Result r = applier(DeleteMode.MIRROR).apply(c, committable(1, 1, 2));

        assertThat(r.alreadyApplied()).isFalse();
        assertThat(r.upserted()).isEqualTo(2);
        assertThat(target()).containsOnly(Map.entry(A, "a@30@30/u"), Map.entry(B, "b@5@5/c"));
        try (Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT job, target_table, checkpoint_id, commit_seq, batches,"
                                        + " rows_staged, rows_upserted, dead_letters, max_lsn FROM "
                                        + bookkeeping.ledger())) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo(JOB);
            assertThat(rs.getString(2)).isEqualTo(TARGET);
            assertThat(rs.getLong(3)).isEqualTo(1);
            assertThat(rs.getLong(4)).isEqualTo(r.commitSeq());
            assertThat(rs.getInt(5)).isEqualTo(2);
            assertThat(rs.getLong(6)).isEqualTo(4);
            assertThat(rs.getLong(7)).isEqualTo(2);
            assertThat(rs.getLong(8)).isZero();
            assertThat(rs.getLong(9)).isEqualTo(30);
            assertThat(rs.next()).isFalse();
        }
        assertThat(c.getAutoCommit()).isTrue();
    }

    @Test
    void equalLsnsAreDecidedByTheLaterStagedRow() throws Exception {
        // Physically stage the later row first so only the ordering by seq can pick it.
        stage(1, 1, 1, A, "second", 10, 'u');
        stage(1, 1, 0, A, "first", 10, 'u');
        stage(1, 1, 3, B, "b-last", 10, 'u');
        stage(1, 1, 2, B, "b-before", 10, 'c');

        applier(DeleteMode.MIRROR).apply(c, committable(1, 1));

        assertThat(target()).containsOnly(Map.entry(A, "second@10/u"), Map.entry(B, "b-last@10/u"));
    }

    @Test
    void anOlderLsnNeverReplacesANewerWarehouseRow() throws Exception {
        BatchApplier applier = applier(DeleteMode.MIRROR);
        stage(1, 1, 0, A, "a@100", 100, 'u');
        stage(1, 1, 1, B, "b@70", 70, 'u');
        applier.apply(c, committable(1, 1));

        // A replayed or reordered older change of A, an older delete of B, and a new key C.
        stage(2, 2, 0, A, "a@50", 50, 'u');
        stage(2, 2, 1, B, null, 60, 'd');
        stage(2, 2, 2, C, "c@55", 55, 'c');
        BatchApplier.Result r = applier.apply(c, committable(2, 2));

        assertThat(target())
                .containsOnly(
                        Map.entry(A, "a@100@100/u"),
                        Map.entry(B, "b@70@70/u"),
                        Map.entry(C, "c@55@55/c"));
        assertThat(r.deleted()).isZero();
        assertThat(r.upserted()).isEqualTo(1);

        // The same LSN again (a replayed change) replaces the row; a newer one does too.
        stage(3, 3, 0, A, "a@100 again", 100, 'u');
        stage(3, 3, 1, B, "b@80", 80, 'u');
        applier.apply(c, committable(3, 3));
        assertThat(target())
                .containsOnly(
                        Map.entry(A, "a@100 again@100/u"),
                        Map.entry(B, "b@80@80/u"),
                        Map.entry(C, "c@55@55/c"));
    }

    @Test
    void aSnapshotReadReplacesWhateverTheTargetHolds() throws Exception {
        BatchApplier applier = applier(DeleteMode.MIRROR);
        stage(1, 1, 0, A, "a@100", 100, 'u');
        applier.apply(c, committable(1, 1));

        stage(2, 2, 0, A, "snapshot", 0, 'r');
        applier.apply(c, committable(2, 2));

        assertThat(target()).containsOnly(Map.entry(A, "snapshot@0/r"));
    }

    /** The statements an apply ran that write the target, by their first words. */
    private List<String> targetWrites(BatchApplier applier, WarehouseCommittable committable)
            throws SQLException {
        List<String> writes = new ArrayList<>();
        ObservedApply.apply(
                applier,
                c,
                committable,
                sql -> {
                    for (String verb : List.of("UPDATE ", "DELETE FROM ", "INSERT INTO ")) {
                        if (sql.startsWith(verb + TARGET + " ")) {
                            writes.add(verb.trim());
                        }
                    }
                });
        return writes;
    }

    @Test
    void replacedVersionsAreUpdatedInPlaceWhereTheTargetAllowsIt() throws Exception {
        BatchApplier applier = applier(DeleteMode.MIRROR);
        stage(1, 1, 0, A, "a", 10, 'c');
        stage(1, 1, 1, B, "b", 11, 'c');
        stage(1, 1, 2, D, "d", 12, 'c');
        applier.apply(c, committable(1, 1));

        stage(2, 2, 0, A, "a2", 20, 'u'); // replaces: overwritten in place
        stage(2, 2, 1, B, "b-old", 5, 'u'); // older than the target's version: ignored
        stage(2, 2, 2, C, "c", 21, 'c'); // new key: inserted
        stage(2, 2, 3, D, null, 22, 'd'); // delete: deleted
        List<String> writes = new ArrayList<>();
        BatchApplier.Result r =
                ObservedApply.apply(
                        applier,
                        c,
                        committable(2, 2),
                        sql -> {
                            if (sql.startsWith("UPDATE " + TARGET + " ")) {
                                writes.add(sql);
                            }
                        });

        assertThat(writes).hasSize(1);
        // The ledger's counts as before: the replaced version counts as deleted and upserted.
        assertThat(r.upserted()).isEqualTo(2);
        assertThat(r.deleted()).isEqualTo(2);
        assertThat(target())
                .containsOnly(
                        Map.entry(A, "a2@20/u"), Map.entry(B, "b@11/c"), Map.entry(C, "c@21/c"));
    }

    @Test
    void aTargetWithAColumnTheSinkDoesNotWriteKeepsDeleteAndInsert() throws Exception {
        execute("ALTER TABLE " + TARGET + " ADD COLUMN note text DEFAULT 'fresh'");
        BatchApplier applier = applier(DeleteMode.MIRROR);
        stage(1, 1, 0, A, "a", 10, 'c');
        applier.apply(c, committable(1, 1));
        execute("UPDATE " + TARGET + " SET note = 'by hand'");

        stage(2, 2, 0, A, "a2", 20, 'u');
        List<String> writes = targetWrites(applier, committable(2, 2));

        // A new version is a new row: the column the sink does not write is back to its default.
        assertThat(writes).doesNotContain("UPDATE").contains("DELETE FROM", "INSERT INTO");
        assertThat(target()).containsOnly(Map.entry(A, "a2@20/u"));
        assertThat(count("SELECT count(*) FROM " + TARGET + " WHERE note = 'fresh'")).isOne();
    }

    private static final WarehouseTable OWNED =
            WarehouseTable.builder("public", "owned")
                    .column("id", ColumnType.UUID)
                    .column("user_id", ColumnType.UUID)
                    .column("name", ColumnType.TEXT)
                    .key("id")
                    .distributedBy("user_id") // as requests_analytical: a key and a NULL-able user
                    .build();

    private void stageOwned(
            long batch, long seq, UUID id, UUID user, String name, long lsn, char op)
            throws SQLException {
        try (PreparedStatement p =
                c.prepareStatement(
                        "INSERT INTO "
                                + bookkeeping.stagingTable(OWNED)
                                + " ("
                                + BookkeepingTables.stagingColumnList(OWNED)
                                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now(), NULL)")) {
            p.setString(1, JOB);
            p.setLong(2, batch);
            p.setLong(3, batch);
            p.setLong(4, seq);
            p.setObject(5, id);
            p.setObject(6, user);
            p.setString(7, name);
            p.setLong(8, lsn);
            p.setString(9, String.valueOf(op));
            p.executeUpdate();
        }
        execute(
                "INSERT INTO "
                        + bookkeeping.stagedTags()
                        + " (job, target_table, tag) VALUES ('"
                        + JOB
                        + "', 'public.owned', "
                        + batch
                        + ")");
        batchRows.merge(batch, 1, Integer::sum);
        batchMaxLsn.merge(batch, lsn, Math::max);
    }

    private Map<UUID, String> owned() throws SQLException {
        Map<UUID, String> rows = new HashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT id, user_id, name, _cdc_lsn FROM public.owned")) {
            while (rs.next()) {
                rows.put(
                        rs.getObject(1, UUID.class),
                        rs.getString(3) + "@" + rs.getLong(4) + " of " + rs.getString(2));
            }
        }
        return rows;
    }

    /**
     * Rows whose distribution column is NULL take the delete and the insert by key alone; with
     * updates in place those must leave the updated rows alone (neither delete nor insert them).
     */
    @Test
    void rowsWithoutADistributionValueAreUpdatedInPlaceToo() throws Exception {
        execute(
                "CREATE TABLE public.owned (id uuid PRIMARY KEY, user_id uuid, name text, _cdc_lsn"
                        + " bigint NOT NULL, _cdc_op char(1) NOT NULL, _cdc_committed_at"
                        + " timestamptz, _synced_at timestamptz NOT NULL DEFAULT now(), _deleted"
                        + " boolean NOT NULL DEFAULT false)");
        WarehouseSetup.ensureBookkeeping(c, bookkeeping, OWNED);
        BatchApplier applier =
                new BatchApplier(
                        JOB,
                        OWNED,
                        new ApplyStatements(
                                OWNED,
                                bookkeeping,
                                DeleteMode.MIRROR,
                                WarehouseDialect.POSTGRES,
                                false),
                        "64MB");
        UUID u1 = UUID.fromString("00000000-0000-0000-0000-0000000000a1");
        stageOwned(1, 0, A, null, "a", 10, 'c');
        stageOwned(1, 1, B, null, "b", 11, 'c');
        stageOwned(1, 2, D, u1, "d", 12, 'c');
        applier.apply(c, committable(1, 1));

        stageOwned(2, 0, A, null, "a2", 20, 'u');
        stageOwned(2, 1, B, u1, "b to u1", 21, 'u');
        stageOwned(2, 2, C, null, "c", 22, 'c');
        stageOwned(2, 3, D, null, null, 23, 'd');
        BatchApplier.Result r = applier.apply(c, committable(2, 2));
        assertThat(r.upserted()).isEqualTo(3);
        assertThat(r.deleted()).isEqualTo(3);
        assertThat(owned())
                .isEqualTo(
                        Map.of(
                                A, "a2@20 of null",
                                B, "b to u1@21 of " + u1,
                                C, "c@22 of null"));

        stageOwned(3, 0, B, null, "b back", 30, 'u');
        stageOwned(3, 1, A, null, "a stale", 15, 'u'); // a replay: loses
        applier.apply(c, committable(3, 3));
        assertThat(owned())
                .isEqualTo(
                        Map.of(
                                A, "a2@20 of null",
                                B, "b back@30 of null",
                                C, "c@22 of null"));
    }

    @Test
    void aDeleteRemovesTheRowInMirrorMode() throws Exception {
        BatchApplier applier = applier(DeleteMode.MIRROR);
        stage(1, 1, 0, A, "a", 10, 'c');
        stage(1, 1, 1, B, "b", 11, 'c');
        applier.apply(c, committable(1, 1));

        stage(2, 2, 0, A, null, 20, 'd');
        BatchApplier.Result r = applier.apply(c, committable(2, 2));

        assertThat(r.deleted()).isEqualTo(1);
        assertThat(r.upserted()).isZero();
        assertThat(target()).containsOnly(Map.entry(B, "b@11/c"));

        // Insert then delete of a key within one batch: the delete is the latest, nothing lands.
        stage(3, 3, 0, C, "c", 30, 'c');
        stage(3, 3, 1, C, null, 31, 'd');
        applier.apply(c, committable(3, 3));
        assertThat(target()).containsOnly(Map.entry(B, "b@11/c"));
    }

    @Test
    void aDeleteMarksTheRowInSoftMode() throws Exception {
        BatchApplier applier = applier(DeleteMode.SOFT);
        stage(1, 1, 0, A, "a", 10, 'c');
        stage(1, 1, 1, B, "b", 11, 'c');
        applier.apply(c, committable(1, 1));

        stage(2, 2, 0, A, null, 20, 'd');
        stage(2, 2, 1, B, null, 5, 'd'); // older than the target's version: ignored
        BatchApplier.Result r = applier.apply(c, committable(2, 2));

        assertThat(r.deleted()).isEqualTo(1);
        assertThat(target()).containsOnly(Map.entry(A, "a@20/d deleted"), Map.entry(B, "b@11/c"));

        // The key comes back later: a live row again.
        stage(3, 3, 0, A, "a again", 30, 'c');
        applier.apply(c, committable(3, 3));
        assertThat(target()).containsOnly(Map.entry(A, "a again@30/c"), Map.entry(B, "b@11/c"));
    }

    @Test
    void touchedHoursHoldTheOldAndTheNewHourOfAMovedRow() throws Exception {
        BatchApplier applier = applier(DeleteMode.MIRROR);
        stage(JOB, 1, 1, 0, A, "a", 1, T1015, 10, 'c');
        BatchApplier.Result first = applier.apply(c, committable(1, 1));
        assertThat(touchedHours(first.commitSeq())).containsExactly("2024-05-01 10:00");

        stage(JOB, 2, 2, 0, A, "a moved", 1, T1340, 20, 'u');
        BatchApplier.Result moved = applier.apply(c, committable(2, 2));
        assertThat(touchedHours(moved.commitSeq()))
                .containsExactly("2024-05-01 10:00", "2024-05-01 13:00");

        stage(JOB, 3, 3, 0, A, null, null, null, 30, 'd');
        BatchApplier.Result deleted = applier.apply(c, committable(3, 3));
        assertThat(touchedHours(deleted.commitSeq())).containsExactly("2024-05-01 13:00");
    }

    @Test
    void touchedKeysHoldTheOldAndTheNewValueOfARowMovedBetweenKeys() throws Exception {
        BatchApplier applier = applier(DeleteMode.MIRROR);
        stage(JOB, 1, 1, 0, A, "a", 1, T1015, 10, 'c');
        stage(JOB, 1, 1, 1, B, "b", 2, T1015, 11, 'c');
        BatchApplier.Result first = applier.apply(c, committable(1, 1));
        assertThat(applier.insertOnlyApplies()).isEqualTo(1);
        assertThat(touchedKeys(first.commitSeq())).containsExactly("1", "2");

        // A moves from key 1 to key 3: both are touched.
        stage(JOB, 2, 2, 0, A, "a moved", 3, T1340, 20, 'u');
        BatchApplier.Result moved = applier.apply(c, committable(2, 2));
        assertThat(touchedKeys(moved.commitSeq())).containsExactly("1", "3");

        // A delete touches the value of the version it removes.
        stage(JOB, 3, 3, 0, A, null, null, null, 30, 'd');
        BatchApplier.Result deleted = applier.apply(c, committable(3, 3));
        assertThat(touchedKeys(deleted.commitSeq())).containsExactly("3");
    }

    /**
     * After an insert-only batch the next one is inserted on trust, with no pass over staging
     * first; when its inserted rows show it was not insert-only, all of it is undone (the touched
     * keys and hours it recorded too) and the batch is applied per key.
     */
    @Test
    void aBatchInsertedOnTrustThatWasNotInsertOnlyIsUndoneAndAppliedPerKey() throws Exception {
        BatchApplier applier = applier(DeleteMode.MIRROR);
        stage(JOB, 1, 1, 0, A, "a", 1, T1015, 10, 'c');
        applier.apply(c, committable(1, 1));
        assertThat(applier.insertOnlyApplies()).isOne();

        // No key the target holds, so the insert succeeds; but C's row is an update.
        stage(JOB, 2, 2, 0, B, "b", 2, T1015, 20, 'c');
        stage(JOB, 2, 2, 1, C, "c updated", 3, T1340, 21, 'u');
        BatchApplier.Result r = applier.apply(c, committable(2, 2));

        assertThat(applier.insertOnlyApplies()).isOne();
        assertThat(target())
                .containsOnly(
                        Map.entry(A, "a@10/c"),
                        Map.entry(B, "b@20/c"),
                        Map.entry(C, "c updated@21/u"));
        assertThat(touchedKeys(r.commitSeq())).containsExactly("2", "3");
        assertThat(touchedHours(r.commitSeq()))
                .containsExactly("2024-05-01 10:00", "2024-05-01 13:00");

        // Inserts again: decided from the batch statistics, then inserted on trust after that.
        stage(JOB, 3, 3, 0, D, "d", 4, T1015, 30, 'c');
        applier.apply(c, committable(3, 3));
        stage(JOB, 4, 4, 0, E, "e", 5, T1015, 40, 'c');
        BatchApplier.Result last = applier.apply(c, committable(4, 4));
        assertThat(applier.insertOnlyApplies()).isEqualTo(3);
        assertThat(touchedKeys(last.commitSeq())).containsExactly("5");
        assertThat(touchedHours(last.commitSeq())).containsExactly("2024-05-01 10:00");

        // The insert on trust reads the batches' slots only (by their tag): a row staged under
        // another tag is missed there, the count shows it, and the batch is applied all the same.
        stage(JOB, 5, 6, 0, F, "f", 6, T1015, 50, 'c');
        applier.apply(c, committable(5, 5));
        assertThat(applier.insertOnlyApplies()).isEqualTo(4);
        assertThat(rowsOf(F)).isOne();
    }

    private List<String> touchedKeys(long commitSeq) throws SQLException {
        List<String> keys = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT key_value FROM "
                                        + bookkeeping.touchedKeys()
                                        + " WHERE commit_seq = "
                                        + commitSeq
                                        + " AND target_table = '"
                                        + TARGET
                                        + "' ORDER BY 1")) {
            while (rs.next()) {
                keys.add(rs.getString(1));
            }
        }
        return keys;
    }

    @Test
    void aCommittableInTheLedgerIsSkippedAndAppliesNothingTwice() throws Exception {
        BatchApplier applier = applier(DeleteMode.MIRROR);
        stage(1, 1, 0, A, "a", 10, 'c');
        stage(1, 1, 1, B, "b", 11, 'c');
        WarehouseCommittable committable = committable(1, 1);
        BatchApplier.Result first = applier.apply(c, committable);
        assertThat(first.alreadyApplied()).isFalse();

        // As if the staged rows were still there and someone removed A since: a second apply
        // would bring A back and record its hour again.
        stage(1, 1, 0, A, "a", 10, 'c');
        stage(1, 1, 1, B, "b", 11, 'c');
        execute("DELETE FROM " + TARGET + " WHERE id = '" + A + "'");
        long hoursBefore = count("SELECT count(*) FROM " + bookkeeping.touchedHours());

        BatchApplier.Result again = applier.apply(c, committable);

        assertThat(again.alreadyApplied()).isTrue();
        assertThat(again.commitSeq()).isEqualTo(first.commitSeq());
        assertThat(again.upserted()).isZero();
        assertThat(target()).containsOnly(Map.entry(B, "b@11/c"));
        assertThat(count("SELECT count(*) FROM " + bookkeeping.ledger())).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM " + bookkeeping.touchedHours()))
                .isEqualTo(hoursBefore);
        assertThat(c.getAutoCommit()).isTrue();
    }

    @Test
    void stagedRowsUpToTheCheckpointArePurgedAndLaterOnesStay() throws Exception {
        stage(10, 3, 0, C, "orphan of a failed attempt", 5, 'c'); // tag 3, never committed
        stage(11, 5, 0, A, "a", 10, 'c'); // the committed batch of checkpoint 5
        stage(12, 6, 0, B, "b next", 20, 'c'); // already staged for checkpoint 6
        stage("other-job", 13, 1, 0, B, "other", 1, T1015, 1, 'c'); // another pipeline's row
        stageDeadLetter(JOB, 10, 3, "orphan dead letter");
        stageDeadLetter(JOB, 11, 5, "dead letter of 5");
        stageDeadLetter(JOB, 12, 6, "dead letter of 6");
        stageDeadLetter("other-job", 13, 1, "other job's dead letter");

        BatchApplier applier = applier(DeleteMode.MIRROR);
        BatchApplier.Result r = applier.apply(c, committable(5, 11));

        assertThat(target()).containsOnly(Map.entry(A, "a@10/c"));
        // Slot 3 held only the orphan: truncated; slot 1 holds the other job's row: DELETE.
        assertThat(applier.stagingTruncations()).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM " + STAGE + " WHERE _pg2gp_job = '" + JOB + "'"))
                .isEqualTo(1);
        assertThat(count("SELECT _pg2gp_tag FROM " + STAGE + " WHERE _pg2gp_job = '" + JOB + "'"))
                .isEqualTo(6);
        assertThat(count("SELECT count(*) FROM " + STAGE + " WHERE _pg2gp_job = 'other-job'"))
                .isEqualTo(1);
        assertThat(
                        count(
                                "SELECT count(*) FROM "
                                        + bookkeeping.stagedDeadLetters()
                                        + " WHERE _pg2gp_job = '"
                                        + JOB
                                        + "' AND _pg2gp_tag = 6"))
                .isEqualTo(1);
        assertThat(count("SELECT count(*) FROM " + bookkeeping.stagedDeadLetters())).isEqualTo(2);
        // Only the committed batch's dead letter reaches the dead-letter table.
        assertThat(r.deadLetters()).isEqualTo(1);
        try (Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT job, target_table, commit_seq, reason, cdc_lsn, cdc_op"
                                        + " FROM "
                                        + bookkeeping.deadLetters())) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo(JOB);
            assertThat(rs.getString(2)).isEqualTo(TARGET);
            assertThat(rs.getLong(3)).isEqualTo(r.commitSeq());
            assertThat(rs.getString(4)).isEqualTo("dead letter of 5");
            assertThat(rs.getLong(5)).isEqualTo(7);
            assertThat(rs.getString(6)).isEqualTo("u");
            assertThat(rs.next()).isFalse();
        }
    }

    @Test
    void aSlotOfOnlyAppliedRowsIsTruncatedAndOneHoldingALaterCheckpointIsNot() throws Exception {
        assertThat(WarehouseSetup.stagingSlotted(c, STAGE)).isTrue();
        stage(11, 5, 0, A, "a", 10, 'c'); // slot 5 % 4 = 1
        stage(12, 6, 0, B, "b", 20, 'c'); // slot 2: the next checkpoint, staged already
        BatchApplier applier = applier(DeleteMode.MIRROR);

        applier.apply(c, committable(5, 11));

        assertThat(applier.stagingTruncations()).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM " + bookkeeping.stagingSlot(TABLE, 1))).isZero();
        assertThat(count("SELECT _pg2gp_tag FROM " + STAGE)).isEqualTo(6);
        // The writers ran ahead: checkpoint 10's rows share checkpoint 6's slot, and stay.
        stage(13, 10, 0, C, "c", 30, 'c');

        applier.apply(c, committable(6, 12));

        assertThat(applier.stagingTruncations()).isEqualTo(1);
        assertThat(count("SELECT _pg2gp_tag FROM " + STAGE)).isEqualTo(10);
        assertThat(count("SELECT tag FROM " + bookkeeping.stagedTags())).isEqualTo(10);
        assertThat(target()).containsOnly(Map.entry(A, "a@10/c"), Map.entry(B, "b@20/c"));
    }

    @Test
    void aBatchOfOnlyDeadLettersCommitsThem() throws Exception {
        stageDeadLetter(JOB, 1, 1, "bad row");
        BatchApplier.Result r = applier(DeleteMode.MIRROR).apply(c, committable(1, 1));
        assertThat(r.deadLetters()).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM " + bookkeeping.deadLetters())).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM " + bookkeeping.stagedDeadLetters())).isZero();
        assertThat(count("SELECT count(*) FROM " + bookkeeping.ledger())).isEqualTo(1);
    }

    @Test
    void aCommittableWhoseStagedRowsWereTruncatedFailsAndChangesNothing() throws Exception {
        stage(1, 7, 0, A, "a", 10, 'c');
        stage(1, 7, 1, B, "b", 11, 'c');
        stage(1, 7, 2, C, "c", 12, 'c');
        WarehouseCommittable committable = committable(7, 1);
        execute("TRUNCATE " + STAGE);
        stage(1, 7, 0, A, "a", 10, 'c'); // one row survived somehow: still not the batch

        assertThatThrownBy(() -> applier(DeleteMode.MIRROR).apply(c, committable))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("staging lost rows of checkpoint 7 for public.items")
                .hasMessageContaining("expected 3, found 1");

        assertThat(target()).isEmpty();
        assertThat(count("SELECT count(*) FROM " + bookkeeping.ledger())).isZero();
        assertThat(count("SELECT count(*) FROM " + STAGE)).isEqualTo(1);
        assertThat(c.getAutoCommit()).isTrue();
    }

    @Test
    void theApplyFindsTargetRowsByIndexInsteadOfScanningTheTable() throws Exception {
        execute(
                "INSERT INTO "
                        + TARGET
                        + " (id, name, qty, created_at, _cdc_lsn, _cdc_op)"
                        + " SELECT gen_random_uuid(), 'row ' || g, g,"
                        + " timestamptz '2024-01-01' + g * interval '1 minute', g, 'c'"
                        + " FROM generate_series(1, 50000) g",
                "ANALYZE " + TARGET);
        List<UUID> existing = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id FROM " + TARGET + " LIMIT 3")) {
            while (rs.next()) {
                existing.add(rs.getObject(1, UUID.class));
            }
        }
        for (int i = 0; i < existing.size(); i++) {
            stage(1, 1, i, existing.get(i), "updated", 100_000 + i, 'u');
        }
        stage(1, 1, 3, A, "new", 100_010, 'c');
        stage(1, 1, 4, B, null, 100_011, 'd');
        WarehouseCommittable committable = committable(1, 1);
        ApplyStatements sql =
                new ApplyStatements(
                        TABLE, bookkeeping, DeleteMode.MIRROR, WarehouseDialect.POSTGRES, false);

        Map<String, String> readsTarget = new LinkedHashMap<>();
        Map<String, String> leavesTargetAlone = new LinkedHashMap<>();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.executeUpdate(sql.createDeduplicatedBatch(JOB, committable.batchIds()));
            s.execute(sql.analyzeBatch());
            for (String batch : List.of(sql.batchTable())) {
                readsTarget.put(
                        sql.createMatches(batch, ""), explain(s, sql.createMatches(batch, "")));
                s.executeUpdate(sql.createMatches(batch, ""));
                s.execute("ANALYZE " + sql.matchTable());
                readsTarget.put(sql.deleteReplaced(""), explain(s, sql.deleteReplaced("")));
                String update =
                        sql.inPlace().updateReplaced(JOB, committable.batchIds(), batch, true);
                readsTarget.put(update, explain(s, update));
                for (String statement :
                        List.of(
                                sql.insertNewVersions(JOB, committable.batchIds(), batch, true),
                                sql.touched().recordTouchedHours(JOB, 1, batch))) {
                    leavesTargetAlone.put(statement, explain(s, statement));
                }
            }
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
        assertThat(readsTarget).hasSize(3);
        readsTarget.forEach(
                (statement, plan) ->
                        assertThat(plan)
                                .as("plan of %s", statement)
                                .containsPattern("Index (Only )?Scan using items_pkey on items t")
                                .doesNotContain("Seq Scan on items"));
        leavesTargetAlone.forEach(
                (statement, plan) ->
                        assertThat(plan)
                                .as("plan of %s", statement)
                                .doesNotContain("Scan on items"));

        // And the real apply does what the plan promises.
        BatchApplier.Result r = applier(DeleteMode.MIRROR).apply(c, committable);
        assertThat(r.upserted()).isEqualTo(4);
        assertThat(count("SELECT count(*) FROM " + TARGET + " WHERE name = 'updated'"))
                .isEqualTo(3);
        assertThat(count("SELECT count(*) FROM " + TARGET)).isEqualTo(50_001);
    }

    /**
     * Staging statistics taken while it was empty (as after every purge) must not turn the insert
     * into a nested loop over staging and the batch: it joins them by hash, and applies every row.
     */
    @Test
    void theInsertJoinsStagingByHashEvenWhenStagingLooksEmpty() throws Exception {
        execute("ANALYZE " + STAGE);
        int n = 3_000;
        try (PreparedStatement p =
                c.prepareStatement(
                        "INSERT INTO "
                                + STAGE
                                + " ("
                                + BookkeepingTables.stagingColumnList(TABLE)
                                + ") SELECT ?, 1, 1, g, gen_random_uuid(), 'bulk', g, now(), 5,"
                                + " 'c', now(), NULL FROM generate_series(1, ?) g")) {
            p.setString(1, JOB);
            p.setInt(2, n);
            p.executeUpdate();
        }
        batchRows.put(1L, n);
        batchMaxLsn.put(1L, 5L);
        WarehouseCommittable committable = committable(1, 1);
        ApplyStatements sql =
                new ApplyStatements(
                        TABLE, bookkeeping, DeleteMode.MIRROR, WarehouseDialect.POSTGRES, false);
        String plan;
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.executeUpdate(sql.createDeduplicatedBatch(JOB, committable.batchIds()));
            s.execute(sql.analyzeBatch());
            s.execute(sql.disableNestedLoops());
            plan =
                    explain(
                            s,
                            sql.insertNewVersions(
                                    JOB, committable.batchIds(), sql.batchTable(), false));
            s.execute(sql.restoreNestedLoops());
            try (ResultSet rs = s.executeQuery("SHOW enable_nestloop")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("on");
            }
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
        assertThat(plan).contains("Hash Join").doesNotContain("Nested Loop");

        BatchApplier.Result r = applier(DeleteMode.MIRROR).apply(c, committable);
        assertThat(r.upserted()).isEqualTo(n);
        assertThat(count("SELECT count(*) FROM " + TARGET + " WHERE name = 'bulk'")).isEqualTo(n);
    }

    /**
     * On a table partitioned by month (as requests_analytical is on Greenplum), a batch of new
     * changes reads only the partitions between its rows' old and new hours; an update that moves a
     * row between months finds the old version through its previous hour; a replay (LSN not above
     * the last applied) reads without bounds and still loses to the newer version.
     */
    /** items as monthly partitions January to April 2024 and a default one, keyed by index. */
    private void partitionedByMonth() throws SQLException {
        execute(
                "DROP TABLE public.items",
                "CREATE TABLE public.items (id uuid NOT NULL, name text, qty integer, created_at"
                        + " timestamptz, _cdc_lsn bigint NOT NULL, _cdc_op char(1) NOT NULL,"
                        + " _cdc_committed_at timestamptz, _synced_at timestamptz NOT NULL"
                        + " DEFAULT now(), _deleted boolean NOT NULL DEFAULT false)"
                        + " PARTITION BY RANGE (created_at)",
                "CREATE TABLE public.items_2024_01 PARTITION OF public.items FOR VALUES FROM"
                        + " ('2024-01-01 00:00+00') TO ('2024-02-01 00:00+00')",
                "CREATE TABLE public.items_2024_02 PARTITION OF public.items FOR VALUES FROM"
                        + " ('2024-02-01 00:00+00') TO ('2024-03-01 00:00+00')",
                "CREATE TABLE public.items_2024_03 PARTITION OF public.items FOR VALUES FROM"
                        + " ('2024-03-01 00:00+00') TO ('2024-04-01 00:00+00')",
                "CREATE TABLE public.items_2024_04 PARTITION OF public.items FOR VALUES FROM"
                        + " ('2024-04-01 00:00+00') TO ('2024-05-01 00:00+00')",
                "CREATE TABLE public.items_other PARTITION OF public.items DEFAULT",
                "CREATE INDEX items_id ON public.items (id)");
    }

    @Test
    void freshBatchesPruneToTheirPartitionsAndMovesAndReplaysStayExact() throws Exception {
        partitionedByMonth();
        execute(
                "INSERT INTO public.items (id, name, qty, created_at, _cdc_lsn, _cdc_op)"
                        + " SELECT gen_random_uuid(), 'seed', g, timestamptz '2024-01-01' + g *"
                        + " interval '1 hour', 10, 'c' FROM generate_series(0, 2800) g",
                "INSERT INTO public.items (id, name, qty, created_at, _cdc_lsn, _cdc_op) VALUES"
                        + " ('"
                        + A
                        + "', 'a', 1, '2024-01-15 08:30+00', 20, 'c'), ('"
                        + B
                        + "', 'b', 1, '2024-03-10 12:00+00', 180, 'c')",
                "ANALYZE public.items");
        assertThat(WarehouseDialect.POSTGRES.isPartitioned(c, TARGET)).isTrue();
        ApplyStatements sql =
                new ApplyStatements(
                        TABLE, bookkeeping, DeleteMode.MIRROR, WarehouseDialect.POSTGRES, true);
        // On a plain table bounds would only tempt the planner into a range scan of the hour index.
        assertThat(
                        new ApplyStatements(
                                        TABLE,
                                        bookkeeping,
                                        DeleteMode.MIRROR,
                                        WarehouseDialect.POSTGRES,
                                        false)
                                .bounds()
                                .targetBounds("2024-01-01 00:00:00+00", "2024-01-01 01:00:00+00"))
                .isEmpty();
        BatchApplier applier = applier(DeleteMode.MIRROR);

        // A fresh batch in February: a new row and an update within the month.
        UUID feb = UUID.fromString("00000000-0000-0000-0000-0000000000fe");
        stage(JOB, 1, 1, 0, feb, "new", 1, "2024-02-03T04:05:00Z", 100, 'c');
        WarehouseCommittable first = committable(1, 1);
        String plan;
        String[] bounds = new String[2];
        c.setAutoCommit(false); // the batch table lives for one transaction
        try (Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery(sql.bounds().batchStats(JOB, first.batchIds()))) {
                rs.next();
                bounds[0] = rs.getString(5);
                bounds[1] = rs.getString(6);
            }
            s.executeUpdate(sql.createDeduplicatedBatch(JOB, first.batchIds()));
            s.execute(sql.analyzeBatch());
            plan =
                    explain(
                            s,
                            sql.createMatches(
                                    sql.batchTable(),
                                    sql.bounds().targetBounds(bounds[0], bounds[1])));
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
        assertThat(bounds).containsExactly("2024-02-03 04:00:00+00", "2024-02-03 05:00:00+00");
        assertThat(plan)
                .contains("items_2024_02")
                .doesNotContain("items_2024_01")
                .doesNotContain("items_2024_03")
                .doesNotContain("items_other");
        applier.apply(c, first);

        // A moves from January to April: found through its previous hour, never duplicated.
        stage(
                JOB,
                2,
                2,
                0,
                A,
                "moved",
                2,
                "2024-04-20T09:00:00Z",
                "2024-01-15T08:30:00Z",
                200,
                'u');
        BatchApplier.Result moved = applier.apply(c, committable(2, 2));
        assertThat(moved.deleted()).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM public.items WHERE id = '" + A + "'")).isOne();
        assertThat(count("SELECT count(*) FROM public.items_2024_04 WHERE name = 'moved'")).isOne();
        assertThat(touchedHours(moved.commitSeq()))
                .containsExactly("2024-01-15 08:00", "2024-04-20 09:00");

        // A replay after a restore (LSN 150, not above the 200 applied): an older insert of B
        // dated April. Read without bounds, it finds B's newer version (LSN 180) in March, loses
        // to it and adds nothing.
        stage(JOB, 3, 3, 0, B, "replayed", 1, "2024-04-01T00:00:00Z", 150, 'c');
        BatchApplier.Result replay = applier.apply(c, committable(3, 3));
        assertThat(replay.upserted()).isZero();
        assertThat(count("SELECT count(*) FROM public.items WHERE id = '" + B + "'")).isOne();
        assertThat(count("SELECT count(*) FROM public.items_2024_03 WHERE name = 'b'")).isOne();
        assertThat(count("SELECT count(*) FROM public.items")).isEqualTo(2801 + 2 + 1);
    }

    // ---------------------------------------------------------------- the insert-only path

    /** Greenplum's target has no unique key: a wrong insert-only decision shows as a duplicate. */
    private void withoutUniqueKey() throws SQLException {
        execute(
                "ALTER TABLE public.items DROP CONSTRAINT items_pkey",
                "CREATE INDEX items_id ON public.items (id)");
    }

    private long rowsOf(UUID id) throws SQLException {
        return count("SELECT count(*) FROM " + TARGET + " WHERE id = '" + id + "'");
    }

    @Test
    void aBatchOfNewInsertsGoesStraightFromStagingIntoTheTarget() throws Exception {
        withoutUniqueKey();
        BatchApplier applier = applier(DeleteMode.MIRROR);
        stage(JOB, 1, 1, 0, A, "a", 1, T1015, 10, 'c');
        stage(JOB, 2, 1, 0, B, "b", 1, T1340, 12, 'c');
        stage(JOB, 3, 2, 0, C, "c next", 1, T1015, 20, 'c'); // the next checkpoint's, stays

        BatchApplier.Result r = applier.apply(c, committable(1, 1, 2));

        assertThat(applier.insertOnlyApplies()).isOne();
        assertThat(r.upserted()).isEqualTo(2);
        assertThat(r.deleted()).isZero();
        assertThat(target()).containsOnly(Map.entry(A, "a@10/c"), Map.entry(B, "b@12/c"));
        assertThat(touchedHours(r.commitSeq()))
                .containsExactly("2024-05-01 10:00", "2024-05-01 13:00");
        assertThat(count("SELECT count(*) FROM " + STAGE)).isOne();
        assertThat(count("SELECT count(*) FROM " + bookkeeping.applyBatchTable(TABLE))).isZero();

        // The next checkpoint's inserts, all newer than what was applied: the same path again.
        applier.apply(c, committable(2, 3));
        assertThat(applier.insertOnlyApplies()).isEqualTo(2);
        assertThat(rowsOf(C)).isOne();
    }

    /**
     * A replay after a restore: inserts the target already holds come again with LSNs not above the
     * last applied one. They go the general way and replace, never duplicate.
     */
    @Test
    void replayedInsertsAreMatchedNotInsertedTwice() throws Exception {
        withoutUniqueKey();
        BatchApplier applier = applier(DeleteMode.MIRROR);
        stage(1, 1, 0, A, "a", 10, 'c');
        stage(1, 1, 1, B, "b", 11, 'c');
        applier.apply(c, committable(1, 1));

        // After a restore to an earlier checkpoint: B again, and a new key C after it.
        stage(2, 2, 0, B, "b", 11, 'c');
        stage(2, 2, 1, C, "c", 12, 'c');
        BatchApplier restored = applier(DeleteMode.MIRROR); // a new committer after the restart
        restored.apply(c, committable(2, 2));

        assertThat(restored.insertOnlyApplies()).isZero();
        assertThat(target())
                .containsOnly(
                        Map.entry(A, "a@10/c"), Map.entry(B, "b@11/c"), Map.entry(C, "c@12/c"));
        assertThat(rowsOf(B)).isOne();
    }

    /**
     * Where a unique key refuses a second row of a key, snapshot reads of keys the target does not
     * hold go in on trust, like inserts; a read of a key it holds fails that insert, which is
     * undone, and the general path replaces the row.
     */
    @Test
    void snapshotReadsOfNewKeysGoInOnTrustAndReadsOfHeldKeysReplaceTheirRows() throws Exception {
        BatchApplier applier = applier(DeleteMode.MIRROR);
        stage(1, 1, 0, A, "a", 0, 'r');
        stage(1, 1, 1, B, "b", 0, 'r');
        BatchApplier.Result first = applier.apply(c, committable(1, 1));
        assertThat(applier.insertOnlyApplies()).isOne();
        assertThat(first.upserted()).isEqualTo(2);
        assertThat(touchedKeys(first.commitSeq())).hasSize(1); // both rows are user 1's
        assertThat(touchedHours(first.commitSeq())).containsExactly("2024-05-01 10:00");

        // The snapshot's last reads and the first streamed insert in one batch: on trust too.
        stage(2, 2, 0, C, "c", 0, 'r');
        stage(2, 2, 1, D, "d", 100, 'c');
        applier.apply(c, committable(2, 2));
        assertThat(applier.insertOnlyApplies()).isEqualTo(2);

        // A re-snapshot reads A again next to a new key: A's insert is refused, and the batch is
        // undone and applied per key.
        stage(3, 3, 0, A, "a again", 0, 'r');
        stage(3, 3, 1, E, "e", 0, 'r');
        BatchApplier.Result again = applier.apply(c, committable(3, 3));
        assertThat(applier.insertOnlyApplies()).isEqualTo(2);
        assertThat(again.upserted()).isEqualTo(2);
        assertThat(target())
                .containsOnly(
                        Map.entry(A, "a again@0/r"),
                        Map.entry(B, "b@0/r"),
                        Map.entry(C, "c@0/r"),
                        Map.entry(D, "d@100/c"),
                        Map.entry(E, "e@0/r"));
        assertThat(rowsOf(A)).isOne();
    }

    @Test
    void withoutAUniqueKeySnapshotReadsNeverTakeTheInsertOnlyPath() throws Exception {
        withoutUniqueKey();
        BatchApplier applier = applier(DeleteMode.MIRROR);
        stage(1, 1, 0, A, "a", 100, 'c');
        applier.apply(c, committable(1, 1));

        // A re-snapshot reads A again (LSN 0) next to a new insert.
        stage(2, 2, 0, A, "snapshot", 0, 'r');
        stage(2, 2, 1, B, "b", 200, 'c');
        applier.apply(c, committable(2, 2));

        assertThat(applier.insertOnlyApplies()).isOne(); // the first batch only
        assertThat(target()).containsOnly(Map.entry(A, "snapshot@0/r"), Map.entry(B, "b@200/c"));
    }

    /** Soft mode keeps a deleted key's row: its next insert must replace it, not add a second. */
    @Test
    void inSoftDeleteModeAnInsertReplacesTheMarkedRow() throws Exception {
        withoutUniqueKey();
        BatchApplier applier = applier(DeleteMode.SOFT);
        stage(1, 1, 0, A, "a", 10, 'c');
        applier.apply(c, committable(1, 1));
        stage(2, 2, 0, A, null, 20, 'd');
        applier.apply(c, committable(2, 2));

        stage(3, 3, 0, A, "a again", 30, 'c');
        applier.apply(c, committable(3, 3));

        assertThat(applier.insertOnlyApplies()).isZero();
        assertThat(rowsOf(A)).isOne();
        assertThat(target()).containsOnly(Map.entry(A, "a again@30/c"));
    }

    /**
     * A fresh batch reads the target within the hours it touches, but a key deleted in soft mode
     * keeps its marked row in the hour it had: when the key is inserted again in another month, the
     * apply must still find that row and replace it, not add a second row for the key.
     */
    @Test
    void inSoftDeleteModeAnInsertInAnotherMonthReplacesTheMarkedRow() throws Exception {
        partitionedByMonth();
        BatchApplier applier = applier(DeleteMode.SOFT);
        stage(JOB, 1, 1, 0, A, "a", 1, "2024-01-15T08:30:00Z", 10, 'c');
        stage(JOB, 1, 1, 1, B, "b", 1, "2024-01-20T10:00:00Z", 11, 'c');
        applier.apply(c, committable(1, 1));
        stage(JOB, 2, 2, 0, A, null, 1, "2024-01-15T08:30:00Z", 20, 'd');
        stage(JOB, 2, 2, 1, B, null, 1, "2024-01-20T10:00:00Z", 21, 'd');
        applier.apply(c, committable(2, 2));
        assertThat(target())
                .containsOnly(Map.entry(A, "a@20/d deleted"), Map.entry(B, "b@21/d deleted"));

        // A comes back in April, B is deleted again after a new life in March (same batch), and C
        // is new: the batch touches March and April only.
        stage(JOB, 3, 3, 0, A, "a again", 2, "2024-04-20T09:00:00Z", 30, 'c');
        stage(JOB, 3, 3, 1, B, "b again", 2, "2024-03-02T11:00:00Z", 31, 'c');
        stage(JOB, 3, 3, 2, B, null, 2, "2024-03-02T11:00:00Z", 32, 'd');
        stage(JOB, 3, 3, 3, C, "c", 2, "2024-04-21T09:00:00Z", 33, 'c');
        BatchApplier.Result r = applier.apply(c, committable(3, 3));

        assertThat(rowsOf(A)).isOne();
        assertThat(rowsOf(B)).isOne();
        assertThat(target())
                .containsOnly(
                        Map.entry(A, "a again@30/c"),
                        Map.entry(B, "b@32/d deleted"),
                        Map.entry(C, "c@33/c"));
        assertThat(count("SELECT count(*) FROM public.items_2024_04")).isEqualTo(2);
        assertThat(r.upserted()).isEqualTo(2);

        // Deleted again and inserted once more, in January: one row still.
        stage(JOB, 4, 4, 0, A, null, 2, "2024-04-20T09:00:00Z", 40, 'd');
        applier.apply(c, committable(4, 4));
        stage(JOB, 5, 5, 0, A, "a third", 3, "2024-01-02T00:00:00Z", 50, 'c');
        applier.apply(c, committable(5, 5));
        assertThat(rowsOf(A)).isOne();
        assertThat(target()).containsEntry(A, "a third@50/c");
    }

    /** Two inserts of one key in a batch (a source without a key constraint): the latest lands. */
    @Test
    void aKeyInsertedTwiceInOneBatchLandsOnce() throws Exception {
        withoutUniqueKey();
        BatchApplier applier = applier(DeleteMode.MIRROR);
        stage(1, 1, 0, A, "a first", 10, 'c');
        stage(2, 1, 0, A, "a second", 11, 'c'); // from another subtask
        stage(1, 1, 1, B, "b", 12, 'c');

        applier.apply(c, committable(1, 1, 2));

        assertThat(applier.insertOnlyApplies()).isZero();
        assertThat(rowsOf(A)).isOne();
        assertThat(target()).containsOnly(Map.entry(A, "a second@11/c"), Map.entry(B, "b@12/c"));
    }

    /**
     * With the target's key constraint, the insert-only path does not count keys staged twice: the
     * constraint refuses the second, and the batch is applied per key instead.
     */
    @Test
    void aKeyInsertedTwiceInOneBatchLandsOnceThroughTheKeyConstraint() throws Exception {
        BatchApplier applier = applier(DeleteMode.MIRROR);
        stage(1, 1, 0, A, "a first", 10, 'c');
        stage(2, 1, 0, A, "a second", 11, 'c');
        stage(1, 1, 1, B, "b", 12, 'c');

        BatchApplier.Result r = applier.apply(c, committable(1, 1, 2));

        assertThat(applier.insertOnlyApplies()).isZero();
        assertThat(r.upserted()).isEqualTo(2);
        assertThat(target()).containsOnly(Map.entry(A, "a second@11/c"), Map.entry(B, "b@12/c"));
        assertThat(count("SELECT count(*) FROM " + STAGE)).isZero();

        // The next batch, each key once: straight in, the key constraint standing in for the count.
        stage(3, 2, 0, C, "c", 20, 'c');
        applier.apply(c, committable(2, 3));
        assertThat(applier.insertOnlyApplies()).isOne();
        assertThat(rowsOf(C)).isOne();
    }

    /**
     * A batch with anything but inserts goes the general way; and the LSN that decides is the
     * highest any job applied: a renamed pipeline replaying what the old name applied (its own
     * ledger empty) still matches.
     */
    @Test
    void updatesAndReplaysUnderAnotherJobNameGoTheGeneralWay() throws Exception {
        withoutUniqueKey();
        BatchApplier applier = applier(DeleteMode.MIRROR);
        stage(1, 1, 0, A, "a", 10, 'c');
        stage(1, 1, 1, B, "b", 11, 'u');
        applier.apply(c, committable(1, 1));
        assertThat(applier.insertOnlyApplies()).isZero();

        BatchApplier renamed =
                new BatchApplier(
                        "renamed-job",
                        TABLE,
                        new ApplyStatements(
                                TABLE,
                                bookkeeping,
                                DeleteMode.MIRROR,
                                WarehouseDialect.POSTGRES,
                                false),
                        "64MB");
        stage("renamed-job", 2, 2, 0, A, "a", 1, T1015, 10, 'c');
        renamed.apply(
                c,
                new WarehouseCommittable(
                        nextCommitId++,
                        2,
                        TARGET,
                        List.of(new StagedBatch(TARGET, 2, 2, 0, 1, 0, 10))));

        assertThat(renamed.insertOnlyApplies()).isZero();
        assertThat(rowsOf(A)).isOne();
    }

    /**
     * Where the target has a unique key (PostgreSQL), an insert-only batch meeting a row the ledger
     * knows nothing of (loaded by hand) is not a failure: undone to its savepoint and applied per
     * key, in the same transaction.
     */
    @Test
    void anInsertMeetingAnUnknownRowFallsBackToThePerKeyApply() throws Exception {
        execute(
                "INSERT INTO "
                        + TARGET
                        + " (id, name, qty, created_at, _cdc_lsn, _cdc_op) VALUES ('"
                        + A
                        + "', 'loaded by hand', 1, '"
                        + T1015
                        + "', 5, 'c')");
        BatchApplier applier = applier(DeleteMode.MIRROR);
        stage(JOB, 1, 1, 0, A, "a", 1, T1015, 10, 'c');
        stage(JOB, 1, 1, 1, B, "b", 1, T1340, 11, 'c');

        BatchApplier.Result r = applier.apply(c, committable(1, 1));

        assertThat(applier.insertOnlyApplies()).isZero();
        assertThat(r.upserted()).isEqualTo(2);
        assertThat(r.deleted()).isOne();
        assertThat(target()).containsOnly(Map.entry(A, "a@10/c"), Map.entry(B, "b@11/c"));
        // The undone attempt left no touched hours behind: only the general path's.
        assertThat(touchedHours(r.commitSeq()))
                .containsExactly("2024-05-01 10:00", "2024-05-01 13:00");
        assertThat(count("SELECT count(*) FROM " + bookkeeping.touchedHours())).isEqualTo(2);
        assertThat(c.getAutoCommit()).isTrue();
    }

    private static String explain(Statement s, String sql) throws SQLException {
        StringBuilder plan = new StringBuilder();
        try (ResultSet rs = s.executeQuery("EXPLAIN " + sql)) {
            while (rs.next()) {
                plan.append(rs.getString(1)).append('\n');
            }
        }
        return plan.toString();
    }
}
