package io.pg2gp.connector.warehouse.internal.commit;

import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.HousekeepingOptions;
import io.pg2gp.connector.warehouse.internal.commit.GreenplumApplyFixture.Version;
import io.pg2gp.connector.warehouse.internal.sql.BookkeepingTables;
import io.pg2gp.connector.warehouse.internal.sql.HousekeepingStatements;
import io.pg2gp.connector.warehouse.internal.sql.WarehouseSetup;
import io.pg2gp.testutils.SharedGreenplum;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The committer's housekeeping on a real Greenplum 6 cluster, where nothing else vacuums or
 * analyses: many applies through {@link BatchApplier}, each followed by the housekeeper as the
 * committer runs it, keep staging's size and dead rows flat while every apply deletes what it
 * applied, and give the target's partitions statistics. Also: the ledger and touched hours spread
 * over both segments, and an old install distributed by {@code job} is redistributed.
 */
class HousekeepingGreenplumITCase {

    private static final int KEYS = 1200;
    private static final int APPLIES = 65;
    private static final int UPDATES_PER_APPLY = 150;
    private static final int VACUUM_EVERY = 10;
    private static final Instant JANUARY = Instant.parse("2024-01-01T00:00:00Z");

    private GreenplumApplyFixture gp;

    @BeforeEach
    void open() throws SQLException {
        String db = SharedGreenplum.createDatabase("housekeeping");
        gp = new GreenplumApplyFixture(SharedGreenplum.cluster(), db, "on");
    }

    @AfterEach
    void close() throws SQLException {
        if (gp != null) {
            gp.close();
        }
    }

    @Test
    void stagingStaysFlatAndPartitionsGetStatistics() throws Exception {
        BatchApplier applier = gp.applier(DeleteMode.MIRROR);
        WarehouseHousekeeper housekeeper = housekeeper(VACUUM_EVERY, 20);
        String staging = gp.bookkeeping.stagingTable(GreenplumApplyFixture.TABLE);
        Random random = new Random(12);
        UUID[] ids = new UUID[KEYS];
        UUID[] users = new UUID[KEYS];
        Instant[] at = new Instant[KEYS];
        List<Version> inserts = new ArrayList<>();
        long lsn = 1;
        for (int k = 0; k < KEYS; k++) {
            ids[k] = new UUID(7, k);
            users[k] = new UUID(8, k % 97);
            // Spread over January..June 2024: six monthly partitions.
            at[k] = JANUARY.plus(Duration.ofHours(random.nextInt(181 * 24)));
            inserts.add(new Version(1, k, ids[k], users[k], "v0", at[k], null, lsn++, 'c'));
        }
        applier.apply(gp.c, stageAtOnce(1, inserts));
        housekeeper.afterApply(gp.c, KEYS);

        List<WarehouseHousekeeper.Report> reports = new ArrayList<>();
        Figures start = null;
        long applyMillisFirst = 0;
        long applyMillisLast = 0;
        for (int i = 2; i <= APPLIES; i++) {
            List<Version> updates = new ArrayList<>();
            for (int u = 0; u < UPDATES_PER_APPLY; u++) {
                int k = random.nextInt(KEYS);
                updates.add(new Version(i, u, ids[k], users[k], "v" + i, at[k], at[k], lsn++, 'u'));
            }
            BatchApplier.Result r = applier.apply(gp.c, stageAtOnce(i, updates));
            assertThat(r.alreadyApplied()).isFalse();
            reports.add(housekeeper.afterApply(gp.c, UPDATES_PER_APPLY));
            if (i == 2 * VACUUM_EVERY + 5) {
                start = figures(staging);
                applyMillisFirst = r.millis();
            }
            applyMillisLast = r.millis();
        }
        Figures end = figures(staging);
        // Runs that vacuumed staging (the early ANALYZE rounds vacuum only pg_statistic).
        long vacuums =
                reports.stream().filter(r -> r.vacuumed().contains("VACUUM " + staging)).count();
        long analysed = reports.stream().mapToLong(r -> r.analyzed().size()).sum();
        System.out.printf(
                "housekeeping on GP6 over %d applies of %d updates (VACUUM every %d applies):%n"
                        + "  staging after apply %d: %s%n  staging after apply %d: %s%n"
                        + "  vacuum runs %d, ANALYZE statements %d, apply ms %d -> %d%n",
                APPLIES,
                UPDATES_PER_APPLY,
                VACUUM_EVERY,
                2 * VACUUM_EVERY + 5,
                start,
                APPLIES,
                end,
                vacuums,
                analysed,
                applyMillisFirst,
                applyMillisLast);

        // Every apply deleted its ~150 staged rows (~15,000 in all); VACUUM keeps what is dead
        // below what the applies since the last run left, and the heap does not grow.
        assertThat(vacuums).isEqualTo(APPLIES / VACUUM_EVERY);
        // A VACUUM right after an apply cannot yet remove every row the last applies deleted
        // (Greenplum's distributed snapshot horizon trails the commits a little: 9-11 applies'
        // rows were left at the end of runs with VACUUM every 10), so the bound is two VACUUM
        // periods; without VACUUM the 65 applies leave ~10,000.
        assertThat(end.deadRows).isLessThanOrEqualTo(2L * VACUUM_EVERY * UPDATES_PER_APPLY);
        assertThat(end.liveRows).isZero();
        assertThat(end.bytes).isLessThanOrEqualTo(Math.max(start.bytes * 3 / 2, 2 * 32768));

        // Every month that received rows has statistics, counting them to within a few percent.
        List<String> months = leafRows();
        System.out.println("  partitions after housekeeping (name reltuples/rows): " + months);
        for (String m : months) {
            String[] p = m.split("[ /]");
            long reltuples = Long.parseLong(p[1]);
            long rows = Long.parseLong(p[2]);
            if (rows > 0) {
                assertThat(reltuples).as(m).isBetween(rows * 9 / 10, rows * 11 / 10);
            }
        }
        assertThat(months.stream().filter(m -> !m.endsWith("/0"))).hasSize(6);

        // Every update left a dead row in its partition (~9,600 in all): the partitions vacuumed
        // with their ANALYZE hold at most those of the applies since the last rounds.
        long deadInTarget = deadRowsInPartitions();
        System.out.println("  dead rows left in the partitions: " + deadInTarget);
        assertThat(deadInTarget).isLessThanOrEqualTo(2L * 20 * UPDATES_PER_APPLY);
    }

