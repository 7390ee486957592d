package io.pg2gp.testutils;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * What a test needs of a database server it creates databases on: a PostgreSQL server of the tests
 * or a Greenplum cluster, so one test environment can point its warehouse at either.
 */
public interface DatabaseServer {

    /** Creates a database (if missing) and returns its name. */
    String createDatabase(String database);

    String jdbcUrl(String database);

    /** The superuser the tests connect as. */
    String user();

    Connection connect(String database) throws SQLException;

    void execute(String database, String sql);
}
