package io.pg2gp.jobs.rollup.source;

import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/** Version 1: entry count, then (UTF key, long offset) per entry. */
public final class TouchedHoursSplitSerializer
        implements SimpleVersionedSerializer<TouchedHoursSplit> {

    public static final TouchedHoursSplitSerializer INSTANCE = new TouchedHoursSplitSerializer();

    @Override
    public int getVersion() {
        return 1;
    }

    @Override
    public byte[] serialize(TouchedHoursSplit split) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(split.offsets().size());
            for (Map.Entry<String, Long> e : split.offsets().entrySet()) {
                out.writeUTF(e.getKey());
                out.writeLong(e.getValue());
            }
        }
        return bytes.toByteArray();
    }

    @Override
    public TouchedHoursSplit deserialize(int version, byte[] serialized) throws IOException {
        if (version != 1) {
            throw new IOException("unknown touched-hours split version " + version);
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            int n = in.readInt();
            Map<String, Long> offsets = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                offsets.put(in.readUTF(), in.readLong());
            }
            return new TouchedHoursSplit(offsets);
        }
    }
}
