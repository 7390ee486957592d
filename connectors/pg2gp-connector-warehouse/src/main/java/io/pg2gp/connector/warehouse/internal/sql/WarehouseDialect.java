package io.pg2gp.connector.warehouse.internal.sql;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/** The warehouse flavour, detected from {@code SELECT version()}. */
public enum WarehouseDialect {
    POSTGRES,
    GREENPLUM_6,
    GREENPLUM_7;

    public static WarehouseDialect fromVersion(String version) {
        if (version.contains("Greenplum Database 6.")) {
            return GREENPLUM_6;
        }
        if (version.contains("Greenplum Database")) {
            return GREENPLUM_7;
        }
        return POSTGRES;
    }

    public static WarehouseDialect detect(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT version()")) {
            rs.next();
            return fromVersion(rs.getString(1));
        }
    }

    public boolean isGreenplum() {
        return this != POSTGRES;
    }

    /** The distribution clause for a new table, empty on PostgreSQL. */
    public String distributedBy(String columns) {
        return isGreenplum() ? " DISTRIBUTED BY (" + columns + ")" : "";
    }

    /**
     * Session settings for the apply connection: the batch sort stays in memory up to {@code
     * memory} (a PostgreSQL memory size such as {@code 256MB}). Greenplum budgets a statement's
     * memory with {@code statement_mem} instead of {@code work_mem}.
     */
    public List<String> applySessionSettings(String memory) {
        String value = SqlLiterals.string(memory);
        if (isGreenplum()) {
            return List.of("SET statement_mem = " + value);
        }
        return List.of("SET work_mem = " + value);
    }

    /**
     * Whether {@code table} is partitioned: only then do literal hour bounds help the apply (on a
     * plain table they only tempt the planner into a range scan of the hour index).
     */
    public boolean isPartitioned(Connection c, String table) throws SQLException {
        String sql =
                this == GREENPLUM_6
                        ? "SELECT count(*) > 0 FROM pg_partition WHERE parrelid = ?::regclass"
                        : "SELECT relkind = 'p' FROM pg_class WHERE oid = ?::regclass";
        try (java.sql.PreparedStatement p = c.prepareStatement(sql)) {
            p.setString(1, table);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** Distribution for small bookkeeping tables read by key. */
    public String distributedRandomly() {
        return isGreenplum() ? " DISTRIBUTED RANDOMLY" : "";
    }
}
