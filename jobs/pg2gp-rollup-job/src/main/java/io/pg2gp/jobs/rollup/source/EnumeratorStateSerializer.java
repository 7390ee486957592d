package io.pg2gp.jobs.rollup.source;

import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Version 1: count, then (length, split bytes in the split serializer's version 1) each. */
final class EnumeratorStateSerializer
        implements SimpleVersionedSerializer<List<TouchedHoursSplit>> {

    @Override
    public int getVersion() {
        return 1;
    }

    @Override
    public byte[] serialize(List<TouchedHoursSplit> splits) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(splits.size());
            for (TouchedHoursSplit s : splits) {
                byte[] b = TouchedHoursSplitSerializer.INSTANCE.serialize(s);
                out.writeInt(b.length);
                out.write(b);
            }
        }
        return bytes.toByteArray();
    }

    @Override
    public List<TouchedHoursSplit> deserialize(int version, byte[] serialized) throws IOException {
        if (version != 1) {
            throw new IOException("unknown touched-hours enumerator state version " + version);
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            int n = in.readInt();
            List<TouchedHoursSplit> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                byte[] b = new byte[in.readInt()];
                in.readFully(b);
                out.add(TouchedHoursSplitSerializer.INSTANCE.deserialize(1, b));
            }
            return out;
        }
    }
}
