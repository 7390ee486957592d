package io.pg2gp.connector.cdc;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.cdc.connectors.postgres.source.PostgresDialect;

import java.io.Serializable;

/**
 * A {@link PostgresDialect} that is never serialized with its config. The dialect keeps a {@code
 * PostgresSourceConfig} (with the password) that the enumerator uses to create the slot and the
 * readers to drop it; on serialization this class writes only the password-free factory, and on
 * deserialization (on the JobManager or a TaskManager) it creates the config again from there.
 */
@PublicEvolving
final class EnvPasswordDialect extends PostgresDialect {

    private static final long serialVersionUID = 1L;

    private final EnvPasswordSourceConfigFactory factory;

    EnvPasswordDialect(EnvPasswordSourceConfigFactory factory) {
        super(factory.create(0));
        this.factory = factory;
    }

    private Object writeReplace() {
        return new Serialized(factory);
    }

    /** What is written in place of the dialect. */
    private static final class Serialized implements Serializable {
        private static final long serialVersionUID = 1L;
        private final EnvPasswordSourceConfigFactory factory;

        Serialized(EnvPasswordSourceConfigFactory factory) {
            this.factory = factory;
        }

        private Object readResolve() {
            return new EnvPasswordDialect(factory);
        }
    }
}
