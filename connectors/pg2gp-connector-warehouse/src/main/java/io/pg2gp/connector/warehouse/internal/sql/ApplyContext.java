package io.pg2gp.connector.warehouse.internal.sql;

import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseTable;

import org.apache.flink.annotation.Internal;

import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What the statement groups of one target's apply share: the target, its bookkeeping tables, the
 * dialect and delete mode, and the column lists and joins derived from them once.
 */
@Internal
final class ApplyContext {

    final WarehouseTable target;
    final BookkeepingTables bookkeeping;
    final DeleteMode deleteMode;
    final WarehouseDialect dialect;
    final boolean partitioned;
    final String dataColumns;

    /** The data columns as read from staging (alias {@code s}). */
    final String stagedColumns;

    final String keyColumns;
    final String keyJoin;
    final String batchColumns;
    final String batchTable;
    final String matchTable;
    final List<String> extraDistribution;
    final List<String> matchCarried;

    ApplyContext(
            WarehouseTable target,
            BookkeepingTables bookkeeping,
            DeleteMode deleteMode,
            WarehouseDialect dialect,
            boolean partitioned) {
        this.target = target;
        this.bookkeeping = bookkeeping;
        this.deleteMode = deleteMode;
        this.dialect = dialect;
        this.partitioned = partitioned;
        this.dataColumns =
                target.columns().stream()
                        .map(WarehouseTable.Column::name)
                        .collect(Collectors.joining(", "));
        this.stagedColumns =
                target.columns().stream()
                        .map(col -> "s." + col.name())
                        .collect(Collectors.joining(", "));
        this.keyColumns = String.join(", ", target.keyColumns());
        this.batchColumns = String.join(", ", BookkeepingTables.applyBatchColumns(target));
        this.batchTable = bookkeeping.applyBatchTable(target);
        this.matchTable = bookkeeping.applyMatchTable(target);
        this.extraDistribution = BookkeepingTables.extraDistributionColumns(target);
        this.matchCarried = BookkeepingTables.matchCarriedColumns(target);
        this.keyJoin =
                target.keyColumns().stream()
                        .map(k -> "t." + k + " = b." + k)
                        .collect(Collectors.joining(" AND "));
    }

    /** The staged rows of the batches: the writers' rows of this job with those batch ids. */
    String stageFilter(String job, Collection<Long> batchIds) {
        return stageFilter("", job, batchIds);
    }

    String stageFilter(String alias, String job, Collection<Long> batchIds) {
        return alias
                + "_pg2gp_job = "
                + SqlLiterals.string(job)
                + " AND "
                + alias
                + "_pg2gp_batch IN "
                + SqlLiterals.longList(batchIds);
    }

    /**
     * Staging ({@code s}) joined to the deduplicated batch ({@code b}) on each key's winning staged
     * row ({@code distribution}: more join terms), non-deletes only: where the insert and the
     * update of new versions read them from.
     */
    String stagedWinners(String batch, String distribution, String job, Collection<Long> batchIds) {
        return bookkeeping.stagingTable(target)
                + " s JOIN "
                + batch
                + " b ON "
                + target.keyColumns().stream()
                        .map(k -> "s." + k + " = b." + k)
                        .collect(Collectors.joining(" AND "))
                + distribution
                + " AND s._pg2gp_batch = b._pg2gp_batch AND s._pg2gp_seq = b._pg2gp_seq WHERE "
                + stageFilter("s.", job, batchIds)
                + " AND b._cdc_op <> 'd'";
    }

    /** Equality of the key columns between {@code alias} and the match table ({@code m}). */
    String matchJoin(String alias) {
        return target.keyColumns().stream()
                .map(k -> alias + "." + k + " = m." + k)
                .collect(Collectors.joining(" AND "));
    }

    /**
     * Distinct whole hours (of {@code column}, already truncated) as epoch seconds. ±infinity has
     * no epoch hour (the cast fails): such rows leave the batch unbounded.
     */
    static String epochHours(String column) {
        return "array_to_string(array_agg(DISTINCT CASE WHEN isfinite("
                + column
                + ") THEN extract(epoch FROM "
                + column
                + ")::bigint END), ',')";
    }
}
