package io.pg2gp.connector.warehouse.internal.commit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Versioned serializer of {@link WarehouseCommittable}; committables live in the committer's
 * checkpointed state, so this format must stay readable by later releases. Version 1: commit id,
 * checkpoint id, target table, batch count, then each batch as {@link StagedBatchSerializer} v1.
 */
@Internal
public final class WarehouseCommittableSerializer
        implements SimpleVersionedSerializer<WarehouseCommittable> {

    public static final WarehouseCommittableSerializer INSTANCE =
            new WarehouseCommittableSerializer();
    private static final int VERSION = 1;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(WarehouseCommittable c) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(128);
        out.writeLong(c.commitId());
        out.writeLong(c.checkpointId());
        out.writeUTF(c.targetTable());
        out.writeInt(c.batches().size());
        for (StagedBatch b : c.batches()) {
            StagedBatchSerializer.write(b, out);
        }
        return out.getCopyOfBuffer();
    }

    @Override
    public WarehouseCommittable deserialize(int version, byte[] serialized) throws IOException {
        if (version != VERSION) {
            throw new IOException("unknown WarehouseCommittable serializer version " + version);
        }
        DataInputDeserializer in = new DataInputDeserializer(serialized);
        long commitId = in.readLong();
        long checkpointId = in.readLong();
        String table = in.readUTF();
        int n = in.readInt();
        List<StagedBatch> batches = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            batches.add(StagedBatchSerializer.read(in));
        }
        return new WarehouseCommittable(commitId, checkpointId, table, batches);
    }
}
