package io.pg2gp.connector.warehouse;

import org.apache.flink.annotation.PublicEvolving;

import org.postgresql.Driver;

import java.io.Serializable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Properties;

/**
 * How to reach the warehouse. The password is never part of the options: only the name of the
 * environment variable that holds it, read where the connection is opened, so it stays out of the
 * job graph, the web UI and the logs.
 */
@PublicEvolving
public final class WarehouseConnectionOptions implements Serializable {

    private static final long serialVersionUID = 1L;
    public static final String DEFAULT_PASSWORD_ENV = "PG2GP_WAREHOUSE_PASSWORD";

    private final String url;
    private final String user;
    private final String passwordEnvVar;

    public WarehouseConnectionOptions(String url, String user, String passwordEnvVar) {
        this.url = Objects.requireNonNull(url, "url");
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException(
                    "warehouse url must be a jdbc:postgresql: URL (Greenplum speaks the same"
                            + " protocol), got: "
                            + url);
        }
        if (url.contains("password=")) {
            throw new IllegalArgumentException(
                    "warehouse url must not carry a password; set the environment variable "
                            + passwordEnvVar
                            + " instead");
        }
        this.user = Objects.requireNonNull(user, "user");
        this.passwordEnvVar = passwordEnvVar == null ? DEFAULT_PASSWORD_ENV : passwordEnvVar;
    }

    public String url() {
        return url;
    }

    public String user() {
        return user;
    }

    public String passwordEnvVar() {
        return passwordEnvVar;
    }

    /**
     * Opens a connection with the session settings the sink relies on (UTC, floats printed exactly,
     * autocommit on).
     */
    public Connection open(String applicationName) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        String password = System.getenv(passwordEnvVar);
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("ApplicationName", applicationName);
        p.setProperty("tcpKeepAlive", "true");
        // pgjdbc's driver itself: DriverManager does not see a driver that lives in a job jar's
        // child-first class loader (the rollup job, which has no other JDBC user, failed so).
        Connection c = new Driver().connect(url, p);
        try (var s = c.createStatement()) {
            // Hours and dates are computed in UTC; GP6 and PG accept the same SET.
            s.execute("SET TIME ZONE 'UTC'");
            // pgjdbc asks for 3 in its start-up packet, which Greenplum 6 does not pass on to the
            // segments; a SET it does. There ANALYZE (ours, or gp_autostats inside an INSERT)
            // ships sample rows as text, and at the default 0 a double precision of
            // ±1.7976931348623157e308 prints as 1.79769313486232e+308, which overflows when the
            // coordinator reads it back: the apply failed on every retry (greenplum-db/gpdb#15159).
            s.execute("SET extra_float_digits = 3");
        }
        return c;
    }

    @Override
    public String toString() {
        return "WarehouseConnectionOptions{url=" + url + ", user=" + user + '}';
    }
}
