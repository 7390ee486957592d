package io.pg2gp.connector.warehouse.internal.sql;

import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.WarehouseTable;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Creates the bookkeeping tables and checks that the target table has what the sink writes. */
public final class WarehouseSetup {

    private WarehouseSetup() {}

    /**
     * Staging tables of earlier releases lack columns added since; they may still hold staged rows
     * of a completed checkpoint, so columns are added (nullable) instead of recreating the table.
     * GP6 has no {@code ADD COLUMN IF NOT EXISTS}: the catalog is asked first.
     */
    private static void upgradeStaging(Connection c, String stagingTable) throws SQLException {
        int dot = stagingTable.indexOf('.');
        try (PreparedStatement p =
                c.prepareStatement(
                        "SELECT count(*) FROM information_schema.columns WHERE table_schema = ?"
                                + " AND table_name = ? AND column_name = ?")) {
            p.setString(1, stagingTable.substring(0, dot));
            p.setString(2, stagingTable.substring(dot + 1));
            p.setString(3, BookkeepingTables.PREVIOUS_HOUR_COLUMN);
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                if (rs.getLong(1) > 0) {
                    return;
                }
            }
        }
        try (Statement s = c.createStatement()) {
            s.execute(
                    "ALTER TABLE "
                            + stagingTable
                            + " ADD COLUMN "
                            + BookkeepingTables.PREVIOUS_HOUR_COLUMN
                            + " timestamptz");
        }
    }

    /**
     * Runs the idempotent bookkeeping DDL. Writers and committers of all subtasks open at once and
     * race on {@code IF NOT EXISTS}, which PostgreSQL reports as a duplicate when another session
     * created the object first. Each lost race means one more object now exists, so a pass per
     * statement is always enough (seen on a session cluster: four sessions, five passes were not).
     */
    public static void ensureBookkeeping(
            Connection c, BookkeepingTables tables, WarehouseTable target) throws SQLException {
        List<String> statements = tables.createStatements(target);
        for (int attempt = 1; ; attempt++) {
            try (Statement s = c.createStatement()) {
                for (String ddl : statements) {
                    s.execute(ddl);
                }
                upgradeStaging(c, tables.stagingTable(target));
                return;
            } catch (SQLException e) {
                boolean race =
                        e.getSQLState() != null
                                && (e.getSQLState().equals("23505")
                                        || e.getSQLState().startsWith("42P0")
                                        || e.getSQLState().equals("42710")
                                        || e.getSQLState().equals("42701"));
                if (!race || attempt > statements.size() + 1) {
                    throw e;
                }
            }
        }
    }

    /** Throws with the exact missing columns when the target table does not fit the sink. */
    public static void checkTarget(Connection c, WarehouseTable target, DeleteMode deleteMode)
            throws SQLException {
        Set<String> present = new HashSet<>();
        try (PreparedStatement p =
                c.prepareStatement(
                        "SELECT column_name FROM information_schema.columns"
                                + " WHERE table_schema = ? AND table_name = ?")) {
            p.setString(1, target.schema());
            p.setString(2, target.name());
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    present.add(rs.getString(1));
                }
            }
        }
        if (present.isEmpty()) {
            throw new IllegalStateException(
                    "warehouse table "
                            + target.qualifiedName()
                            + " does not exist: create it from sql/warehouse/ or set"
                            + " warehouse.create-tables: true");
        }
        List<String> required = new ArrayList<>();
        target.columns().forEach(col -> required.add(col.name()));
        required.addAll(List.of("_cdc_lsn", "_cdc_op", "_cdc_committed_at", "_synced_at"));
        if (deleteMode == DeleteMode.SOFT) {
            required.add("_deleted");
        }
        List<String> missing = required.stream().filter(r -> !present.contains(r)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalStateException(
                    "warehouse table "
                            + target.qualifiedName()
                            + " lacks columns "
                            + missing
                            + (missing.contains("_deleted")
                                    ? " (soft deletes need: ALTER TABLE "
                                            + target.qualifiedName()
                                            + " ADD COLUMN _deleted boolean NOT NULL DEFAULT false)"
                                    : ""));
        }
    }
}
