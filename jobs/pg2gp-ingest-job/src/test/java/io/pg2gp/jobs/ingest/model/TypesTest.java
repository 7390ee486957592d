package io.pg2gp.jobs.ingest.model;

import io.pg2gp.jobs.ingest.enrich.PendingRequest;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Stream and state types are POJOs: their schema can evolve and no Kryo fallback is needed. */
class TypesTest {

    @Test
    void everyStreamAndStateTypeIsAPojoWithoutGenericFields() {
        ExecutionConfig noKryo = new ExecutionConfig();
        noKryo.disableGenericTypes();
        for (Class<?> type :
                new Class<?>[] {
                    SourceChange.class,
                    UserRow.class,
                    RequestRow.class,
                    EnrichedRequest.class,
                    PendingRequest.class
                }) {
            TypeInformation<?> info = TypeInformation.of(type);
            assertThat(info).as(type.getSimpleName()).isInstanceOf(PojoTypeInfo.class);
            // throws UnsupportedOperationException when a field would need Kryo
            assertThat(info.createSerializer(noKryo.getSerializerConfig())).isNotNull();
        }
    }
}
