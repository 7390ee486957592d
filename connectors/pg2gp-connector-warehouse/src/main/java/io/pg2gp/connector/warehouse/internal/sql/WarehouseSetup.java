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
     * Creates the bookkeeping objects that do not exist yet. Writers and committers of every
     * subtask open at once: an advisory lock held for the transaction lets one of them create what
     * is missing while the others wait and then find it, so no session runs DDL that fails (a lost
     * {@code IF NOT EXISTS} race is a logged error on the warehouse, and GP6 has no {@code CREATE
     * SEQUENCE IF NOT EXISTS} at all). A failing statement is named in the exception.
     */
    public static void ensureBookkeeping(
            Connection c, BookkeepingTables tables, WarehouseTable target) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        String current = null;
        try (Statement s = c.createStatement()) {
            current = "SELECT pg_advisory_xact_lock(hashtext('pg2gp bookkeeping'))";
            s.execute(current);
            for (BookkeepingTables.Ddl ddl : tables.createStatements(target)) {
                if (!exists(c, tables.schema(), ddl.relation())) {
                    current = ddl.statement();
                    s.execute(current);
                }
            }
            current = "ALTER TABLE " + tables.stagingTable(target) + " ADD COLUMN ...";
            upgradeStaging(c, tables.stagingTable(target));
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw new SQLException(
                    "bookkeeping DDL failed: " + current + ": " + e.getMessage(),
                    e.getSQLState(),
                    e);
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /** Whether the schema ({@code relation} null) or the relation exists. */
    private static boolean exists(Connection c, String schema, String relation)
            throws SQLException {
        String sql =
                relation == null
                        ? "SELECT count(*) FROM pg_namespace WHERE nspname = ?"
                        : "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid ="
                                + " c.relnamespace WHERE n.nspname = ? AND c.relname = ?";
        try (PreparedStatement p = c.prepareStatement(sql)) {
            if (relation == null) {
                p.setString(1, schema);
            } else {
                int dot = relation.indexOf('.');
                p.setString(1, relation.substring(0, dot));
                p.setString(2, relation.substring(dot + 1));
            }
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        }
    }

    /** Throws with the exact missing columns when the target table does not fit the sink. */
    public static void checkTarget(Connection c, WarehouseTable target, DeleteMode deleteMode)
            throws SQLException {
        Set<String> present = new HashSet<>();
        try (PreparedStatement p =
                // The catalog, not information_schema, which hides tables the role has no
                // privilege on: a missing GRANT must not read as a missing table.
                c.prepareStatement(
                        "SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid ="
                                + " a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
                                + " WHERE n.nspname = ? AND c.relname = ? AND a.attnum > 0"
                                + " AND NOT a.attisdropped")) {
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
