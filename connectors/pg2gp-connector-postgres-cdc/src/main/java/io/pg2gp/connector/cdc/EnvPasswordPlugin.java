package io.pg2gp.connector.cdc;

import org.apache.flink.annotation.PublicEvolving;

import org.postgresql.plugin.AuthenticationPlugin;
import org.postgresql.plugin.AuthenticationRequestType;

import java.util.Properties;

/**
 * Gives pgjdbc the password from the environment variable named by the connection property {@value
 * #ENV_PROPERTY}. Debezium's own connections (snapshot and stream readers, replication) use it, so
 * their configuration, which Flink CDC logs in full, carries no password. pgjdbc loads it by name
 * from its own class loader: it must ship next to pgjdbc, as in the job jar.
 */
@PublicEvolving
public final class EnvPasswordPlugin implements AuthenticationPlugin {

    /** The connection property naming the variable. */
    public static final String ENV_PROPERTY = "pg2gpPasswordEnv";

    private final String passwordEnvVar;

    /** Called by pgjdbc with the connection's properties. */
    public EnvPasswordPlugin(Properties info) {
        this.passwordEnvVar = info.getProperty(ENV_PROPERTY);
    }

    @Override
    public char[] getPassword(AuthenticationRequestType type) {
        String p = passwordEnvVar == null ? null : System.getenv(passwordEnvVar);
        return p == null ? null : p.toCharArray();
    }
}
