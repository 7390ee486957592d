package io.pg2gp.testutils;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What a test needs of a database server it creates databases on: a PostgreSQL server of the tests
 * or a Greenplum cluster, so one test environment can point its warehouse at either.
 */
public interface DatabaseServer {

    String jdbcUrl(String database);

    /** The superuser the tests connect as. */
    String user();

    Connection connect(String database) throws SQLException;

    /** The database to connect to for creating others. */
    String maintenanceDatabase();

    /** Creates a database (if missing) and returns its name. */
    default String createDatabase(String database) {
        return createDatabase(database, "");
    }

    /**
     * As {@link #createDatabase(String)}, with the options of {@code CREATE DATABASE ... WITH},
     * e.g. {@code ENCODING 'WIN1251' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'}.
     */
    default String createDatabase(String database, String options) {
        try (Connection c = connect(maintenanceDatabase());
                Statement s = c.createStatement()) {
            try (ResultSet rs =
                    s.executeQuery(
                            "SELECT 1 FROM pg_database WHERE datname = '" + database + "'")) {
                if (rs.next()) {
                    return database;
                }
            }
            s.execute("CREATE DATABASE \"" + database + "\" " + options);
            return database;
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot create database " + database + " on " + this, e);
        }
    }

    default void execute(String database, String sql) {
        try (Connection c = connect(database);
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("failed on " + this + "/" + database + ": " + sql, e);
        }
    }
}
