package io.pg2gp.connector.warehouse.internal.sql;

import io.pg2gp.connector.warehouse.ColumnType;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseTable;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Greenplum DDL of the bookkeeping tables (golden; PostgreSQL runs it in the ITs). */
class BookkeepingTablesTest {

    private static final WarehouseTable FACT =
            WarehouseTable.builder("public", "facts")
                    .column("id", ColumnType.UUID)
                    .column("user_id", ColumnType.UUID)
                    .column("created_at", ColumnType.TIMESTAMPTZ)
                    .key("id")
                    .hourColumn("created_at")
                    .distributedBy("user_id")
                    .build();

    @Test
    void stagingIsDistributedLikeItsTargetOnGreenplumOnly() {
        List<String> gp =
                new BookkeepingTables("pg2gp", WarehouseDialect.GREENPLUM_6)
                        .createStatements(FACT).stream()
                                .map(BookkeepingTables.Ddl::statement)
                                .toList();
        assertThat(gp.stream().filter(d -> d.contains(".stage_public_facts")).findFirst())
                .get()
                .asString()
                .startsWith("CREATE TABLE pg2gp.stage_public_facts (")
                .contains("_cdc_prev_hour timestamptz")
                .endsWith(") DISTRIBUTED BY (user_id)");
        assertThat(gp).anyMatch(d -> d.contains("pg2gp.dead_letters") && d.endsWith("RANDOMLY"));
        // Not by job (a single value: every row on one segment).
        assertThat(gp)
                .anyMatch(
                        d ->
                                d.startsWith("CREATE TABLE pg2gp.commit_ledger")
                                        && d.endsWith("DISTRIBUTED BY (commit_id)"));
        assertThat(gp)
                .anyMatch(
                        d ->
                                d.startsWith("CREATE TABLE pg2gp.touched_hours")
                                        && d.endsWith("DISTRIBUTED BY (commit_seq)"));
        // The touched keys by the key itself, spread over the segments.
        assertThat(gp)
                .anyMatch(
                        d ->
                                d.startsWith("CREATE TABLE pg2gp.touched_keys")
                                        && d.endsWith("DISTRIBUTED BY (key_value)"));
        assertThat(gp).noneMatch(d -> d.contains("DISTRIBUTED BY (job)"));

        List<String> pg =
                new BookkeepingTables("pg2gp", WarehouseDialect.POSTGRES)
                        .createStatements(FACT).stream()
                                .map(BookkeepingTables.Ddl::statement)
                                .toList();
        assertThat(pg).noneMatch(d -> d.contains("DISTRIBUTED"));
        // GP6 (PostgreSQL 9.4) has no CREATE SEQUENCE IF NOT EXISTS: the catalog is asked instead.
        assertThat(gp).noneMatch(d -> d.contains("IF NOT EXISTS"));
    }

    @Test
    void theApplyWorkTablesArePermanentAndDistributedLikeTheTarget() {
        List<String> gp =
                new BookkeepingTables("pg2gp", WarehouseDialect.GREENPLUM_6)
                        .createStatements(FACT).stream()
                                .map(BookkeepingTables.Ddl::statement)
                                .toList();
        assertThat(gp)
                .contains(
                        "CREATE TABLE pg2gp.apply_batch_public_facts (id uuid, user_id uuid,"
                                + " created_at timestamptz, _pg2gp_batch bigint NOT NULL,"
                                + " _pg2gp_seq bigint NOT NULL, _cdc_lsn bigint NOT NULL, _cdc_op"
                                + " char(1) NOT NULL, _cdc_committed_at timestamptz) DISTRIBUTED"
                                + " BY (user_id)",
                        "CREATE TABLE pg2gp.apply_match_public_facts (id uuid, user_id uuid, op"
                                + " char(1) NOT NULL, replaces boolean NOT NULL, old_hour"
                                + " timestamptz) DISTRIBUTED BY (user_id)");
        assertThat(gp).noneMatch(d -> d.contains("TEMP"));
    }

    /**
     * The keys of rows marked deleted and their hours: by key, since a key's marked row and its new
     * version may have different distribution values; indexed for the per-key lookup.
     */
    @Test
    void softDeletedKeysAreDistributedAndIndexedByKey() {
        List<String> gp =
                new BookkeepingTables("pg2gp", WarehouseDialect.GREENPLUM_6)
                        .createStatements(FACT).stream()
                                .map(BookkeepingTables.Ddl::statement)
                                .toList();
        assertThat(gp)
                .contains(
                        "CREATE TABLE pg2gp.soft_deleted_public_facts (id uuid, hour timestamptz)"
                                + " DISTRIBUTED BY (id)",
                        "CREATE INDEX soft_deleted_public_facts_key ON"
                                + " pg2gp.soft_deleted_public_facts (id)");
        WarehouseTable noHour =
                WarehouseTable.builder("public", "dim")
                        .column("id", ColumnType.UUID)
                        .key("id")
                        .build();
        assertThat(
                        new BookkeepingTables("pg2gp", WarehouseDialect.GREENPLUM_6)
                                .createStatements(noHour))
                .noneMatch(d -> d.statement().contains("soft_deleted"));
    }

    @Test
    void withoutADistributionKeyTheTableKeyIsUsed() {
        WarehouseTable dim =
                WarehouseTable.builder("public", "dim")
                        .column("id", ColumnType.UUID)
                        .key("id")
                        .build();
        assertThat(dim.distributionColumns()).containsExactly("id");
        assertThat(FACT.distributionColumns()).containsExactly("user_id");
    }
}
