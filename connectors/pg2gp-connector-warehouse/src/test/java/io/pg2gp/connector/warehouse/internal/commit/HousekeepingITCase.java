package io.pg2gp.connector.warehouse.internal.commit;

import io.pg2gp.connector.warehouse.ColumnType;
import io.pg2gp.connector.warehouse.HousekeepingOptions;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.internal.sql.BookkeepingTables;
import io.pg2gp.connector.warehouse.internal.sql.HousekeepingStatements;
import io.pg2gp.connector.warehouse.internal.sql.WarehouseSetup;
import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SharedPostgres;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The committer's housekeeping on PostgreSQL, against a declaratively partitioned target: the same
 * statements run there (VACUUM outside a transaction, the leaves found through pg_inherits, change
 * counters from the local statistics), on the schedule the options set; staged rows of a checkpoint
 * not applied yet survive.
 */
class HousekeepingITCase {

    private static final WarehouseTable TABLE =
            WarehouseTable.builder("public", "events")
                    .column("id", ColumnType.INT8)
                    .column("created_at", ColumnType.TIMESTAMPTZ)
                    .key("id")
                    .hourColumn("created_at")
                    .build();

    private final PostgresServer server = SharedPostgres.warehouse();
    private Connection c;
    private BookkeepingTables bookkeeping;

    @BeforeEach
    void createDatabase() throws SQLException {
        c = server.connect(server.createDatabase(SharedPostgres.uniqueDatabase("housekeeping")));
        execute(
                "CREATE TABLE public.events (id bigint NOT NULL, created_at timestamptz NOT"
                        + " NULL, _cdc_lsn bigint NOT NULL, _cdc_op char(1) NOT NULL,"
                        + " _cdc_committed_at timestamptz, _synced_at timestamptz NOT NULL"
                        + " DEFAULT now()) PARTITION BY RANGE (created_at)",
                "CREATE TABLE public.events_2024_01 PARTITION OF public.events FOR VALUES FROM"
                        + " ('2024-01-01 00:00+00') TO ('2024-02-01 00:00+00')",
                "CREATE TABLE public.events_2024_02 PARTITION OF public.events FOR VALUES FROM"
                        + " ('2024-02-01 00:00+00') TO ('2024-03-01 00:00+00')",
                // The test decides when statistics are taken, not autovacuum.
                "ALTER TABLE public.events_2024_01 SET (autovacuum_enabled = false)",
                "ALTER TABLE public.events_2024_02 SET (autovacuum_enabled = false)");
        bookkeeping = new BookkeepingTables("pg2gp", WarehouseDialect.detect(c));
        WarehouseSetup.ensureBookkeeping(c, bookkeeping, TABLE);
    }

    @AfterEach
    void close() throws SQLException {
        c.close();
    }

    @Test
    void vacuumsAndAnalysesOnScheduleAndKeepsUnappliedStagedRows() throws Exception {
        HousekeepingStatements statements =
                new HousekeepingStatements(TABLE, bookkeeping, WarehouseDialect.POSTGRES);
        // Statistics of the columns the apply's plans read only (not the payload).
        String analyzeStaging = statements.analyzeStaging();
        assertThat(analyzeStaging)
                .startsWith("ANALYZE " + bookkeeping.stagingTable(TABLE) + " (_pg2gp_job,");
        WarehouseHousekeeper housekeeper =
                new WarehouseHousekeeper(
                        HousekeepingOptions.builder()
                                .vacuumEveryApplies(3)
                                .vacuumAfterRows(1000)
                                .analyzeEveryApplies(2)
                                .build(),
                        statements);
        String staging = bookkeeping.stagingTable(TABLE);
        execute(
                "INSERT INTO public.events SELECT g, '2024-01-01 00:00+00'::timestamptz + g *"
                        + " interval '1 minute', g, 'c' FROM generate_series(1, 2000) g",
                // Checkpoint 7 staged, not applied yet; checkpoint 6 applied and purged.
                "INSERT INTO "
                        + staging
                        + " (_pg2gp_job, _pg2gp_batch, _pg2gp_tag, _pg2gp_seq, id, created_at,"
                        + " _cdc_lsn, _cdc_op) SELECT 'j', 1, 6 + g % 2, g, g, now(), g, 'u'"
                        + " FROM generate_series(1, 400) g",
                "DELETE FROM " + staging + " WHERE _pg2gp_tag <= 6");
        // The statistics collector counts the inserts within about a second.
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (count("SELECT pg_stat_get_tuples_inserted('public.events_2024_01'::regclass)")
                < 2000) {
            assertThat(System.nanoTime()).as("inserts counted").isLessThan(deadline);
            Thread.sleep(200);
        }

        // The first apply runs an early round: the partitions have no statistics yet.
        WarehouseHousekeeper.Report first = housekeeper.afterApply(c, 10);
        // The ANALYZEs replaced rows of pg_statistic: it is vacuumed after them.
        assertThat(first.vacuumed()).containsExactly("VACUUM pg_catalog.pg_statistic");
        // Both partitions changed and have no statistics yet (one is empty: analysed too).
        assertThat(first.analyzed().get(0)).isEqualTo(analyzeStaging);
        assertThat(first.analyzed())
                .containsExactlyInAnyOrder(
                        analyzeStaging,
                        // PostgreSQL's autovacuum frees dead rows: statistics only.
                        "ANALYZE public.events_2024_01",
                        "ANALYZE public.events_2024_02");
        assertThat(reltuples("public.events_2024_01")).isEqualTo(2000);
        assertThat(housekeeper.afterApply(c, 10).isEmpty()).isTrue();
        WarehouseHousekeeper.Report third = housekeeper.afterApply(c, 10);
        assertThat(third.vacuumed())
                .containsExactly(
                        "VACUUM " + staging,
                        "VACUUM " + bookkeeping.stagedDeadLetters(),
                        "VACUUM " + bookkeeping.applyBatchTable(TABLE),
                        "VACUUM " + bookkeeping.applyMatchTable(TABLE),
                        "VACUUM " + bookkeeping.touchedHours(),
                        "VACUUM " + bookkeeping.touchedKeys(),
                        "VACUUM " + bookkeeping.softDeletedTable(TABLE),
                        "VACUUM pg_catalog.pg_statistic");
        // The regular round: the partitions are unchanged since their ANALYZE.
        assertThat(third.analyzed()).containsExactly(analyzeStaging);
        // A purge of many staged rows brings the VACUUM forward.
        WarehouseHousekeeper.Report fourth = housekeeper.afterApply(c, 5000);
        // Staging's slots are truncated by the apply: vacuumed with the ANALYZE rounds only.
        assertThat(fourth.vacuumed()).hasSize(6).doesNotContain("VACUUM " + staging);
        assertThat(fourth.analyzed()).isEmpty();
        assertThat(count("SELECT count(*) FROM " + staging + " WHERE _pg2gp_tag = 7"))
                .isEqualTo(200);
        // Few changes since the last ANALYZE: the partitions are left alone.
        execute("UPDATE public.events SET _cdc_op = 'u' WHERE id <= 10");
        assertThat(housekeeper.afterApply(c, 10).analyzed()).containsExactly(analyzeStaging);
    }

    private double reltuples(String table) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT reltuples FROM pg_class WHERE oid = '"
                                        + table
                                        + "'::regclass")) {
            rs.next();
            return rs.getDouble(1);
        }
    }

    private long count(String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void execute(String... statements) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }
}
