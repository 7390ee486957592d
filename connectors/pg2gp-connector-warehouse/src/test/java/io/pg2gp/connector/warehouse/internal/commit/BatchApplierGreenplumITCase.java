package io.pg2gp.connector.warehouse.internal.commit;

import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.internal.commit.GreenplumApplyFixture.Version;
import io.pg2gp.connector.warehouse.internal.sql.ApplyStatements;
import io.pg2gp.connector.warehouse.internal.sql.HourRanges;
import io.pg2gp.testutils.SharedGreenplum;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static io.pg2gp.connector.warehouse.internal.commit.GreenplumApplyFixture.row;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The committer's apply on a real Greenplum 6 cluster, once with GPORCA (the cluster default) and
 * once with the Postgres planner ({@code optimizer=off} in the warehouse URL), against a target
 * with the Greenplum shape of requests_analytical: distributed by a user column that is not the
 * key, monthly partitions with a default partition. Each run asserts the exact expected rows, so
 * both planners give the same result.
 */
class BatchApplierGreenplumITCase {

    private static final UUID A = new UUID(0, 0xA);
    private static final UUID B = new UUID(0, 0xB);
    private static final UUID C = new UUID(0, 0xC);
    private static final UUID D = new UUID(0, 0xD);
    private static final UUID E = new UUID(0, 0xE);
    private static final UUID F = new UUID(0, 0xF);
    private static final UUID G = new UUID(0, 0x10);
    private static final UUID U1 = new UUID(1, 1);
    private static final UUID U2 = new UUID(2, 2);

    private static final Instant A_AT = Instant.parse("2024-01-15T08:30:00Z");
    private static final Instant B_AT = Instant.parse("2024-02-10T12:00:00Z");
    private static final Instant C_AT = Instant.parse("2023-06-01T00:10:00Z"); // default part
    private static final Instant C_MOVED = Instant.parse("2024-03-05T07:00:00Z");
    private static final Instant D_AT = Instant.parse("2024-02-20T05:45:00Z");
    private static final Instant D_MOVED = Instant.parse("2030-01-01T00:00:00Z"); // default
    private static final Instant E_AT = Instant.parse("2024-05-01T10:15:00Z");
    private static final Instant F_AT = Instant.parse("2024-04-01T00:00:00Z");
    private static final Instant G_AT = Instant.parse("2024-06-30T23:59:00Z");

    /** One database per planner, shared by the tests (creating one takes seconds on GP). */
    private static final Map<String, String> DATABASES = new ConcurrentHashMap<>();

    private GreenplumApplyFixture gp;

    private void open(String optimizer) throws SQLException {
        String db =
                DATABASES.computeIfAbsent(
                        optimizer, o -> SharedGreenplum.createDatabase("apply_optimizer_" + o));
        gp = new GreenplumApplyFixture(SharedGreenplum.cluster(), db, optimizer);
        assertThat(gp.dialect).isEqualTo(WarehouseDialect.GREENPLUM_6);
        assertThat(gp.dialect.isPartitioned(gp.c, GreenplumApplyFixture.TARGET)).isTrue();
    }

    /**
     * A batch touching January and June: the bounds are two ranges, and the Postgres planner (the
     * apply's) reads only those two months and the default partition, not the months between.
     */
    @org.junit.jupiter.api.Test
    void boundsOfTwoDistantMonthsReadOnlyThoseMonths() throws SQLException {
        open("on");
        ApplyStatements sql = gp.statements(DeleteMode.MIRROR);
        HourRanges hours =
                HourRanges.of(
                        Instant.parse("2024-01-15T10:00:00Z").getEpochSecond()
                                + ","
                                + Instant.parse("2024-06-20T08:00:00Z").getEpochSecond());
        List<String> plan = new ArrayList<>();
        gp.c.setAutoCommit(false);
        try (Statement s = gp.c.createStatement()) {
            for (String setting : sql.plannerSettings()) {
                s.execute(setting);
            }
            for (String setting : sql.keyLookups(true)) {
                s.execute(setting);
            }
            try (ResultSet rs =
                    s.executeQuery(
                            "EXPLAIN "
                                    + sql.createMatches(
                                            sql.batchTable(), sql.bounds().targetBounds(hours)))) {
                while (rs.next()) {
                    plan.add(rs.getString(1));
                }
            }
        } finally {
            gp.c.rollback();
            gp.c.setAutoCommit(true);
        }
        String text = String.join("\n", plan);
        assertThat(text).contains("items_1_prt_2 ").contains("items_1_prt_7 ");
        for (int month = 3; month <= 6; month++) {
            assertThat(text).as(text).doesNotContain("items_1_prt_" + month + " ");
        }
    }

