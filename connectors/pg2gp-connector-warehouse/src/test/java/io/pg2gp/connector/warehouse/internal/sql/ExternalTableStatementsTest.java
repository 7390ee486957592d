package io.pg2gp.connector.warehouse.internal.sql;

import io.pg2gp.connector.warehouse.ColumnType;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseTable;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Golden Greenplum statements of the gpfdist loader (Greenplum is not available in CI). */
class ExternalTableStatementsTest {

    private static final WarehouseTable TABLE =
            WarehouseTable.builder("public", "requests_analytical")
                    .column("id", ColumnType.UUID)
                    .column("response", ColumnType.JSONB)
                    .column("created_at", ColumnType.TIMESTAMPTZ)
                    .key("id")
                    .build();

    private final ExternalTableStatements sql =
            new ExternalTableStatements(
                    new BookkeepingTables("pg2gp", WarehouseDialect.GREENPLUM_6), TABLE, "prod", 3);

    @Test
    void oneExternalTablePerPipelineTableAndSubtaskWithAShortStableName() {
        assertThat(sql.name()).matches("pg2gp\\.ext_requests_analytical_[0-9a-f]{8}_3");
        assertThat(sql.name().length()).isLessThan(63);
        ExternalTableStatements again =
                new ExternalTableStatements(
                        new BookkeepingTables("pg2gp", WarehouseDialect.GREENPLUM_6),
                        TABLE,
                        "prod",
                        3);
        assertThat(again.name()).isEqualTo(sql.name());
        ExternalTableStatements otherJob =
                new ExternalTableStatements(
                        new BookkeepingTables("pg2gp", WarehouseDialect.GREENPLUM_6),
                        TABLE,
                        "staging-env",
                        3);
        assertThat(otherJob.name()).isNotEqualTo(sql.name());
    }

    @Test
    void theExternalTableReadsTheWritersCopyTextLines() {
        assertThat(sql.create("gpfdist://worker-1:41000/abcdefghijklmnopqrstuvwxyz"))
                .isEqualTo(
                        "CREATE READABLE EXTERNAL TABLE "
                                + sql.name()
                                + " (_pg2gp_job text, _pg2gp_batch bigint, _pg2gp_tag bigint,"
                                + " _pg2gp_seq bigint, id uuid, response jsonb, created_at"
                                + " timestamptz, _cdc_lsn bigint, _cdc_op char(1),"
                                + " _cdc_committed_at timestamptz, _cdc_prev_hour timestamptz)"
                                + " LOCATION ('gpfdist://worker-1:41000/abcdefghijklmnopqrstuvwxyz')"
                                + " FORMAT 'TEXT' (DELIMITER E'\\t' NULL E'\\\\N' ESCAPE E'\\\\')"
                                + " ENCODING 'UTF8'");
        assertThat(sql.drop()).isEqualTo("DROP EXTERNAL TABLE IF EXISTS " + sql.name());
    }

    @Test
    void theLoadInsertsIntoStagingByColumnName() {
        String columns =
                "_pg2gp_job, _pg2gp_batch, _pg2gp_tag, _pg2gp_seq, id, response, created_at,"
                        + " _cdc_lsn, _cdc_op, _cdc_committed_at, _cdc_prev_hour";
        assertThat(sql.load())
                .isEqualTo(
                        "INSERT INTO pg2gp.stage_public_requests_analytical ("
                                + columns
                                + ") SELECT "
                                + columns
                                + " FROM "
                                + sql.name());
        assertThat(sql.probe()).isEqualTo("SELECT count(*) FROM " + sql.name());
    }
}
