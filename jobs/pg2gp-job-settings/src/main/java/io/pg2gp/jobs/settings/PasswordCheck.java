package io.pg2gp.jobs.settings;

import org.postgresql.Driver;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import java.util.Set;

/**
 * Checks before anything starts that a database asking for a password gets one: pgjdbc's own
 * message ("no password was provided") never says which environment variable was expected. Other
 * connection failures are left to the steps that follow, which name their own cause.
 */
public final class PasswordCheck {

    /** SQL states of authentication failures (pgjdbc: 08004 for a missing password). */
    private static final Set<String> AUTH_STATES = Set.of("08004", "28000", "28P01");

    private PasswordCheck() {}

    /** The warehouse only (the rollup job reads no source). */
    public static void warehouse(PipelineConfig config) {
        var warehouse = config.warehouseConnection();
        check(
                "warehouse",
                warehouse.url(),
                warehouse.user(),
                warehouse.passwordEnvVar(),
                Pg2gpOptions.WAREHOUSE_PASSWORD_ENV.key());
    }

    /**
     * One database: {@code setting} is the key naming {@code envVar}, for the message. The ingest
     * job checks its source with this too.
     */
    public static void check(String what, String url, String user, String envVar, String setting) {
        String password = System.getenv(envVar);
        Properties props = new Properties();
        props.setProperty("user", user);
        if (password != null && !password.isEmpty()) {
            props.setProperty("password", password);
        }
        props.setProperty("connectTimeout", "10");
        // The driver itself, not DriverManager: under the Flink CLI the job jar's classes load
        // child-first, where DriverManager does not see them.
        try (Connection ignored = new Driver().connect(url, props)) {
            return;
        } catch (SQLException e) {
            if (!AUTH_STATES.contains(e.getSQLState())) {
                return;
            }
            if (password == null || password.isEmpty()) {
                throw new SettingException(
                        "the "
                                + what
                                + " asks for a password for '"
                                + user
                                + "', but the environment variable "
                                + envVar
                                + " (named by "
                                + setting
                                + ") is not set; export it where the job is started"
                                + " and on the JobManager and TaskManagers",
                        e);
            }
            throw new SettingException(
                    "the "
                            + what
                            + " refused '"
                            + user
                            + "' with the password from "
                            + envVar
                            + " ("
                            + setting
                            + "): "
                            + e.getMessage(),
                    e);
        }
    }
}
