package io.pg2gp.connector.warehouse.internal.sql;

import io.pg2gp.connector.warehouse.ColumnType;
import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseTable;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The update in place of replaced versions (PostgreSQL, mirror mode; golden shapes, run against a
 * real server in BatchApplierITCase): what it overwrites, what the delete and the insert leave to
 * it, and what the target must be for it.
 */
class InPlaceUpdateStatementsTest {

    private static final WarehouseTable ITEMS =
            WarehouseTable.builder("public", "items")
                    .column("id", ColumnType.UUID)
                    .column("name", ColumnType.TEXT)
                    .column("created_at", ColumnType.TIMESTAMPTZ)
                    .key("id")
                    .build();

    private static final List<Long> BATCHES = List.of(11L, 12L);

    private static ApplyStatements statements(DeleteMode mode, WarehouseDialect dialect) {
        return new ApplyStatements(
                ITEMS, new BookkeepingTables("pg2gp", dialect), mode, dialect, false);
    }

    @Test
    void onlyPostgresInMirrorModeUpdatesInPlace() {
        assertThat(statements(DeleteMode.MIRROR, WarehouseDialect.POSTGRES).inPlace().possible())
                .isTrue();
        assertThat(statements(DeleteMode.SOFT, WarehouseDialect.POSTGRES).inPlace().possible())
                .isFalse();
        assertThat(statements(DeleteMode.MIRROR, WarehouseDialect.GREENPLUM_6).inPlace().possible())
                .isFalse();
    }

    @Test
    void theUpdateOverwritesReplacedVersionsFromTheirStagedRowsButNotDeletes() {
        ApplyStatements sql = statements(DeleteMode.MIRROR, WarehouseDialect.POSTGRES);
        assertThat(sql.inPlace().updateReplaced("job", BATCHES, sql.batchTable(), false))
                .isEqualTo(
                        "UPDATE public.items t SET name = s.name, created_at = s.created_at,"
                                + " _cdc_lsn = b._cdc_lsn, _cdc_op = b._cdc_op, _cdc_committed_at"
                                + " = b._cdc_committed_at, _synced_at = now() FROM"
                                + " pg2gp.stage_public_items s JOIN pg2gp.apply_batch_public_items"
                                + " b ON s.id = b.id AND s._pg2gp_batch = b._pg2gp_batch AND"
                                + " s._pg2gp_seq = b._pg2gp_seq WHERE s._pg2gp_job = 'job' AND"
                                + " s._pg2gp_batch IN (11,12) AND b._cdc_op <> 'd' AND t.id = b.id"
                                + " AND (t._cdc_lsn <= b._cdc_lsn OR b._cdc_op = 'r')");
        assertThat(sql.inPlace().updateReplaced("job", BATCHES, sql.batchTable(), true))
                .contains("_synced_at = now(), _deleted = false FROM");
    }

    @Test
    void theDeleteTakesTheDeletesAndTheInsertTheNewKeysOnly() {
        ApplyStatements sql = statements(DeleteMode.MIRROR, WarehouseDialect.POSTGRES);
        assertThat(sql.deletesOnly(sql.deleteReplaced("")))
                .isEqualTo(
                        "DELETE FROM public.items t USING pg2gp.apply_match_public_items m WHERE"
                                + " t.id = m.id AND m.replaces AND m.op = 'd'");
        assertThat(sql.insertNewVersions("job", BATCHES, sql.batchTable(), true, true))
                .endsWith(
                        " AND NOT EXISTS (SELECT 1 FROM pg2gp.apply_match_public_items m WHERE"
                                + " b.id = m.id)");
        assertThat(sql.insertNewVersions("job", BATCHES, sql.batchTable(), true, false))
                .endsWith(" WHERE b.id = m.id AND NOT m.replaces)");
    }

    @Test
    void theTargetMustGiveTheSameRowEitherWay() {
        String eligibility =
                statements(DeleteMode.MIRROR, WarehouseDialect.POSTGRES).inPlace().eligibility();
        assertThat(eligibility)
                .contains("i.indisunique") // one version per key
                .contains(
                        "attname NOT IN ('id', 'name', 'created_at', '_cdc_lsn', '_cdc_op',"
                                + " '_cdc_committed_at', '_synced_at', '_deleted')")
                .contains("relkind = 'r' AND NOT relhasrules")
                .contains("FROM pg_trigger WHERE tgrelid = 'public.items'::regclass")
                .contains("has_table_privilege('public.items'::regclass, 'UPDATE')");
    }
}
