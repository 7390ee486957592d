package io.pg2gp.connector.cdc;

import org.apache.flink.annotation.PublicEvolving;

/**
 * {@link CommitFilteredPostgresCdcTableFactory} under Flink CDC's own name, {@code postgres-cdc},
 * so that existing SQL scripts get the fixed source unchanged. Registered only by the pg2gp SQL
 * connector jar (connectors/pg2gp-sql-connectors), which leaves Flink CDC's factory out: on a
 * classpath with Flink CDC's jar as well, two factories would claim one identifier.
 */
@PublicEvolving
public class PostgresCdcCompatibleTableFactory extends CommitFilteredPostgresCdcTableFactory {

    public static final String IDENTIFIER = "postgres-cdc";

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }
}
