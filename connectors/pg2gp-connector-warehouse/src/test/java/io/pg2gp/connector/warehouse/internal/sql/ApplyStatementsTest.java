package io.pg2gp.connector.warehouse.internal.sql;

import io.pg2gp.connector.warehouse.ColumnType;
import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseTable;

import org.junit.jupiter.api.Test;

import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The apply's statements for Greenplum 6 (golden shapes; PostgreSQL runs the same statements in
 * BatchApplierITCase): only forms its 9.4 kernel accepts, and a deduplicated batch that carries
 * what the apply decides with, not the rows.
 */
class ApplyStatementsTest {

    private static final WarehouseTable FACT =
            WarehouseTable.builder("public", "facts")
                    .column("id", ColumnType.UUID)
                    .column("user_id", ColumnType.UUID)
                    .column("payload", ColumnType.JSONB)
                    .column("created_at", ColumnType.TIMESTAMPTZ)
                    .key("id")
                    .hourColumn("created_at")
                    .distributedBy("user_id")
                    .build();

    private static final List<Long> BATCHES = List.of(11L, 12L);

    private static ApplyStatements statements(DeleteMode mode) {
        return new ApplyStatements(
                FACT,
                new BookkeepingTables("pg2gp", WarehouseDialect.GREENPLUM_6),
                mode,
                WarehouseDialect.GREENPLUM_6,
                true);
    }

    private static List<String> all(ApplyStatements sql) {
        String batch = sql.batchTable();
        String bounds =
                sql.bounds().targetBounds("2025-03-01 00:00:00+00", "2025-03-01 02:00:00+00");
        List<String> out = new ArrayList<>();
        out.addAll(sql.plannerSettings());
        out.add(sql.bounds().batchStats("job", BATCHES));
        out.add(sql.createDeduplicatedBatch("job", BATCHES));
        out.add(sql.analyzeBatch());
        out.add(sql.keyIndexed());
        out.addAll(sql.keyLookups(true));
        out.add(sql.createMatches(batch, bounds));
        out.add(sql.bounds().keyMonths("job", BATCHES));
        out.add(sql.bounds().monthMoves("job", BATCHES));
        out.add(sql.bounds().replacedMonths());
        out.add(sql.touched().recordTouchedHours("job", 7, batch));
        out.add(sql.deleteReplaced(bounds));
        out.add(sql.countReplacedWithNullDistribution());
        out.add(sql.deleteReplacedWithNullDistribution(bounds));
        if (sql.softDelete().markSoftDeleted(batch, bounds) != null) {
            out.add(sql.softDelete().markSoftDeleted(batch, bounds));
        }
        out.add(sql.disableNestedLoops());
        out.add(sql.restoreHashJoins());
        out.add(sql.restoreSeqScans());
        out.add(sql.insertNewVersions("job", BATCHES, batch, true));
        out.add(sql.restoreNestedLoops());
        out.add(sql.ledger().moveDeadLetters("job", BATCHES, 7));
        out.add(sql.ledger().ledgerInsert());
        return out;
    }