    @Test
    void ledgerAndTouchedHoursSpreadAndOldInstallsAreRedistributed() throws Exception {
        BookkeepingTables tables = gp.bookkeeping;
        // An install of the first release: both distributed by job.
        gp.execute(
                "ALTER TABLE " + tables.ledger() + " SET DISTRIBUTED BY (job)",
                "ALTER TABLE " + tables.touchedHours() + " SET DISTRIBUTED BY (job)");
        BatchApplier applier = gp.applier(DeleteMode.MIRROR);
        WarehouseCommittable last = null;
        for (int i = 1; i <= 8; i++) {
            gp.stage(
                    i,
                    new Version(
                            i,
                            0,
                            new UUID(3, i),
                            new UUID(4, i),
                            "x",
                            JANUARY.plus(Duration.ofHours(i)),
                            null,
                            i,
                            'c'));
            last = gp.committable(i, i);
            applier.apply(gp.c, last);
        }
        assertThat(segments(tables.ledger())).isEqualTo(1);
        assertThat(segments(tables.touchedHours())).isEqualTo(1);

        WarehouseSetup.ensureBookkeeping(gp.c, tables, GreenplumApplyFixture.TABLE);

        assertThat(distribution(tables.ledger())).isEqualTo("DISTRIBUTED BY (commit_id)");
        assertThat(distribution(tables.touchedHours())).isEqualTo("DISTRIBUTED BY (commit_seq)");
        assertThat(gp.count("SELECT count(*) FROM " + tables.ledger())).isEqualTo(8);
        assertThat(gp.count("SELECT count(*) FROM " + tables.touchedHours())).isEqualTo(8);
        assertThat(segments(tables.ledger())).isEqualTo(2);
        assertThat(segments(tables.touchedHours())).isEqualTo(2);
        // The applier finds its ledger entries where they are now: a retry is still skipped.
        assertThat(applier.apply(gp.c, last).alreadyApplied()).isTrue();
    }

