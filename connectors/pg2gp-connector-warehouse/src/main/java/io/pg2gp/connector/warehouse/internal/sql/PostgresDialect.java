package io.pg2gp.connector.warehouse.internal.sql;

import io.pg2gp.connector.warehouse.WarehouseDialect;

import org.apache.flink.annotation.Internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** PostgreSQL as the warehouse: one server, the planner's own choices, no distribution. */
@Internal
public final class PostgresDialect implements WarehouseDialect {

    @Override
    public String displayName() {
        return "PostgreSQL";
    }

    @Override
    public String sqlFlavour() {
        return "postgres";
    }

    @Override
    public String sqlFlavourName() {
        return "PostgreSQL";
    }

    @Override
    public boolean distributesTables() {
        return false;
    }

    @Override
    public boolean analyzesOnCoordinator() {
        return false;
    }

    /** Four slots: the committer trails the writers by one or two checkpoints when all is well. */
    @Override
    public int stagingSlots() {
        return 4;
    }

    @Override
    public boolean vacuumsByItself() {
        return true;
    }

    @Override
    public boolean writableCtes() {
        return true;
    }

    @Override
    public boolean updatesInPlace() {
        return true;
    }

    @Override
    public String distributedBy(String columns) {
        return "";
    }

    @Override
    public String distributedRandomly() {
        return "";
    }

    @Override
    public List<String> applySessionSettings(String memory) {
        return List.of("SET work_mem = " + SqlLiterals.string(memory));
    }

    /** PostgreSQL's planner picks the key index by itself. */
    @Override
    public List<String> applyPlannerSettings() {
        return List.of();
    }

    @Override
    public List<String> keyLookupSettings(boolean keyIndexed) {
        return List.of();
    }

    @Override
    public boolean isPartitioned(Connection c, String table) throws SQLException {
        try (PreparedStatement p =
                c.prepareStatement("SELECT relkind = 'p' FROM pg_class WHERE oid = ?::regclass")) {
            p.setString(1, table);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    @Override
    public String classCountersFrom(String alias) {
        return "pg_class " + alias;
    }

    @Override
    public boolean hasExternalTables() {
        return false;
    }

    /** The PostgreSQL warehouse tables are not partitioned by pg2gp. */
    @Override
    public String splitDefaultPartition(
            String table, String name, String from, String to, String defaultPartition) {
        return null;
    }

    @Override
    public String partitionsQuery() {
        return null;
    }

    @Override
    public String toString() {
        return "POSTGRES";
    }
}
