package io.pg2gp.connector.warehouse.testutils;

import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.internal.commit.BatchApplier;
import io.pg2gp.connector.warehouse.internal.commit.StagedBatch;
import io.pg2gp.connector.warehouse.internal.commit.WarehouseCommittable;
import io.pg2gp.connector.warehouse.internal.sql.ApplyStatements;
import io.pg2gp.connector.warehouse.internal.sql.BookkeepingTables;
import io.pg2gp.connector.warehouse.internal.sql.WarehouseSetup;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * The sink's committer apply without Flink, for benchmarks in other modules that stage rows
 * server-side and time the apply alone: the staging table and its column list to stage into, and
 * one apply per staged batch, in its own transaction on the caller's connection. The connector's
 * internals stay behind this class, which the connector's own build keeps compiling.
 */
public final class CommitterApplyHarness {

    /** What one apply did. */
    public record Applied(boolean alreadyApplied, long upserted, long deleted) {}

    private final WarehouseTable table;
    private final BookkeepingTables bookkeeping;
    private final ApplyStatements sql;
    private final BatchApplier applier;

    private CommitterApplyHarness(
            WarehouseTable table,
            BookkeepingTables bookkeeping,
            ApplyStatements sql,
            BatchApplier applier) {
        this.table = table;
        this.bookkeeping = bookkeeping;
        this.sql = sql;
        this.applier = applier;
    }

    /**
     * Creates the bookkeeping objects in schema {@code bookkeepingSchema} as the sink does, and
     * prepares {@code c}'s session as the committer's.
     */
    public static CommitterApplyHarness open(
            Connection c,
            WarehouseTable table,
            String bookkeepingSchema,
            String job,
            DeleteMode deleteMode,
            String applyMemory)
            throws SQLException {
        WarehouseDialect dialect = WarehouseDialect.detect(c);
        BookkeepingTables bookkeeping = new BookkeepingTables(bookkeepingSchema, dialect);
        WarehouseSetup.ensureBookkeeping(c, bookkeeping, table);
        ApplyStatements sql =
                new ApplyStatements(
                        table,
                        bookkeeping,
                        deleteMode,
                        dialect,
                        dialect.isPartitioned(c, table.qualifiedName()));
        BatchApplier applier = new BatchApplier(job, table, sql, applyMemory);
        applier.prepareSession(c);
        return new CommitterApplyHarness(table, bookkeeping, sql, applier);
    }

    /** The staging table a batch's rows go into. */
    public String stagingTable() {
        return bookkeeping.stagingTable(table);
    }

    /**
     * Its columns in the order to stage them: job, batch id, checkpoint, sequence in the batch, the
     * target's columns, then op, replaces and (for a table with an hour column) the old hour.
     */
    public String stagingColumns() {
        return BookkeepingTables.stagingColumnList(table);
    }

    /** The statement that refreshes the batch table's statistics (the apply itself does not). */
    public String analyzeBatch() {
        return sql.analyzeBatch();
    }

    /**
     * Applies the {@code rows} rows staged as batch {@code batchId} of {@code checkpoint}, the
     * highest of whose LSNs is {@code maxLsn}, as the committer applies one writer's batch; the
     * ledger records it under {@code commitId}.
     */
    public Applied apply(
            Connection c, long commitId, long batchId, long checkpoint, long rows, long maxLsn)
            throws SQLException {
        StagedBatch staged =
                new StagedBatch(table.qualifiedName(), batchId, checkpoint, 0, rows, 0, maxLsn);
        BatchApplier.Result r =
                applier.apply(
                        c,
                        new WarehouseCommittable(
                                commitId, checkpoint, table.qualifiedName(), List.of(staged)));
        return new Applied(r.alreadyApplied(), r.upserted(), r.deleted());
    }
}
