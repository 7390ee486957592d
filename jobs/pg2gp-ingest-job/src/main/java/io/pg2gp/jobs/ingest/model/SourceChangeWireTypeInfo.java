package io.pg2gp.jobs.ingest.model;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * {@link SourceChange} with the {@link SourceChangeWireSerializer}: the type of the stream between
 * the source and the enrichment. State declares {@code TypeInformation.of(SourceChange.class)} (the
 * POJO type) and is not affected.
 */
public final class SourceChangeWireTypeInfo extends TypeInformation<SourceChange> {

    private static final long serialVersionUID = 1L;

    public static final SourceChangeWireTypeInfo INSTANCE = new SourceChangeWireTypeInfo();

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<SourceChange> getTypeClass() {
        return SourceChange.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<SourceChange> createSerializer(SerializerConfig config) {
        return new SourceChangeWireSerializer();
    }

    @Override
    @Deprecated
    public TypeSerializer<SourceChange> createSerializer(ExecutionConfig config) {
        return new SourceChangeWireSerializer();
    }

    @Override
    public String toString() {
        return "SourceChange (wire)";
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof SourceChangeWireTypeInfo;
    }

    @Override
    public int hashCode() {
        return SourceChangeWireTypeInfo.class.hashCode();
    }

    @Override
    public boolean canEqual(Object obj) {
        return obj instanceof SourceChangeWireTypeInfo;
    }
}
