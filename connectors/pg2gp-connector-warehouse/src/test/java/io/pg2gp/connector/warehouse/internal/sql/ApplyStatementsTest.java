package io.pg2gp.connector.warehouse.internal.sql;

import io.pg2gp.connector.warehouse.ColumnType;
import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.WarehouseTable;

import org.junit.jupiter.api.Test;

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
        String batch = ApplyStatements.BATCH_TABLE;
        String bounds = sql.targetBounds("2025-03-01 00:00:00+00", "2025-03-01 02:00:00+00");
        List<String> out = new ArrayList<>();
        out.add(sql.batchStats("job", BATCHES));
        out.add(sql.createDeduplicatedBatch("job", BATCHES));
        out.add(sql.analyzeBatch());
        out.add(sql.createMatches(batch, bounds));
        out.add(sql.recordTouchedHours("job", 7, batch));
        out.add(sql.deleteReplaced(bounds));
        if (sql.markSoftDeleted(batch, bounds) != null) {
            out.add(sql.markSoftDeleted(batch, bounds));
        }
        out.add(sql.disableNestedLoops());
        out.add(sql.insertNewVersions("job", BATCHES, batch, true));
        out.add(sql.restoreNestedLoops());
        out.add(sql.moveDeadLetters("job", BATCHES, 7));
        out.add(sql.ledgerInsert());
        out.add(sql.purgeStaged("job", 3));
        return out;
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
                        "CREATE TEMP TABLE pg2gp_apply_batch ON COMMIT DROP AS SELECT DISTINCT ON"
                                + " (id) id, created_at, _pg2gp_batch, _pg2gp_seq, _cdc_lsn,"
                                + " _cdc_op, _cdc_committed_at FROM pg2gp.stage_public_facts WHERE"
                                + " _pg2gp_job = 'job' AND _pg2gp_batch IN (11,12) ORDER BY id,"
                                + " _cdc_lsn DESC, _pg2gp_seq DESC DISTRIBUTED BY (id)");
        assertThat(sql.insertNewVersions("job", BATCHES, ApplyStatements.BATCH_TABLE, false))
                .isEqualTo(
                        "INSERT INTO public.facts (id, user_id, payload, created_at, _cdc_lsn,"
                                + " _cdc_op, _cdc_committed_at, _synced_at) SELECT s.id,"
                                + " s.user_id, s.payload, s.created_at, b._cdc_lsn, b._cdc_op,"
                                + " b._cdc_committed_at, now() FROM pg2gp.stage_public_facts s"
                                + " JOIN pg2gp_apply_batch b ON s.id = b.id AND s._pg2gp_batch ="
                                + " b._pg2gp_batch AND s._pg2gp_seq = b._pg2gp_seq WHERE"
                                + " s._pg2gp_job = 'job' AND s._pg2gp_batch IN (11,12) AND"
                                + " b._cdc_op <> 'd'");
        assertThat(sql.insertNewVersions("job", BATCHES, ApplyStatements.BATCH_TABLE, true))
                .endsWith(
                        " AND NOT EXISTS (SELECT 1 FROM pg2gp_apply_match m WHERE b.id = m.id AND"
                                + " NOT m.replaces)");
    }

    @Test
    void softDeletesStillFindWhatTheyNeedInTheNarrowBatch() {
        String soft = statements(DeleteMode.SOFT).markSoftDeleted(ApplyStatements.BATCH_TABLE, "");
        assertThat(soft).contains("b._cdc_lsn", "b._cdc_committed_at", "b._cdc_op = 'd'");
        assertThat(statements(DeleteMode.SOFT).insertNewVersions("job", BATCHES, "b0", false))
                .contains(", _deleted) SELECT ", ", now(), false FROM ");
    }
}
