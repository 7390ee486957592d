package io.pg2gp.connector.cdc;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfig;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfigFactory;

import java.util.Objects;

/**
 * A {@link PostgresSourceConfigFactory} that holds only the name of the environment variable with
 * the password. Flink CDC creates every {@link PostgresSourceConfig} through {@link #create} where
 * it runs (client, JobManager, TaskManager), so the password is read there and this factory, which
 * is serialized into the job graph, never holds it.
 */
@PublicEvolving
final class EnvPasswordSourceConfigFactory extends PostgresSourceConfigFactory {

    private static final long serialVersionUID = 1L;

    private final String passwordEnvVar;

    EnvPasswordSourceConfigFactory(String passwordEnvVar) {
        this.passwordEnvVar = Objects.requireNonNull(passwordEnvVar);
    }

    @Override
    public synchronized PostgresSourceConfig create(int subtaskId) {
        String p = System.getenv(passwordEnvVar);
        password = p == null ? "" : p;
        try {
            return super.create(subtaskId);
        } finally {
            // Never leave it in a field of this (serializable) factory.
            password = null;
        }
    }
}
