package io.pg2gp.connector.warehouse.internal.commit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/** Versioned serializer of {@link StagedBatch}. Version 1: the fields in declaration order. */
@Internal
public final class StagedBatchSerializer implements SimpleVersionedSerializer<StagedBatch> {

    public static final StagedBatchSerializer INSTANCE = new StagedBatchSerializer();
    private static final int VERSION = 1;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(StagedBatch batch) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        write(batch, out);
        return out.getCopyOfBuffer();
    }

    @Override
    public StagedBatch deserialize(int version, byte[] serialized) throws IOException {
        if (version != VERSION) {
            throw new IOException("unknown StagedBatch serializer version " + version);
        }
        return read(new DataInputDeserializer(serialized));
    }

    static void write(StagedBatch b, DataOutputView out) throws IOException {
        out.writeUTF(b.targetTable());
        out.writeLong(b.batchId());
        out.writeLong(b.tag());
        out.writeInt(b.subtask());
        out.writeLong(b.rows());
        out.writeLong(b.deadLetters());
        out.writeLong(b.maxLsn());
    }

    static StagedBatch read(DataInputView in) throws IOException {
        return new StagedBatch(
                in.readUTF(),
                in.readLong(),
                in.readLong(),
                in.readInt(),
                in.readLong(),
                in.readLong(),
                in.readLong());
    }
}
