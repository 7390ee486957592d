package io.pg2gp.jobs.rollup.recompute;

import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.jobs.rollup.definition.RollupDefinition;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Recomputes the given hours of every rollup in one transaction: for each rollup, delete those
 * hours and insert the aggregate over the fact table for them. Always correct whatever ran before
 * (a repeat after a failure, a backfill at the same time), because each rollup table is locked
 * against other recomputes for the transaction and every result is computed from the fact table.
 */
public final class RollupRecomputer implements KeyRecomputer<Long> {

    private static final long serialVersionUID = 1L;

    /** What one recompute did. */
    public record Result(int hours, long factRowsRead, long rollupRowsWritten, long millis) {}

    private final List<RollupDefinition> rollups;
    private final String schema;
    private final String factTable;

    public RollupRecomputer(List<RollupDefinition> rollups, String schema) {
        this.rollups = new java.util.ArrayList<>(rollups);
        this.schema = schema;
        this.factTable = schema + ".requests_analytical";
    }

    /** Creates the rollup tables that do not exist yet. */
    public void createTables(Connection c, WarehouseDialect dialect) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (RollupDefinition r : rollups) {
                s.execute(r.ddl(schema, dialect));
            }
        }
    }

    /**
     * VACUUMs every rollup table: a recompute deletes and inserts all rows of its hours, so each
     * one leaves a dead row per rollup row it rewrote, which only VACUUM frees (Greenplum has no
     * autovacuum). See {@link TableVacuum}.
     */
    @Override
    public List<String> vacuum(Connection c, BiConsumer<String, String> failed)
            throws SQLException {
        return TableVacuum.each(c, rollups.stream().map(r -> r.table(schema)).toList(), failed);
    }

    /** The hours as epoch millis, in one transaction. */
    @Override
    public Recomputed recompute(Connection c, List<Long> hours) throws SQLException {
        Result r = recompute(c, HourRanges.of(hours));
        return new Recomputed(r.hours(), r.factRowsRead(), r.rollupRowsWritten(), r.millis());
    }

    public Result recompute(Connection c, HourRanges hours) throws SQLException {
        long start = System.nanoTime();
        if (hours.isEmpty()) {
            return new Result(0, 0, 0, 0);
        }
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            long factRows;
            try (ResultSet rs =
                    s.executeQuery(
                            "SELECT count(*) FROM "
                                    + factTable
                                    + " WHERE "
                                    + hours.predicate("created_at")
                                    + " AND NOT _deleted")) {
                rs.next();
                factRows = rs.getLong(1);
            }
            long written = 0;
            for (RollupDefinition r : rollups) {
                String table = r.table(schema);
                // Serialises recomputes of one rollup (the job and a backfill); readers go on.
                s.execute("LOCK TABLE " + table + " IN SHARE ROW EXCLUSIVE MODE");
                s.executeUpdate("DELETE FROM " + table + " WHERE " + hours.predicate("hour"));
                written +=
                        s.executeUpdate(
                                "INSERT INTO "
                                        + table
                                        + " "
                                        + r.select(schema, hours.predicate("created_at")));
            }
            c.commit();
            int n =
                    hours.ranges().stream()
                            .mapToInt(
                                    x ->
                                            (int)
                                                    ((x.to().toEpochMilli()
                                                                    - x.from().toEpochMilli())
                                                            / 3_600_000L))
                            .sum();
            return new Result(n, factRows, written, (System.nanoTime() - start) / 1_000_000);
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }
}
