package io.pg2gp.connector.cdc;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.cdc.connectors.base.config.JdbcSourceConfig;
import org.apache.flink.cdc.connectors.base.config.SourceConfig;
import org.apache.flink.cdc.connectors.base.source.IncrementalSource;
import org.apache.flink.cdc.connectors.postgres.source.PostgresDialect;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder.PostgresIncrementalSource;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfig;
import org.apache.flink.util.InstantiationUtil;

import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The source carries the password's variable name; its copies read the password themselves. */
class PostgresCdcSourcesTest {

    /** Set by surefire (see this module's pom). */
    private static final String VAR = "PG2GP_CDC_TEST_SECRET";

    @Test
    void thePasswordIsNotSerializedButEveryCopyReadsIt() throws Exception {
        String secret = System.getenv(VAR);
        assertThat(secret).as(VAR + " in the test environment").isNotBlank();
        PostgresCdcOptions o =
                PostgresCdcOptions.builder()
                        .database("app")
                        .user("cdc")
                        .passwordEnvVar(VAR)
                        .tables(List.of("public.users"))
                        .build();
        PostgresIncrementalSource<String> source =
                PostgresCdcSources.incremental(o, new Deserializer());

        byte[] bytes = InstantiationUtil.serializeObject(source);
        assertThat(contains(bytes, VAR)).as("the variable's name is serialized").isTrue();
        assertThat(contains(bytes, secret)).as("the password is serialized").isFalse();

        // What the JobManager and the TaskManagers get: the enumerator and the readers create
        // their configs from the factory, the enumerator creates the slot with the dialect's own.
        PostgresIncrementalSource<String> copy =
                InstantiationUtil.deserializeObject(bytes, getClass().getClassLoader());
        SourceConfig.Factory<?> factory = field(copy, IncrementalSource.class, "configFactory");
        assertThat(((JdbcSourceConfig) factory.create(1)).getPassword()).isEqualTo(secret);
        PostgresDialect dialect = field(copy, IncrementalSource.class, "dataSourceDialect");
        PostgresSourceConfig dialectConfig = field(dialect, PostgresDialect.class, "sourceConfig");
        assertThat(dialectConfig.getPassword()).isEqualTo(secret);
        // Debezium's connections (whose configuration Flink CDC logs) get it from the plugin.
        var debeziumJdbc = dialectConfig.getDbzConnectorConfig().getJdbcConfig();
        // Truncates are delivered (Debezium skips them by default); source.truncate decides.
        assertThat(dialectConfig.getDbzConnectorConfig().getSkippedOperations())
                .doesNotContain(io.debezium.data.Envelope.Operation.TRUNCATE);
        assertThat(debeziumJdbc.asProperties().toString()).doesNotContain(secret);
        assertThat(debeziumJdbc.getString("authenticationPluginClassName"))
                .isEqualTo(EnvPasswordPlugin.class.getName());
        assertThat(new EnvPasswordPlugin(debeziumJdbc.asProperties()).getPassword(null))
                .isEqualTo(secret.toCharArray());
        // Creating configs leaves nothing behind to serialize.
        assertThat(contains(InstantiationUtil.serializeObject(copy), secret)).isFalse();
    }

    private static boolean contains(byte[] haystack, String needle) {
        return new String(haystack, StandardCharsets.ISO_8859_1)
                .contains(
                        new String(
                                needle.getBytes(StandardCharsets.UTF_8),
                                StandardCharsets.ISO_8859_1));
    }

    @SuppressWarnings("unchecked")
    private static <V> V field(Object target, Class<?> declaring, String name) throws Exception {
        Field f = declaring.getDeclaredField(name);
        f.setAccessible(true);
        return (V) f.get(target);
    }

    private static final class Deserializer extends TypedChangeDeserializer<String> {
        @Override
        protected String convert(ChangeMetadata meta, Struct before, Struct after) {
            return meta.table();
        }

        @Override
        protected String reject(ChangeMetadata meta, String reason, String rawRowJson) {
            return reason;
        }

        @Override
        public TypeInformation<String> getProducedType() {
            return Types.STRING;
        }
    }
}