    @AfterEach
    void close() throws SQLException {
        if (gp != null) {
            gp.close();
        }
    }

    private static Version v(
            long batch, long seq, UUID id, UUID user, String name, Instant at, long lsn, char op) {
        return new Version(batch, seq, id, user, name, at, null, lsn, op);
    }

    private static Version moved(
            long batch,
            long seq,
            UUID id,
            UUID user,
            String name,
            Instant at,
            Instant from,
            long lsn) {
        return new Version(batch, seq, id, user, name, at, from, lsn, 'u');
    }

    /**
     * Inserts, updates and deletes by LSN across two subtasks' batches; a committable in the ledger
     * is skipped; rows move between months, into and out of the default partition and to another
     * user (another segment); a replay after a restore loses to the newer version; a snapshot read
     * replaces whatever is there.
     */
    @ParameterizedTest(name = "optimizer={0}")
    @ValueSource(strings = {"on", "off"})
    void changesApplyExactlyWithEitherPlanner(String optimizer) throws Exception {
        open(optimizer);
        BatchApplier applier = gp.applier(DeleteMode.MIRROR);

        // Subtask 0 saw A at LSN 30 before A at LSN 10; E twice at one LSN, the later staged first.
        gp.stage(
                1,
                v(1, 0, A, U1, "a@30", A_AT, 30, 'u'),
                v(1, 1, A, U1, "a@10", A_AT, 10, 'c'),
                v(1, 3, E, U1, "second", E_AT, 12, 'u'),
                v(1, 2, E, U1, "first", E_AT, 12, 'u'));
        // Subtask 1 saw A at LSN 20, and B, C (default partition), D.
        gp.stage(
                1,
                v(2, 0, A, U1, "a@20", A_AT, 20, 'u'),
                v(2, 1, B, U1, "b", B_AT, 5, 'c'),
                v(2, 2, C, U2, "c", C_AT, 7, 'c'),
                v(2, 3, D, U1, "d", D_AT, 8, 'c'));
        WarehouseCommittable first = gp.committable(1, 1, 2);
        BatchApplier.Result r1 = applier.apply(gp.c, first);

        assertThat(r1.upserted()).isEqualTo(5);
        Map<UUID, String> afterFirst =
                Map.of(
                        A, row("a@30", 30, 'u', U1, A_AT, false),
                        B, row("b", 5, 'c', U1, B_AT, false),
                        C, row("c", 7, 'c', U2, C_AT, false),
                        D, row("d", 8, 'c', U1, D_AT, false),
                        E, row("second", 12, 'u', U1, E_AT, false));
        assertThat(gp.target()).isEqualTo(afterFirst);

        // The same committable again (a retried commit): skipped by its ledger entry.
        gp.stage(1, v(1, 0, A, U1, "a@30", A_AT, 30, 'u'));
        BatchApplier.Result again = applier.apply(gp.c, first);
        assertThat(again.alreadyApplied()).isTrue();
        assertThat(again.commitSeq()).isEqualTo(r1.commitSeq());
        assertThat(gp.target()).isEqualTo(afterFirst);

        // Fresh changes, each with its previous hour: read within literal hour bounds.
        gp.stage(
                2,
                moved(3, 0, A, U1, "a@25", A_AT, A_AT, 25), // older than the warehouse's 30
                v(3, 1, B, U1, null, B_AT, 50, 'd'),
                moved(3, 2, C, U2, "c moved", C_MOVED, C_AT, 60), // default -> March
                moved(3, 3, D, U2, "d moved", D_MOVED, D_AT, 61), // new user, Feb -> default
                v(3, 4, F, U1, "f", F_AT, 62, 'c'),
                v(3, 5, F, U1, null, F_AT, 63, 'd'), // inserted and deleted in one batch
                v(3, 6, G, U2, "g", G_AT, 64, 'c'));
        BatchApplier.Result r2 = applier.apply(gp.c, gp.committable(2, 3));

        assertThat(r2.upserted()).isEqualTo(3);
        assertThat(r2.deleted()).isEqualTo(3);
        assertThat(gp.target())
                .isEqualTo(
                        Map.of(
                                A, row("a@30", 30, 'u', U1, A_AT, false),
                                C, row("c moved", 60, 'u', U2, C_MOVED, false),
                                D, row("d moved", 61, 'u', U2, D_MOVED, false),
                                E, row("second", 12, 'u', U1, E_AT, false),
                                G, row("g", 64, 'c', U2, G_AT, false)));
        assertThat(gp.touchedHours(r2.commitSeq()))
                .containsExactly(
                        "2023-06-01 00:00",
                        "2024-01-15 08:00",
                        "2024-02-10 12:00",
                        "2024-02-20 05:00",
                        "2024-03-05 07:00",
                        "2024-06-30 23:00",
                        "2030-01-01 00:00");

        // A replay after a restore (LSN 55, not above the 64 applied) of an older D dated January:
        // read without bounds, it finds D's newer version in the default partition and loses.
        // A snapshot read of E replaces it whatever its LSN.
        gp.stage(
                3,
                v(4, 0, D, U1, "d stale", A_AT, 55, 'c'),
                v(4, 1, E, U2, "snapshot", E_AT, 0, 'r'));
        BatchApplier.Result r3 = applier.apply(gp.c, gp.committable(3, 4));

        assertThat(r3.upserted()).isEqualTo(1);
        assertThat(r3.deleted()).isEqualTo(1);
        assertThat(gp.target())
                .isEqualTo(
                        Map.of(
                                A, row("a@30", 30, 'u', U1, A_AT, false),
                                C, row("c moved", 60, 'u', U2, C_MOVED, false),
                                D, row("d moved", 61, 'u', U2, D_MOVED, false),
                                E, row("snapshot", 0, 'r', U2, E_AT, false),
                                G, row("g", 64, 'c', U2, G_AT, false)));
        assertThat(gp.count("SELECT count(*) FROM " + gp.bookkeeping.ledger())).isEqualTo(3);
        assertThat(
                        gp.count(
                                "SELECT count(*) FROM "
                                        + gp.bookkeeping.stagingTable(GreenplumApplyFixture.TABLE)))
                .isZero();
        assertThat(gp.show("optimizer")).isEqualTo(optimizer);
    }

