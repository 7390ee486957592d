package io.pg2gp.connector.warehouse.internal.sql;

import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.MissingTableException;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseTable;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Creates the bookkeeping tables and checks that the target table has what the sink writes. */
@Internal
public final class WarehouseSetup {

    private static final Logger LOG = LoggerFactory.getLogger(WarehouseSetup.class);

    private WarehouseSetup() {}

    /**
     * Staging tables of earlier releases lack columns added since; they may still hold staged rows
     * of a completed checkpoint, so columns are added (nullable) instead of recreating the table.
     * GP6 has no {@code ADD COLUMN IF NOT EXISTS}: the catalog is asked first.
     */
    private static void upgradeStaging(Connection c, String stagingTable) throws SQLException {
        addColumnIfMissing(c, stagingTable, BookkeepingTables.PREVIOUS_HOUR_COLUMN, "timestamptz");
    }

    /**
     * The apply's work tables of a target that got a touched key column after they were created
     * lack it; they are empty outside an apply, so adding the column is all it takes.
     */
    private static void upgradeWorkTables(
            Connection c, BookkeepingTables tables, WarehouseTable target) throws SQLException {
        String k = target.touchedKeyColumn();
        if (k == null) {
            return;
        }
        String type = target.columns().get(target.indexOf(k)).type().sqlName();
        addColumnIfMissing(c, tables.applyBatchTable(target), k, type);
        if (BookkeepingTables.matchCarriedColumns(target).contains(k)) {
            addColumnIfMissing(c, tables.applyMatchTable(target), k, type);
        }
    }

    private static void addColumnIfMissing(Connection c, String table, String column, String type)
            throws SQLException {
        if (hasColumn(c, table, column)) {
            return;
        }
        try (Statement s = c.createStatement()) {
            s.execute("ALTER TABLE " + table + " ADD COLUMN " + column + " " + type);
        }
    }

    /** Whether {@code table} (schema-qualified) exists and has {@code column}. */
    private static boolean hasColumn(Connection c, String table, String column)
            throws SQLException {
        int dot = table.indexOf('.');
        try (PreparedStatement p =
                c.prepareStatement(
                        "SELECT count(*) FROM information_schema.columns WHERE table_schema = ?"
                                + " AND table_name = ? AND column_name = ?")) {
            p.setString(1, table.substring(0, dot));
            p.setString(2, table.substring(dot + 1));
            p.setString(3, column);
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        }
    }

    /** Distribution key of the first release's ledger and touched hours. */
    private static final String OLD_DISTRIBUTION = "job";

    /**
     * Redistributes bookkeeping tables still distributed as the first release made them (by {@code
     * job}: one value, every row on one segment). Only that exact old key is changed, so a
     * distribution an operator chose is kept. Rewriting needs the table's owner: a role that is not
     * gets a warning with the statement to run, and the sink works on as before.
     */
    private static void redistribute(Connection c, BookkeepingTables tables) throws SQLException {
        if (!tables.dialect().distributesTables()) {
            return;
        }
        for (Map.Entry<String, String> e : tables.redistributed().entrySet()) {
            if (!OLD_DISTRIBUTION.equals(distributionKey(c, e.getKey()))) {
                continue;
            }
            String alter =
                    "ALTER TABLE " + e.getKey() + " SET DISTRIBUTED BY (" + e.getValue() + ")";
            Savepoint before = c.setSavepoint();
            try (Statement s = c.createStatement()) {
                s.execute(alter);
                c.releaseSavepoint(before);
                LOG.info("redistributed {} by ({}) over all segments", e.getKey(), e.getValue());
            } catch (SQLException failed) {
                c.rollback(before);
                LOG.warn(
                        "{} is distributed by (job), which puts every row on one segment, and"
                                + " could not be redistributed ({}); as its owner run: {}",
                        e.getKey(),
                        failed.getMessage(),
                        alter);
            }
        }
    }

    /** The table's distribution columns, comma separated in key order; null when it has none. */
    static String distributionKey(Connection c, String table) throws SQLException {
        try (PreparedStatement p =
                c.prepareStatement(
                        "SELECT string_agg(a.attname, ', ' ORDER BY k.i) FROM"
                                + " gp_distribution_policy d, generate_series(0, 31) k(i),"
                                + " pg_attribute a WHERE d.localoid = ?::regclass AND"
                                + " a.attrelid = d.localoid AND a.attnum = d.distkey[k.i]")) {
            p.setString(1, table);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
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
            boolean softDeletedCreated = false;
            String staging = tables.stagingTable(target);
            for (BookkeepingTables.Ddl ddl : tables.createStatements(target)) {
                // A staging table of an earlier release is one plain table: it keeps it (it may
                // hold staged rows of a completed checkpoint) and the DELETE purge.
                boolean slotOfPlainStaging =
                        ddl.relation() != null
                                && ddl.relation().startsWith(staging + "_p")
                                && !stagingSlotted(c, staging);
                if (!slotOfPlainStaging && !exists(c, tables.schema(), ddl.relation())) {
                    current = ddl.statement();
                    s.execute(current);
                    softDeletedCreated |= tables.softDeletedTable(target).equals(ddl.relation());
                }
            }
            if (softDeletedCreated && hasColumn(c, target.qualifiedName(), "_deleted")) {
                current = tables.fillSoftDeleted(target);
                s.execute(current);
            }
            current = "ALTER TABLE " + tables.stagingTable(target) + " ADD COLUMN ...";
            upgradeStaging(c, tables.stagingTable(target));
            current = "ALTER TABLE <apply work table> ADD COLUMN " + target.touchedKeyColumn();
            upgradeWorkTables(c, tables, target);
            current = "ALTER TABLE ... SET DISTRIBUTED BY";
            redistribute(c, tables);
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

    /**
     * Whether {@code stagingTable} is partitioned into slots by checkpoint tag ({@link
     * WarehouseDialect#stagingSlots()}), so applied rows go with a {@code TRUNCATE} of their slot.
     */
    public static boolean stagingSlotted(Connection c, String stagingTable) throws SQLException {
        try (PreparedStatement p =
                c.prepareStatement(
                        "SELECT count(*) FROM pg_class WHERE oid = to_regclass(?) AND relkind ="
                                + " 'p'")) {
            p.setString(1, stagingTable);
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
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
            throw new MissingTableException(
                    "warehouse table "
                            + target.qualifiedName()
                            + " does not exist: create it first (the DDL is in sql/warehouse/)");
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
