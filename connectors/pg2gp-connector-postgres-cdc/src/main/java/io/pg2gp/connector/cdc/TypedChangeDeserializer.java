package io.pg2gp.connector.cdc;

import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;
import org.apache.flink.util.Collector;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Turns Debezium change records into typed events, without JSON strings in between. Subclasses map
 * the before/after {@link Struct}s of their tables to their own types; this class handles the
 * envelope: op, LSN, commit time, tombstones and heartbeats.
 *
 * @param <T> event type
 */
public abstract class TypedChangeDeserializer<T> implements DebeziumDeserializationSchema<T> {

    private static final long serialVersionUID = 1L;

    @Override
    public final void deserialize(SourceRecord record, Collector<T> out) throws Exception {
        if (!(record.value() instanceof Struct value)) {
            return; // tombstone after a delete
        }
        Field opField = value.schema().field("op");
        if (opField == null) {
            return; // heartbeat or schema-change record, no row change
        }
        String rawOp = value.getString("op");
        Struct source = value.getStruct("source");
        Long lsn = source.getInt64("lsn");
        Long tsMs = source.getInt64("ts_ms");
        ChangeMetadata meta =
                new ChangeMetadata(
                        source.getString("schema"),
                        source.getString("table"),
                        ChangeOp.fromCode(rawOp),
                        rawOp,
                        lsn == null ? 0L : lsn,
                        tsMs == null ? 0L : tsMs * 1000L);
        Struct before = value.schema().field("before") == null ? null : value.getStruct("before");
        Struct after = value.schema().field("after") == null ? null : value.getStruct("after");
        T event = convert(meta, before, after);
        if (event != null) {
            out.collect(event);
        }
    }

    /** Maps one change; returns {@code null} to drop it (e.g. a table this job ignores). */
    protected abstract T convert(ChangeMetadata meta, Struct before, Struct after) throws Exception;
}