    /**
     * A batch of new inserts goes straight from staging into the target: each segment inserts its
     * own rows (staging is distributed like the target, so the plan has no motion), into the right
     * partitions; then a replay of one of them after a restore is matched, not inserted twice, and
     * a key inserted twice within a batch lands once.
     */
    @ParameterizedTest(name = "optimizer={0}")
    @ValueSource(strings = {"on", "off"})
    void newInsertsGoStraightIntoTheTargetAndReplaysStillMatch(String optimizer) throws Exception {
        open(optimizer);
        BatchApplier applier = gp.applier(DeleteMode.MIRROR);
        gp.stage(
                1,
                v(1, 0, A, U1, "a", A_AT, 10, 'c'),
                v(1, 1, C, U2, "c", C_AT, 11, 'c'),
                v(2, 0, B, U2, "b", B_AT, 12, 'c'),
                v(2, 1, G, U1, "g", G_AT, 13, 'c'));
        WarehouseCommittable first = gp.committable(1, 1, 2);
        String plan;
        try (Statement s = gp.c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "EXPLAIN "
                                        + gp.statements(DeleteMode.MIRROR)
                                                .insertOnly()
                                                .insertStaged(
                                                        GreenplumApplyFixture.JOB,
                                                        first.batchIds()))) {
            StringBuilder sb = new StringBuilder();
            while (rs.next()) {
                sb.append(rs.getString(1)).append('\n');
            }
            plan = sb.toString();
        }
        assertThat(plan).doesNotContain("Redistribute").doesNotContain("Broadcast");

        BatchApplier.Result r = applier.apply(gp.c, first);