    @Test
    void insertOnlyRecordsTouchedKeysFromTheInsertWhereWritableCtesExist() {
        assertThat(
                        statements(DeleteMode.MIRROR)
                                .insertOnly()
                                .insertStagedRecordingKeys("job", 7, BATCHES))
                .as("Greenplum: touched keys read from staging by their own statement")
                .isNull();
        WarehouseTable keyed =
                WarehouseTable.builder("public", "facts")
                        .column("id", ColumnType.UUID)
                        .column("user_id", ColumnType.UUID)
                        .key("id")
                        .touchedKeyColumn("user_id")
                        .build();
        ApplyStatements postgres =
                new ApplyStatements(
                        keyed,
                        new BookkeepingTables("pg2gp", WarehouseDialect.POSTGRES),
                        DeleteMode.MIRROR,
                        WarehouseDialect.POSTGRES,
                        true);
        assertThat(postgres.insertOnly().insertStagedRecordingKeys("job", 7, BATCHES))
                .startsWith(
                        "WITH ins AS ("
                                + postgres.insertOnly().insertStaged("job", BATCHES)
                                + " RETURNING")
                .contains("FROM ins")
                .endsWith("SELECT count(*) FROM ins");
        // The insert on trust reads only the slots of the batches' checkpoint tags.
        assertThat(
                        postgres.insertOnly()
                                .insertStagedReturningStats("job", 7, BATCHES, List.of(5L, 9L, 6L)))
                .contains("_pg2gp_batch IN (11,12) AND (s._pg2gp_tag % 4) IN (1,2)")
                .endsWith(
                        " SELECT count(*), min(lsn) FILTER (WHERE op = 'c'), count(*) FILTER"
                                + " (WHERE op NOT IN ('c', 'r')) FROM ins");
        assertThat(
                        statements(DeleteMode.MIRROR)
                                .insertOnly()
                                .insertStagedReturningStats("job", 7, BATCHES, List.of(5L)))
                .isNull();
    }

    @Test
    void everyStatementKeepsToGreenplum6() {
        for (DeleteMode mode : DeleteMode.values()) {
            for (String s : all(statements(mode))) {
                assertThat(s.toUpperCase())
                        .as(s)
                        .doesNotContain("ON CONFLICT")
                        .doesNotContain("MERGE")
                        .doesNotContain("RETURNING")
                        .doesNotContain("LATERAL");
            }
        }
    }

    @Test
    void theBatchIsNarrowAndTheInsertReadsTheWinnersFromStagingByIdentity() {
        ApplyStatements sql = statements(DeleteMode.MIRROR);
        assertThat(sql.createDeduplicatedBatch("job", BATCHES))
                .isEqualTo(
                        "INSERT INTO pg2gp.apply_batch_public_facts (id, user_id, created_at,"
                                + " _pg2gp_batch, _pg2gp_seq, _cdc_lsn, _cdc_op, _cdc_committed_at)"
                                + " SELECT DISTINCT ON (id) id, user_id, created_at, _pg2gp_batch,"
                                + " _pg2gp_seq, _cdc_lsn, _cdc_op, _cdc_committed_at FROM"
                                + " pg2gp.stage_public_facts WHERE _pg2gp_job = 'job' AND"
                                + " _pg2gp_batch IN (11,12) ORDER BY id, _cdc_lsn DESC,"
                                + " _pg2gp_seq DESC");
        assertThat(sql.insertNewVersions("job", BATCHES, sql.batchTable(), false))
                .isEqualTo(
                        "INSERT INTO public.facts (id, user_id, payload, created_at, _cdc_lsn,"
                                + " _cdc_op, _cdc_committed_at, _synced_at) SELECT s.id,"
                                + " s.user_id, s.payload, s.created_at, b._cdc_lsn, b._cdc_op,"
                                + " b._cdc_committed_at, now() FROM pg2gp.stage_public_facts s"
                                + " JOIN pg2gp.apply_batch_public_facts b ON s.id = b.id AND s.user_id"
                                + " = b.user_id AND s._pg2gp_batch ="
                                + " b._pg2gp_batch AND s._pg2gp_seq = b._pg2gp_seq WHERE"
                                + " s._pg2gp_job = 'job' AND s._pg2gp_batch IN (11,12) AND"
                                + " b._cdc_op <> 'd'");
        assertThat(sql.countNewVersionsWithNullDistribution(sql.batchTable()))
                .isEqualTo(
                        "SELECT count(*) FROM pg2gp.apply_batch_public_facts b WHERE b._cdc_op <>"
                                + " 'd' AND (b.user_id IS NULL)");
        assertThat(
                        sql.insertNewVersionsWithNullDistribution(
                                "job", BATCHES, sql.batchTable(), false, false))
                .contains("b ON s.id = b.id AND s._pg2gp_batch = b._pg2gp_batch")
                .endsWith(" AND b._cdc_op <> 'd' AND (b.user_id IS NULL)");
        assertThat(sql.insertNewVersions("job", BATCHES, sql.batchTable(), true))
                .endsWith(
                        " AND NOT EXISTS (SELECT 1 FROM pg2gp.apply_match_public_facts m WHERE"
                                + " b.id = m.id AND NOT m.replaces)");
    }

