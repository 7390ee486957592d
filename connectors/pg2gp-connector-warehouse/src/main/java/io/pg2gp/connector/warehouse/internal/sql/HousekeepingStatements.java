package io.pg2gp.connector.warehouse.internal.sql;

import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseTable;

import org.apache.flink.annotation.Internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Statements of the committer's housekeeping: VACUUM of the tables every apply deletes from, and
 * the statistics of the target's partitions. Each runs on its own, outside a transaction block.
 */
@Internal
public final class HousekeepingStatements {

    private final WarehouseTable target;
    private final BookkeepingTables bookkeeping;
    private final WarehouseDialect dialect;

    public HousekeepingStatements(
            WarehouseTable target, BookkeepingTables bookkeeping, WarehouseDialect dialect) {
        this.target = target;
        this.bookkeeping = bookkeeping;
        this.dialect = dialect;
    }

    /**
     * The tables each apply deletes from: the target's staging and the staged dead letters (rows of
     * applied checkpoints), the apply's work tables (emptied by every apply), and the touched hours
     * and keys (purged by the rollup job). VACUUM only frees dead rows, so rows staged for a
     * checkpoint not applied yet are never lost.
     */
    public List<String> vacuumChurned() {
        List<String> vacuum =
                new ArrayList<>(
                        List.of(
                                vacuumStaging(),
                                "VACUUM " + bookkeeping.stagedDeadLetters(),
                                "VACUUM " + bookkeeping.applyBatchTable(target),
                                "VACUUM " + bookkeeping.applyMatchTable(target),
                                "VACUUM " + bookkeeping.touchedHours(),
                                "VACUUM " + bookkeeping.touchedKeys()));
        if (target.hourColumn() != null) {
            // soft delete mode: a key's entry is deleted when the key comes back
            vacuum.add("VACUUM " + bookkeeping.softDeletedTable(target));
        }
        return vacuum;
    }

    public String vacuumStaging() {
        return "VACUUM " + bookkeeping.stagingTable(target);
    }

    public String stagingTable() {
        return bookkeeping.stagingTable(target);
    }

    /** See {@link WarehouseDialect#stagingSlots()}. */
    public int stagingSlots() {
        return dialect.stagingSlots();
    }

    /** Whether autovacuum also analyses changed tables (PostgreSQL). */
    public boolean serverAnalyzes() {
        return dialect.vacuumsByItself();
    }

    /**
     * Statistics target of the housekeeping's ANALYZE rounds on Greenplum, where the coordinator
     * receives the sample (300 rows per unit of target) from the segments and computes every
     * column's statistics from it: on the benchmark's 577-byte rows one ANALYZE of a partition cost
     * the coordinator 1.7 CPU-s at GP6's default of 100, 0.38 s at 25 (the default of Greenplum 4
     * and 5), 0.17 s at 10, whatever the partition's size. Columns given their own target ({@code
     * ALTER TABLE ... ALTER COLUMN ... SET STATISTICS}) keep it.
     */
    public static final int GREENPLUM_STATISTICS_TARGET = 25;

    /** Settings of the session for a round of ANALYZE; empty on PostgreSQL (local sampling). */
    public List<String> analyzeSettings() {
        return dialect.analyzesOnCoordinator()
                ? List.of("SET default_statistics_target = " + GREENPLUM_STATISTICS_TARGET)
                : List.of();
    }

    /** Undoes {@link #analyzeSettings()}. */
    public List<String> resetAnalyzeSettings() {
        return dialect.analyzesOnCoordinator()
                ? List.of("RESET default_statistics_target")
                : List.of();
    }

    /**
     * Statistics of staging, so the apply's plans do not rest on an estimate of one row. On
     * PostgreSQL only of the columns the apply filters, groups and joins staging on: the staged
     * row's identity, the key, distribution, hour and touched key columns and the CDC metadata
     * (statistics of the wide payload columns cost most of the ANALYZE and no plan reads them).
     */
    public String analyzeStaging() {
        String staging = bookkeeping.stagingTable(target);
        if (!dialect.vacuumsByItself()) {
            return "ANALYZE " + staging;
        }
        Set<String> columns = new LinkedHashSet<>();
        columns.addAll(List.of("_pg2gp_job", "_pg2gp_batch", "_pg2gp_tag", "_pg2gp_seq"));
        columns.addAll(BookkeepingTables.applyBatchColumns(target));
        columns.add("_cdc_prev_hour");
        return "ANALYZE " + staging + " (" + String.join(", ", columns) + ")";
    }

    /**
     * One row per leaf of the target (the target itself when it is not partitioned): oid, qualified
     * name and the rows its statistics count ({@code reltuples}: 0 before the first ANALYZE, or -1
     * on PostgreSQL 14+).
     */
    public String leaves() {
        return "WITH RECURSIVE tree(oid) AS (SELECT "
                + SqlLiterals.string(target.qualifiedName())
                + "::regclass::oid UNION ALL SELECT i.inhrelid FROM pg_inherits i JOIN tree t ON"
                + " i.inhparent = t.oid) SELECT c.oid, quote_ident(n.nspname) || '.' ||"
                + " quote_ident(c.relname), c.reltuples::bigint FROM tree t JOIN pg_class c ON"
                + " c.oid = t.oid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind ="
                + " 'r' AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhparent = t.oid)";
    }

    /**
     * Per leaf of {@code oids}: rows inserted, updated and deleted since the statistics collector
     * started, a counter that ANALYZE does not reset on Greenplum (it runs on the coordinator while
     * the counters live on each segment, where they are summed over {@code gp_dist_random}); rows
     * updated and deleted alone; and the dead rows the collector counts now.
     */
    public String changes(Collection<Long> oids) {
        String list = oids.stream().map(String::valueOf).collect(Collectors.joining(", "));
        String counted =
                "pg_stat_get_tuples_inserted(s.oid) + pg_stat_get_tuples_updated(s.oid)"
                        + " + pg_stat_get_tuples_deleted(s.oid)";
        String from = dialect.classCountersFrom("s");
        return "SELECT s.oid, sum("
                + counted
                + ")::bigint, sum(pg_stat_get_tuples_updated(s.oid)"
                + " + pg_stat_get_tuples_deleted(s.oid))::bigint,"
                + " sum(pg_stat_get_dead_tuples(s.oid))::bigint FROM "
                + from
                + " WHERE s.oid IN ("
                + list
                + ") GROUP BY s.oid";
    }

    /**
     * After a round of ANALYZE: each one replaced its table's rows in {@code pg_statistic}, which
     * only VACUUM frees. Needs the database's owner (or a superuser); others get a warning.
     */
    public String vacuumStatistics() {
        return "VACUUM pg_catalog.pg_statistic";
    }

    public String analyze(String relation) {
        return "ANALYZE " + relation;
    }

    /**
     * For a partition of the target whose rows changed: every update or delete there left a dead
     * row (Greenplum's heap update is a delete and an insert), which only VACUUM frees, and the
     * same changes made its statistics stale. Reads the partition once for both. Where the server
     * vacuums by itself (PostgreSQL) only ANALYZE: a VACUUM here repeated autovacuum's pass over
     * every newly inserted page (4-10% of the sink's server time at 1M rows).
     */
    public String vacuumAnalyze(String relation) {
        return (dialect.vacuumsByItself() ? "ANALYZE " : "VACUUM ANALYZE ") + relation;
    }
}