    @Test
    void aLeafThatOnlyReceivedInsertsIsAnalysedWithoutVacuum() throws Exception {
        BatchApplier applier = gp.applier(DeleteMode.MIRROR);
        WarehouseHousekeeper housekeeper = housekeeper(1000, 1);
        int keys = 1000;
        List<Version> inserts = new ArrayList<>();
        List<Version> updates = new ArrayList<>();
        for (int k = 0; k < keys; k++) {
            UUID id = new UUID(9, k);
            UUID user = new UUID(10, k % 31);
            Instant at = JANUARY.plus(Duration.ofMinutes(k));
            inserts.add(new Version(1, k, id, user, "v1", at, null, 1 + k, 'c'));
            updates.add(new Version(2, k, id, user, "v2", at, at, 10_000 + k, 'u'));
        }
        applier.apply(gp.c, stageAtOnce(1, inserts));
        WarehouseHousekeeper.Report afterInserts = housekeeper.afterApply(gp.c, keys);
        String january =
                gp.string(
                        "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n"
                                + " ON n.oid = c.relnamespace WHERE c.oid = (SELECT tableoid FROM"
                                + " public.items LIMIT 1)");
        assertThat(afterInserts.analyzed()).contains("ANALYZE " + january);
        assertThat(afterInserts.analyzed()).noneMatch(s -> s.startsWith("VACUUM"));

        applier.apply(gp.c, stageAtOnce(2, updates));
        // The segments' counters reach the statistics collector within about half a second.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (gp.count(
                                "SELECT coalesce(sum(pg_stat_get_tuples_deleted(c.oid)), 0)"
                                        + " FROM gp_dist_random('pg_class') c WHERE c.oid = '"
                                        + january
                                        + "'::regclass")
                        < keys
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        WarehouseHousekeeper.Report afterUpdates = housekeeper.afterApply(gp.c, keys);
        assertThat(afterUpdates.analyzed()).contains("VACUUM ANALYZE " + january);
        deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        long dead = deadRowsInPartitions();
        while (dead > 0 && System.nanoTime() < deadline) {
            dead = deadRowsInPartitions();
        }
        assertThat(dead).isZero();
    }

    @Test
    void stagingIsUncompressedAppendOptimizedRowsWhateverTheClusterDefault() throws Exception {
        // A cluster whose default for new tables is compressed column orientation; staging
        // dropped as operations.md says to switch an older heap staging table, then made again
        // by the sink's start-up.
        String staging = gp.bookkeeping.stagingTable(GreenplumApplyFixture.TABLE);
        gp.execute(
                "SET gp_default_storage_options ="
                        + " 'appendonly=true, orientation=column, compresstype=zlib'",
                "DROP TABLE " + staging);
        WarehouseSetup.ensureBookkeeping(gp.c, gp.bookkeeping, GreenplumApplyFixture.TABLE);
        assertThat(
                        gp.count(
                                "SELECT count(*) FROM pg_appendonly WHERE relid = '"
                                        + staging
                                        + "'::regclass AND NOT columnstore AND coalesce("
                                        + "compresstype, '') IN ('', 'none')"))
                .isEqualTo(1);
        assertThat(distribution(staging)).isEqualTo("DISTRIBUTED BY (user_id)");

        // Staged, applied and purged like a heap table; VACUUM gives the space back.
        BatchApplier applier = gp.applier(DeleteMode.MIRROR);
        List<Version> rows = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            rows.add(
                    new Version(
                            1,
                            i,
                            new UUID(5, i),
                            new UUID(6, i % 13),
                            "r" + i,
                            JANUARY.plus(Duration.ofHours(i)),
                            null,
                            100 + i,
                            'c'));
        }
        BatchApplier.Result result = applier.apply(gp.c, stageAtOnce(1, rows));
        assertThat(result.upserted()).isEqualTo(500);
        assertThat(gp.count("SELECT count(*) FROM public.items")).isEqualTo(500);
        assertThat(gp.count("SELECT count(*) FROM " + staging)).isZero();
        gp.execute("VACUUM " + staging);
        assertThat(
                        gp.count(
                                "SELECT coalesce(sum(tupcount), 0)::bigint FROM"
                                        + " gp_toolkit.__gp_aoseg('"
                                        + staging
                                        + "'::regclass)"))
                .isZero();
    }

    private WarehouseHousekeeper housekeeper(int vacuumEveryApplies, int analyzeEveryApplies) {
        return new WarehouseHousekeeper(
                HousekeepingOptions.builder()
                        .vacuumEveryApplies(vacuumEveryApplies)
                        .analyzeEveryApplies(analyzeEveryApplies)
                        .build(),
                new HousekeepingStatements(
                        GreenplumApplyFixture.TABLE, gp.bookkeeping, gp.dialect));
    }

    /**
     * Stages {@code versions} as batch {@code tag} of checkpoint {@code tag} in one statement (the
     * fixture's row-at-a-time INSERTs cost a dispatch each on Greenplum) and returns its
     * committable.
     */
    private WarehouseCommittable stageAtOnce(long tag, List<Version> versions) throws SQLException {
        StringBuilder values = new StringBuilder();
        long maxLsn = 0;
        for (Version v : versions) {
            values.append(values.length() == 0 ? "" : ", ")
                    .append(
                            String.format(
                                    "('%s', %d, %d, %d, '%s', '%s', '%s', '%s', %d, '%s', now(),"
                                            + " %s)",
                                    GreenplumApplyFixture.JOB,
                                    v.batch(),
                                    tag,
                                    v.seq(),
                                    v.id(),
                                    v.user(),
                                    v.name(),
                                    v.at(),
                                    v.lsn(),
                                    v.op(),
                                    v.prevAt() == null ? "NULL" : "'" + v.prevAt() + "'"));
            maxLsn = Math.max(maxLsn, v.lsn());
        }
        gp.execute(
                "INSERT INTO "
                        + gp.bookkeeping.stagingTable(GreenplumApplyFixture.TABLE)
                        + " ("
                        + BookkeepingTables.stagingColumnList(GreenplumApplyFixture.TABLE)
                        + ") VALUES "
                        + values);
        return new WarehouseCommittable(
                10_000 + tag,
                tag,
                GreenplumApplyFixture.TARGET,
                List.of(
                        new StagedBatch(
                                GreenplumApplyFixture.TARGET,
                                tag,
                                tag,
                                0,
                                versions.size(),
                                0,
                                maxLsn)));
    }

    private long segments(String table) throws SQLException {
        return gp.count("SELECT count(DISTINCT gp_segment_id) FROM " + table);
    }

    private String distribution(String table) throws SQLException {
        try (Statement s = gp.c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT pg_get_table_distributedby('" + table + "'::regclass)")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Size, live and dead rows of a table summed over the segments. */
    record Figures(long bytes, long liveRows, long deadRows) {
        @Override
        public String toString() {
            return bytes / 1024 + " kB, " + liveRows + " live rows, " + deadRows + " dead rows";
        }
    }

    private Figures figures(String table) throws Exception {
        // The statistics collector reports with a delay of up to half a second.
        Thread.sleep(1500);
        try (Statement s = gp.c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT pg_relation_size('"
                                        + table
                                        + "'), (SELECT count(*) FROM "
                                        + table
                                        + "), (SELECT sum(pg_stat_get_dead_tuples(c.oid)) FROM"
                                        + " gp_dist_random('pg_class') c WHERE c.oid = '"
                                        + table
                                        + "'::regclass)")) {
            rs.next();
            return new Figures(rs.getLong(1), rs.getLong(2), rs.getLong(3));
        }
    }

    /** Dead rows of the target's partitions, summed over the segments. */
    private long deadRowsInPartitions() throws Exception {
        Thread.sleep(1500); // the statistics collector reports with a delay
        return gp.count(
                "SELECT coalesce(sum(pg_stat_get_dead_tuples(c.oid)), 0) FROM"
                        + " gp_dist_random('pg_class') c WHERE c.oid IN (SELECT inhrelid FROM"
                        + " pg_inherits WHERE inhparent = 'public.items'::regclass)");
    }

    /** Each partition of the target as "name reltuples/rows". */
    private List<String> leafRows() throws SQLException {
        List<String> leaves = new ArrayList<>();
        try (Statement s = gp.c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT c.relname, c.reltuples::bigint, (SELECT count(*) FROM"
                                        + " public.items i WHERE i.tableoid = c.oid) FROM"
                                        + " pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid"
                                        + " WHERE h.inhparent = 'public.items'::regclass ORDER"
                                        + " BY 1")) {
            while (rs.next()) {
                leaves.add(rs.getString(1) + " " + rs.getLong(2) + "/" + rs.getLong(3));
            }
        }
        return leaves;
    }
}