        assertThat(applier.insertOnlyApplies()).isOne();
        assertThat(r.upserted()).isEqualTo(4);
        Map<UUID, String> afterFirst =
                Map.of(
                        A, row("a", 10, 'c', U1, A_AT, false),
                        B, row("b", 12, 'c', U2, B_AT, false),
                        C, row("c", 11, 'c', U2, C_AT, false),
                        G, row("g", 13, 'c', U1, G_AT, false));
        assertThat(gp.target()).isEqualTo(afterFirst);
        assertThat(gp.count("SELECT count(*) FROM public.items_1_prt_other")).isOne(); // C
        assertThat(gp.touchedHours(r.commitSeq()))
                .containsExactly(
                        "2023-06-01 00:00",
                        "2024-01-15 08:00",
                        "2024-02-10 12:00",
                        "2024-06-30 23:00");

        // After a restore: B again (LSN 12, not above the 13 applied) and a new key: matched.
        BatchApplier restored = gp.applier(DeleteMode.MIRROR);
        gp.stage(2, v(3, 0, B, U2, "b", B_AT, 12, 'c'), v(3, 1, D, U1, "d", D_AT, 14, 'c'));
        restored.apply(gp.c, gp.committable(2, 3));
        assertThat(restored.insertOnlyApplies()).isZero();
        assertThat(gp.count("SELECT count(*) FROM public.items WHERE id = '" + B + "'")).isOne();