    /**
     * On Greenplum the apply plans with the Postgres planner and finds keys through the key index,
     * both local to its transaction; never without an index, and never on PostgreSQL.
     */
    @Test
    void greenplumLooksKeysUpThroughTheIndexWithinTheApplyOnly() {
        ApplyStatements sql = statements(DeleteMode.MIRROR);
        assertThat(sql.plannerSettings()).containsExactly("SET LOCAL optimizer = off");
        assertThat(sql.keyLookups(true))
                .containsExactly(
                        "SET LOCAL enable_nestloop = on",
                        "SET LOCAL enable_hashjoin = off",
                        "SET LOCAL enable_seqscan = off");
        assertThat(sql.restoreSeqScans()).isEqualTo("RESET enable_seqscan");
        assertThat(sql.keyLookups(false)).isEmpty();
        WarehouseTable keyed =
                WarehouseTable.builder("public", "facts")
                        .column("id", ColumnType.UUID)
                        .column("user_id", ColumnType.UUID)
                        .key("id")
                        .touchedKeyColumn("user_id")
                        .build();
        ApplyStatements postgres =
                new ApplyStatements(
                        keyed,
                        new BookkeepingTables("pg2gp", WarehouseDialect.POSTGRES),
                        DeleteMode.MIRROR,
                        WarehouseDialect.POSTGRES,
                        true);
        assertThat(postgres.plannerSettings()).isEmpty();
        assertThat(postgres.keyLookups(true)).isEmpty();
        assertThat(sql.keyIndexed())
                .isEqualTo(
                        "SELECT count(*) > 0 FROM pg_index i JOIN pg_attribute a ON a.attrelid ="
                                + " i.indrelid AND a.attnum = i.indkey[0] WHERE i.indrelid ="
                                + " 'public.facts'::regclass AND a.attname = 'id'");
    }

    /**
     * The delete joins the versions found on the target's distribution column as well (co-located
     * on Greenplum); a NULL there never equals, so those rows have a statement of their own.
     */
    @Test
    void theDeleteIsCoLocatedAndNullDistributionValuesAreDeletedByKey() {
        ApplyStatements sql = statements(DeleteMode.MIRROR);
        assertThat(sql.deleteReplaced(""))
                .isEqualTo(
                        "DELETE FROM public.facts t USING pg2gp.apply_match_public_facts m WHERE"
                                + " t.id = m.id AND t.user_id = m.user_id AND m.replaces");
        assertThat(sql.countReplacedWithNullDistribution())
                .isEqualTo(
                        "SELECT count(*) FROM pg2gp.apply_match_public_facts m WHERE m.replaces"
                                + " AND (m.user_id IS NULL)");
        assertThat(sql.deleteReplacedWithNullDistribution(""))
                .isEqualTo(
                        "DELETE FROM public.facts t USING pg2gp.apply_match_public_facts m WHERE"
                                + " t.id = m.id AND (m.user_id IS NULL) AND m.replaces");
        assertThat(statements(DeleteMode.SOFT).deleteReplacedWithNullDistribution(""))
                .endsWith(" AND m.op <> 'd'");
    }

