package io.pg2gp.connector.warehouse.internal.sql;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

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

    /** Distribution for small bookkeeping tables read by key. */
    public String distributedRandomly() {
        return isGreenplum() ? " DISTRIBUTED RANDOMLY" : "";
    }
}
