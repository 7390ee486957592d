package io.pg2gp.connector.warehouse.internal.writer;

import org.apache.flink.annotation.Internal;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

import java.io.IOException;

/** Versioned serializer of {@link WriterState}. Version 1: the checkpoint id as a long. */
@Internal
public final class WriterStateSerializer implements SimpleVersionedSerializer<WriterState> {

    public static final WriterStateSerializer INSTANCE = new WriterStateSerializer();
    private static final int VERSION = 1;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(WriterState state) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(8);
        out.writeLong(state.checkpointId());
        return out.getCopyOfBuffer();
    }

    @Override
    public WriterState deserialize(int version, byte[] serialized) throws IOException {
        if (version != VERSION) {
            throw new IOException("unknown WriterState serializer version " + version);
        }
        return new WriterState(new DataInputDeserializer(serialized).readLong());
    }
}
