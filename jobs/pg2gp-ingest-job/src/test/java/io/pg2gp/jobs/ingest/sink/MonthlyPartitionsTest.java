package io.pg2gp.jobs.ingest.sink;

import io.pg2gp.connector.warehouse.WarehouseDialect;

import org.junit.jupiter.api.Test;

import java.time.YearMonth;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Greenplum partition upkeep: which months are missing and the exact GP6 DDL that adds them. */
class MonthlyPartitionsTest {

    private final MonthlyPartitions partitions = new MonthlyPartitions("analytics");

    @Test
    void theCurrentMonthAndTheNextOnesWithoutAPartitionAreMissing() {
        Set<YearMonth> existing = Set.of(YearMonth.of(2026, 11), YearMonth.of(2027, 1));
        assertThat(MonthlyPartitions.missing(existing, YearMonth.of(2026, 11), 3))
                .containsExactly(YearMonth.of(2026, 12), YearMonth.of(2027, 2));
        assertThat(MonthlyPartitions.missing(existing, YearMonth.of(2026, 11), 0)).isEmpty();
    }

    @Test
    void aMonthIsSplitOffTheDefaultPartitionWithUtcBounds() {
        // GP6 rejects "DEFAULT PARTITION other" in the INTO list; the default is a plain PARTITION.
        assertThat(
                        partitions.splitDefault(
                                WarehouseDialect.GREENPLUM_6, YearMonth.of(2026, 12), "other"))
                .isEqualTo(
                        "ALTER TABLE analytics.requests_analytical SPLIT DEFAULT PARTITION START"
                                + " ('2026-12-01 00:00:00+00'::timestamptz) INCLUSIVE END"
                                + " ('2027-01-01 00:00:00+00'::timestamptz) EXCLUSIVE INTO"
                                + " (PARTITION p_2026_12, PARTITION other)");
    }

    @Test
    void existingPartitionsComeFromPgPartitionsOnGp6AndFromBoundsOnGp7() {
        assertThat(partitions.existingQuery(WarehouseDialect.GREENPLUM_6))
                .contains("FROM pg_partitions WHERE schemaname = ? AND tablename = ?");
        assertThat(partitions.existingQuery(WarehouseDialect.GREENPLUM_7))
                .contains("pg_get_expr(c.relpartbound, c.oid)")
                .contains("pg_inherits");
    }
}
