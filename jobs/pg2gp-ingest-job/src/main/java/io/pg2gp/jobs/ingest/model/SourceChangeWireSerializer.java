package io.pg2gp.jobs.ingest.model;

import io.pg2gp.connector.cdc.ChangeOp;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Serializes {@link SourceChange}s on the keyBy edge from the source to the enrichment, in place of
 * the POJO serializer: strings go in bulk (one byte per char when all are ASCII, else two, so any
 * Java string survives, unpaired surrogates included) and fields without reflection. In the
 * snapshot profile the POJO path's per-char string writes were more than a quarter of the source
 * thread.
 *
 * <p>Only for records in flight, never for state (state keeps the POJO serializer, whose schema can
 * evolve): pg2gp relies on aligned checkpoints, which hold no in-flight records, so the format may
 * change between versions. Not thread-safe: {@link #duplicate()} gives each user its own.
 */
public final class SourceChangeWireSerializer extends TypeSerializer<SourceChange> {

    private static final long serialVersionUID = 1L;

    private static final int NULL = -1;
    private static final byte ABSENT = -1;
    private static final SourceTable[] TABLES = SourceTable.values();
    private static final ChangeOp[] OPS = ChangeOp.values();

    private transient char[] chars;
    private transient byte[] bytes;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<SourceChange> duplicate() {
        return new SourceChangeWireSerializer();
    }

    @Override
    public SourceChange createInstance() {
        return new SourceChange();
    }

    @Override
    public SourceChange copy(SourceChange from) {
        SourceChange c = new SourceChange();
        c.table = from.table;
        c.op = from.op;
        c.rawOp = from.rawOp;
        c.lsn = from.lsn;
        c.commitMicros = from.commitMicros;
        c.previousCreatedAtMicros = from.previousCreatedAtMicros;
        c.rejectReason = from.rejectReason;
        c.rawRow = from.rawRow;
        c.missingColumns = from.missingColumns;
        c.readBack = from.readBack;
        if (from.user != null) {
            UserRow u = from.user;
            c.user = new UserRow(u.id, u.email, u.role, u.registeredAtMicros);
        }
        if (from.request != null) {
            RequestRow r = from.request;
            RequestRow q = new RequestRow();
            q.id = r.id;
            q.userId = r.userId;
            q.query = r.query;
            q.response = r.response;
            q.model = r.model;
            q.tokensUsed = r.tokensUsed;
            q.executionTimeMs = r.executionTimeMs;
            q.status = r.status;
            q.createdAtMicros = r.createdAtMicros;
            c.request = q;
        }
        return c;
    }

    @Override
    public SourceChange copy(SourceChange from, SourceChange reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(SourceChange c, DataOutputView out) throws IOException {
        out.writeByte(c.table == null ? ABSENT : c.table.ordinal());
        out.writeByte(c.op == null ? ABSENT : c.op.ordinal());
        writeString(c.rawOp, out);
        out.writeLong(c.lsn);
        out.writeLong(c.commitMicros);
        writeLong(c.previousCreatedAtMicros, out);
        writeString(c.rejectReason, out);
        writeString(c.rawRow, out);
        writeString(c.missingColumns, out);
        out.writeBoolean(c.readBack);
        UserRow u = c.user;
        out.writeBoolean(u != null);
        if (u != null) {
            writeString(u.id, out);
            writeString(u.email, out);
            writeString(u.role, out);
            writeLong(u.registeredAtMicros, out);
        }
        RequestRow r = c.request;
        out.writeBoolean(r != null);
        if (r != null) {
            writeString(r.id, out);
            writeString(r.userId, out);
            writeString(r.query, out);
            writeString(r.response, out);
            writeString(r.model, out);
            writeInt(r.tokensUsed, out);
            writeInt(r.executionTimeMs, out);
            writeString(r.status, out);
            writeLong(r.createdAtMicros, out);
        }
    }

    @Override
    public SourceChange deserialize(DataInputView in) throws IOException {
        SourceChange c = new SourceChange();
        byte table = in.readByte();
        c.table = table == ABSENT ? null : TABLES[table];
        byte op = in.readByte();
        c.op = op == ABSENT ? null : OPS[op];
        c.rawOp = readString(in);
        c.lsn = in.readLong();
        c.commitMicros = in.readLong();
        c.previousCreatedAtMicros = readLong(in);
        c.rejectReason = readString(in);
        c.rawRow = readString(in);
        c.missingColumns = readString(in);
        c.readBack = in.readBoolean();
        if (in.readBoolean()) {
            c.user = new UserRow(readString(in), readString(in), readString(in), readLong(in));
        }
        if (in.readBoolean()) {
            RequestRow q = new RequestRow();
            q.id = readString(in);
            q.userId = readString(in);
            q.query = readString(in);
            q.response = readString(in);
            q.model = readString(in);
            q.tokensUsed = readInt(in);
            q.executionTimeMs = readInt(in);
            q.status = readString(in);
            q.createdAtMicros = readLong(in);
            c.request = q;
        }
        return c;
    }

    @Override
    public SourceChange deserialize(SourceChange reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    // ------------------------------------------------------------------ values

    /** Header {@code length << 1 | wide}, or -1 for null; then one byte or two per char. */
    private void writeString(String s, DataOutputView out) throws IOException {
        if (s == null) {
            out.writeInt(NULL);
            return;
        }
        int n = s.length();
        char[] c = chars(n);
        s.getChars(0, n, c, 0);
        int all = 0;
        for (int i = 0; i < n; i++) {
            all |= c[i];
        }
        if (all < 0x80) {
            byte[] b = bytes(n);
            for (int i = 0; i < n; i++) {
                b[i] = (byte) c[i];
            }
            out.writeInt(n << 1);
            out.write(b, 0, n);
        } else {
            byte[] b = bytes(2 * n);
            for (int i = 0; i < n; i++) {
                b[2 * i] = (byte) (c[i] >>> 8);
                b[2 * i + 1] = (byte) c[i];
            }
            out.writeInt(n << 1 | 1);
            out.write(b, 0, 2 * n);
        }
    }

    private String readString(DataInputView in) throws IOException {
        int header = in.readInt();
        if (header == NULL) {
            return null;
        }
        int n = header >>> 1;
        if ((header & 1) == 0) {
            byte[] b = bytes(n);
            in.readFully(b, 0, n);
            return new String(b, 0, n, StandardCharsets.ISO_8859_1);
        }
        byte[] b = bytes(2 * n);
        in.readFully(b, 0, 2 * n);
        char[] c = chars(n);
        for (int i = 0; i < n; i++) {
            c[i] = (char) ((b[2 * i] & 0xFF) << 8 | (b[2 * i + 1] & 0xFF));
        }
        return new String(c, 0, n);
    }

    private static void writeLong(Long v, DataOutputView out) throws IOException {
        out.writeBoolean(v != null);
        if (v != null) {
            out.writeLong(v);
        }
    }

    private static Long readLong(DataInputView in) throws IOException {
        return in.readBoolean() ? in.readLong() : null;
    }

    private static void writeInt(Integer v, DataOutputView out) throws IOException {
        out.writeBoolean(v != null);
        if (v != null) {
            out.writeInt(v);
        }
    }

    private static Integer readInt(DataInputView in) throws IOException {
        return in.readBoolean() ? in.readInt() : null;
    }

    private char[] chars(int n) {
        if (chars == null || chars.length < n) {
            chars = new char[Math.max(n, 256)];
        }
        return chars;
    }

    private byte[] bytes(int n) {
        if (bytes == null || bytes.length < n) {
            bytes = new byte[Math.max(n, 512)];
        }
        return bytes;
    }

    // ------------------------------------------------------------------ identity

    @Override
    public boolean equals(Object obj) {
        return obj instanceof SourceChangeWireSerializer;
    }

    @Override
    public int hashCode() {
        return SourceChangeWireSerializer.class.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<SourceChange> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Snapshot of the (stateless) configuration; needed by Flink, never in pg2gp's state. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<SourceChange> {
        public Snapshot() {
            super(SourceChangeWireSerializer::new);
        }
    }
}