    /**
     * Greenplum 6 prunes no partitions per key of a join, so the apply looks keys up one month at a
     * time, each statement bounded to that month on both sides; PostgreSQL prunes at run time and
     * keeps one statement. The match splits in mirror mode only.
     */
    @Test
    void onGreenplumKeysAreLookedUpOneMonthAtATime() {
        ApplyStatements sql = statements(DeleteMode.MIRROR);
        assertThat(sql.bounds().splitsByMonth()).isTrue();
        assertThat(sql.bounds().splitsMatchByMonth()).isTrue();
        assertThat(statements(DeleteMode.SOFT).bounds().splitsByMonth()).isTrue();
        assertThat(statements(DeleteMode.SOFT).bounds().splitsMatchByMonth()).isFalse();
        assertThat(
                        new ApplyStatements(
                                        FACT,
                                        new BookkeepingTables("pg2gp", WarehouseDialect.POSTGRES),
                                        DeleteMode.MIRROR,
                                        WarehouseDialect.POSTGRES,
                                        true)
                                .bounds()
                                .splitsByMonth())
                .isFalse();
        assertThat(
                        new ApplyStatements(
                                        FACT,
                                        new BookkeepingTables(
                                                "pg2gp", WarehouseDialect.GREENPLUM_6),
                                        DeleteMode.MIRROR,
                                        WarehouseDialect.GREENPLUM_6,
                                        false)
                                .bounds()
                                .splitsByMonth())
                .isFalse();
        assertThat(sql.bounds().monthBounds(YearMonth.of(2025, 12), sql.bounds().batchHour()))
                .isEqualTo(
                        " AND t.created_at >= timestamptz '2025-12-01T00:00:00Z' AND t.created_at"
                                + " < timestamptz '2026-01-01T00:00:00Z' AND b.created_at >="
                                + " timestamptz '2025-12-01T00:00:00Z' AND b.created_at <"
                                + " timestamptz '2026-01-01T00:00:00Z'");
        assertThat(
                        sql.deleteReplaced(
                                sql.bounds()
                                        .monthBounds(
                                                YearMonth.of(2025, 3), sql.bounds().matchedHour())))
                .endsWith(
                        " AND m.replaces AND t.created_at >= timestamptz '2025-03-01T00:00:00Z'"
                                + " AND t.created_at < timestamptz '2025-04-01T00:00:00Z' AND"
                                + " m.old_hour >= timestamptz '2025-03-01T00:00:00Z' AND"
                                + " m.old_hour < timestamptz '2025-04-01T00:00:00Z'");
        assertThat(sql.bounds().monthMoves("job", BATCHES))
                .isEqualTo(
                        "SELECT (SELECT count(*) FROM pg2gp.apply_batch_public_facts), (SELECT"
                                + " count(*) FROM pg2gp.stage_public_facts WHERE _pg2gp_job ="
                                + " 'job' AND _pg2gp_batch IN (11,12) AND _cdc_op = 'u' AND"
                                + " date_trunc('month', created_at AT TIME ZONE 'UTC') <>"
                                + " date_trunc('month', _cdc_prev_hour AT TIME ZONE 'UTC'))");
        assertThat(sql.bounds().keyMonths("job", BATCHES))
                .isEqualTo(
                        "SELECT to_char(k.lo, 'YYYY-MM'), sum(CASE WHEN k.lo <> k.hi THEN 1 ELSE 0"
                                + " END) FROM (SELECT min(date_trunc('month', least(created_at,"
                                + " coalesce(_cdc_prev_hour, created_at)) AT TIME ZONE 'UTC')) AS"
                                + " lo, max(date_trunc('month', greatest(created_at,"
                                + " coalesce(_cdc_prev_hour, created_at)) AT TIME ZONE 'UTC')) AS"
                                + " hi FROM pg2gp.stage_public_facts WHERE _pg2gp_job = 'job' AND"
                                + " _pg2gp_batch IN (11,12) GROUP BY id) k GROUP BY 1");
    }

    @Test
    void softDeletesStillFindWhatTheyNeedInTheNarrowBatch() {
        ApplyStatements sql = statements(DeleteMode.SOFT);
        String soft = sql.softDelete().markSoftDeleted(sql.batchTable(), "");
        assertThat(soft).contains("b._cdc_lsn", "b._cdc_committed_at", "b._cdc_op = 'd'");
        assertThat(statements(DeleteMode.SOFT).insertNewVersions("job", BATCHES, "b0", false))
                .contains(", _deleted) SELECT ", ", now(), false FROM ");
    }
}