        // A key inserted twice in one batch (both subtasks): deduplicated, the later one lands.
        gp.stage(3, v(4, 0, E, U1, "e first", E_AT, 20, 'c'));
        gp.stage(3, v(5, 0, E, U1, "e second", E_AT, 21, 'c'));
        restored.apply(gp.c, gp.committable(3, 4, 5));
        assertThat(restored.insertOnlyApplies()).isZero();
        assertThat(gp.target())
                .hasSize(6)
                .containsEntry(E, row("e second", 21, 'c', U1, E_AT, false));
    }

    /**
     * Rows whose distribution column is NULL: the co-located delete (joined on the user too) never
     * matches them, the delete by key alone does; an update, a move to a user, a move back to NULL
     * and a replay keep one row per key.
     */
    @ParameterizedTest(name = "optimizer={0}")
    @ValueSource(strings = {"on", "off"})
    void rowsWithoutADistributionValueAreReplacedToo(String optimizer) throws Exception {
        open(optimizer);
        BatchApplier applier = gp.applier(DeleteMode.MIRROR);
        gp.stage(1, v(1, 0, A, null, "a", A_AT, 10, 'c'), v(1, 1, B, null, "b", B_AT, 11, 'c'));
        applier.apply(gp.c, gp.committable(1, 1));

        gp.stage(
                2,
                moved(2, 0, A, null, "a moved", C_MOVED, A_AT, 20),
                moved(2, 1, B, U1, "b to u1", B_AT, B_AT, 21));
        BatchApplier.Result r2 = applier.apply(gp.c, gp.committable(2, 2));
        assertThat(r2.deleted()).isEqualTo(2);
        assertThat(gp.target())
                .isEqualTo(
                        Map.of(
                                A, row("a moved", 20, 'u', null, C_MOVED, false),
                                B, row("b to u1", 21, 'u', U1, B_AT, false)));

        gp.stage(
                3,
                moved(3, 0, B, null, "b back", D_AT, B_AT, 30),
                v(3, 1, A, null, "a stale", A_AT, 15, 'u')); // a replay: loses
        BatchApplier.Result r3 = applier.apply(gp.c, gp.committable(3, 3));
        assertThat(r3.deleted()).isEqualTo(1);
        assertThat(gp.target())
                .isEqualTo(
                        Map.of(
                                A, row("a moved", 20, 'u', null, C_MOVED, false),
                                B, row("b back", 30, 'u', null, D_AT, false)));
        assertThat(gp.show("optimizer")).isEqualTo(optimizer);
    }

    /** Soft deletes update the row in place on the partitioned, user-distributed table. */
    @ParameterizedTest(name = "optimizer={0}")
    @ValueSource(strings = {"on", "off"})
    void softDeletesMarkTheRowWithEitherPlanner(String optimizer) throws Exception {
        open(optimizer);
        BatchApplier applier = gp.applier(DeleteMode.SOFT);
        gp.stage(1, v(1, 0, A, U1, "a", A_AT, 10, 'c'), v(1, 1, B, U2, "b", B_AT, 11, 'c'));
        applier.apply(gp.c, gp.committable(1, 1));

        gp.stage(
                2,
                v(2, 0, A, U1, null, A_AT, 20, 'd'),
                v(2, 1, B, U2, null, B_AT, 5, 'd')); // older than the warehouse's: ignored
        BatchApplier.Result r = applier.apply(gp.c, gp.committable(2, 2));
        assertThat(r.deleted()).isEqualTo(1);
        assertThat(gp.target())
                .isEqualTo(
                        Map.of(
                                A, row("a", 20, 'd', U1, A_AT, true),
                                B, row("b", 11, 'c', U2, B_AT, false)));

        gp.stage(3, moved(3, 0, A, U2, "a again", C_MOVED, A_AT, 30));
        applier.apply(gp.c, gp.committable(3, 3));
        assertThat(gp.target())
                .isEqualTo(
                        Map.of(
                                A, row("a again", 30, 'u', U2, C_MOVED, false),
                                B, row("b", 11, 'c', U2, B_AT, false)));
        assertThat(gp.show("optimizer")).isEqualTo(optimizer);
    }

    /**
     * A key deleted in soft mode keeps its marked row in its month (January); inserted again in
     * May, a fresh batch that touches May only must still find and replace that row, not add a
     * second one, while a new key in the batch is looked up within the batch's months alone.
     */
    @ParameterizedTest(name = "optimizer={0}")
    @ValueSource(strings = {"on", "off"})
    void aSoftDeletedKeyInsertedInAnotherMonthKeepsOneRow(String optimizer) throws Exception {
        open(optimizer);
        BatchApplier applier = gp.applier(DeleteMode.SOFT);
        gp.stage(1, v(1, 0, A, U1, "a", A_AT, 10, 'c'), v(1, 1, B, U2, "b", B_AT, 11, 'c'));
        applier.apply(gp.c, gp.committable(1, 1));
        gp.stage(2, v(2, 0, A, U1, null, A_AT, 20, 'd'));
        applier.apply(gp.c, gp.committable(2, 2));

        gp.stage(3, v(3, 0, A, U2, "a again", E_AT, 30, 'c'), v(3, 1, C, U1, "c", E_AT, 31, 'c'));
        BatchApplier.Result r = applier.apply(gp.c, gp.committable(3, 3));
        assertThat(r.upserted()).isEqualTo(2);
        assertThat(gp.target())
                .isEqualTo(
                        Map.of(
                                A, row("a again", 30, 'c', U2, E_AT, false),
                                B, row("b", 11, 'c', U2, B_AT, false),
                                C, row("c", 31, 'c', U1, E_AT, false)));
        assertThat(gp.count("SELECT count(*) FROM public.items WHERE id = '" + A + "'")).isOne();

        // Deleted again in May, back in the default partition: still one row.
        gp.stage(4, v(4, 0, A, U2, null, E_AT, 40, 'd'));
        applier.apply(gp.c, gp.committable(4, 4));
        gp.stage(5, v(5, 0, A, U1, "a third", C_AT, 50, 'c'));
        applier.apply(gp.c, gp.committable(5, 5));
        assertThat(gp.count("SELECT count(*) FROM public.items WHERE id = '" + A + "'")).isOne();
        assertThat(gp.target()).containsEntry(A, row("a third", 50, 'c', U1, C_AT, false));
        assertThat(gp.show("optimizer")).isEqualTo(optimizer);
    }

    /**
     * 300 keys over a 20,000-row table across all partitions: updates within a month, moves between
     * months and into the default partition, user changes, deletes, new keys and keys with versions
     * out of LSN order in both subtasks' batches. The whole table must equal a model of the
     * changes, row by row.
     */
    @ParameterizedTest(name = "optimizer={0}")
    @ValueSource(strings = {"on", "off"})
    void aMixedBatchOverAPartitionedTableEqualsTheModel(String optimizer) throws Exception {
        open(optimizer);
        int seed = 20_000;
        gp.execute(
                "INSERT INTO public.items (id, user_id, name, created_at, _cdc_lsn, _cdc_op)"
                        + " SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(g), 12, '0'))::uuid,"
                        + " ('00000000-0000-0001-0000-' || lpad(to_hex(g % 50), 12, '0'))::uuid,"
                        + " 'seed ' || g, CASE WHEN g % 1000 = 0 THEN timestamptz"
                        + " '2023-12-31 12:00+00' ELSE timestamptz '2024-01-01 00:00+00' + g *"
                        + " interval '11 minutes' END, 10, 'c' FROM generate_series(1, "
                        + seed
                        + ") g",
                "ANALYZE public.items");
        Map<UUID, String> model = new HashMap<>();
        Map<UUID, Instant> at = new HashMap<>();
        for (long g = 1; g <= seed; g++) {
            Instant t =
                    g % 1000 == 0
                            ? Instant.parse("2023-12-31T12:00:00Z")
                            : Instant.parse("2024-01-01T00:00:00Z")
                                    .plus(Duration.ofMinutes(11 * g));
            UUID id = new UUID(0, g);
            at.put(id, t);
            model.put(id, row("seed " + g, 10, 'c', new UUID(1, g % 50), t, false));
        }

        Random random = new Random(11);
        List<Version> sub0 = new ArrayList<>();
        List<Version> sub1 = new ArrayList<>();
        long lsn = 1_000;
        for (int k = 0; k < 300; k++) {
            long g = k * 61L + 7; // distinct existing keys, spread over every month
            UUID id = new UUID(0, g);
            UUID user = new UUID(1, g % 50);
            UUID otherUser = new UUID(1, 50 + k % 7);
            Instant old = at.get(id);
            List<Version> batch = random.nextBoolean() ? sub0 : sub1;
            long b = batch == sub0 ? 1 : 2;
            lsn += 1 + random.nextInt(3);
            switch (k % 6) {
                case 0 -> {
                    Instant t = old.plusSeconds(60);
                    batch.add(moved(b, batch.size(), id, user, "upd " + k, t, old, lsn));
                    model.put(id, row("upd " + k, lsn, 'u', user, t, false));
                }
                case 1 -> {
                    Instant t =
                            k % 4 == 1
                                    ? old.plus(Duration.ofDays(40))
                                    : old.plus(Duration.ofDays(3000));
                    batch.add(moved(b, batch.size(), id, user, "moved " + k, t, old, lsn));
                    model.put(id, row("moved " + k, lsn, 'u', user, t, false));
                }
                case 2 -> {
                    batch.add(moved(b, batch.size(), id, otherUser, "user " + k, old, old, lsn));
                    model.put(id, row("user " + k, lsn, 'u', otherUser, old, false));
                }
                case 3 -> {
                    batch.add(v(b, batch.size(), id, user, null, old, lsn, 'd'));
                    model.remove(id);
                }
                case 4 -> {
                    UUID fresh = new UUID(0, 1_000_000 + k);
                    Instant t =
                            Instant.parse("2024-01-01T00:00:00Z").plus(Duration.ofHours(k * 13L));
                    batch.add(v(b, batch.size(), fresh, user, "new " + k, t, lsn, 'c'));
                    model.put(fresh, row("new " + k, lsn, 'c', user, t, false));
                }
                default -> {
                    // The newer version is staged first, by the other subtask; the older later.
                    List<Version> other = batch == sub0 ? sub1 : sub0;
                    long ob = other == sub0 ? 1 : 2;
                    Instant t = old.plus(Duration.ofDays(20));
                    other.add(
                            moved(ob, other.size(), id, otherUser, "newer " + k, t, old, lsn + 1));
                    batch.add(moved(b, batch.size(), id, user, "older " + k, old, old, lsn));
                    model.put(id, row("newer " + k, lsn + 1, 'u', otherUser, t, false));
                    lsn++;
                }
            }
        }
        gp.stage(1, sub0);
        gp.stage(1, sub1);
        BatchApplier.Result r = gp.applier(DeleteMode.MIRROR).apply(gp.c, gp.committable(1, 1, 2));

        assertThat(r.upserted()).isEqualTo(250);
        assertThat(r.deleted()).isEqualTo(250);
        assertEqualsModel(model);

        // A second batch whose keys each stay in one month (updates in place, deletes, new keys,
        // a key updated twice, keys in the default partition): the match runs once per month.
        sub0.clear();
        sub1.clear();
        for (int k = 0; k < 200; k++) {
            long g = k * 61L + 37;
            UUID id = new UUID(0, g);
            UUID user = new UUID(1, g % 50);
            Instant old = at.get(id);
            List<Version> batch = k % 2 == 0 ? sub0 : sub1;
            long b = batch == sub0 ? 3 : 4;
            lsn += 2;
            switch (k % 4) {
                case 0 -> {
                    batch.add(moved(b, batch.size(), id, user, "same " + k, old, old, lsn));
                    model.put(id, row("same " + k, lsn, 'u', user, old, false));
                }
                case 1 -> {
                    batch.add(v(b, batch.size(), id, user, null, old, lsn, 'd'));
                    model.remove(id);
                }
                case 2 -> {
                    UUID fresh = new UUID(0, 2_000_000 + k);
                    Instant t =
                            Instant.parse("2024-01-01T00:00:00Z").plus(Duration.ofHours(k * 17L));
                    batch.add(v(b, batch.size(), fresh, user, "new " + k, t, lsn, 'c'));
                    model.put(fresh, row("new " + k, lsn, 'c', user, t, false));
                }
                default -> {
                    List<Version> other = batch == sub0 ? sub1 : sub0;
                    long ob = other == sub0 ? 3 : 4;
                    other.add(moved(ob, other.size(), id, user, "twice " + k, old, old, lsn + 1));
                    batch.add(moved(b, batch.size(), id, user, "once " + k, old, old, lsn));
                    model.put(id, row("twice " + k, lsn + 1, 'u', user, old, false));
                }
            }
        }
        gp.stage(2, sub0);
        gp.stage(2, sub1);
        ApplyStatements sql = gp.statements(DeleteMode.MIRROR);
        assertThat(sql.bounds().splitsMatchByMonth()).isTrue();
        long months = 0;
        try (Statement s = gp.c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                sql.bounds()
                                        .keyMonths(GreenplumApplyFixture.JOB, List.of(3L, 4L)))) {
            while (rs.next()) {
                assertThat(rs.getLong(2)).as("keys spanning months").isZero();
                months++;
            }
        }
        assertThat(months).isGreaterThan(3);
        r = gp.applier(DeleteMode.MIRROR).apply(gp.c, gp.committable(2, 3, 4));
        assertThat(r.upserted()).isEqualTo(150);
        assertThat(r.deleted()).isEqualTo(150);
        assertEqualsModel(model);

        // A third batch, each key staged once and in place: the months come from the batch's
        // hours without grouping by key.
        List<Version> once = new ArrayList<>();
        for (int k = 0; k < 150; k++) {
            long g = k * 61L + 47;
            UUID id = new UUID(0, g);
            UUID user = new UUID(1, g % 50);
            Instant old = at.get(id);
            lsn += 1;
            if (k % 3 == 0) {
                once.add(moved(5, once.size(), id, user, "third " + k, old, old, lsn));
                model.put(id, row("third " + k, lsn, 'u', user, old, false));
            } else if (k % 3 == 1) {
                once.add(v(5, once.size(), id, user, null, old, lsn, 'd'));
                model.remove(id);
            } else {
                UUID fresh = new UUID(0, 3_000_000 + k);
                Instant t = Instant.parse("2024-01-01T00:00:00Z").plus(Duration.ofHours(k * 23L));
                once.add(v(5, once.size(), fresh, user, "new3 " + k, t, lsn, 'c'));
                model.put(fresh, row("new3 " + k, lsn, 'c', user, t, false));
            }
        }
        gp.stage(3, once);
        try (Statement s = gp.c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                sql.bounds().monthMoves(GreenplumApplyFixture.JOB, List.of(5L)))) {
            rs.next();
            assertThat(rs.getLong(2)).as("updates moving between months").isZero();
        }
        r = gp.applier(DeleteMode.MIRROR).apply(gp.c, gp.committable(3, 5));
        assertThat(r.upserted()).isEqualTo(100);
        assertThat(r.deleted()).isEqualTo(100);
        assertEqualsModel(model);
        assertThat(gp.show("optimizer")).isEqualTo(optimizer);
    }

    private void assertEqualsModel(Map<UUID, String> model) throws SQLException {
        Map<UUID, String> actual = gp.target();
        assertThat(actual).hasSize(model.size());
        List<String> differences = new ArrayList<>();
        model.forEach(
                (id, want) -> {
                    if (!want.equals(actual.get(id))) {
                        differences.add(id + ": want " + want + ", got " + actual.get(id));
                    }
                });
        assertThat(differences).isEmpty();
    }
}
