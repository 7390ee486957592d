package io.pg2gp.connector.cdc;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;
import org.apache.flink.util.Collector;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Turns Debezium change records into typed events, without JSON strings in between. Subclasses map
 * the before/after {@link Struct}s of their tables to their own types; this class handles the
 * envelope: op, LSN, commit time, tombstones and heartbeats. A change they cannot convert (a value
 * out of range, a missing column) never fails the source: it becomes a {@link #reject} event.
 *
 * @param <T> event type
 */
@PublicEvolving
public abstract class TypedChangeDeserializer<T> implements DebeziumDeserializationSchema<T> {

    private static final long serialVersionUID = 1L;

    private static final int OP = 0;
    private static final int SOURCE = 1;
    private static final int BEFORE = 2;
    private static final int AFTER = 3;
    private static final int SCHEMA = 0;
    private static final int TABLE = 1;
    private static final int LSN = 2;
    private static final int TS_MS = 3;

    private transient StructFields envelopeFields;
    private transient StructFields sourceFields;

    @Override
    public final void deserialize(SourceRecord record, Collector<T> out) throws Exception {
        if (!(record.value() instanceof Struct value)) {
            return; // tombstone after a delete
        }
        if (envelopeFields == null) {
            envelopeFields = new StructFields("op", "source", "before", "after");
            sourceFields = new StructFields("schema", "table", "lsn", "ts_ms");
        }
        Field[] envelope = envelopeFields.of(value);
        if (envelope[OP] == null) {
            return; // heartbeat or schema-change record, no row change
        }
        String rawOp = (String) value.get(envelope[OP]);
        ChangeMetadata meta = null;
        Struct before = null;
        Struct after = null;
        T event;
        try {
            Struct source = (Struct) value.get(envelope[SOURCE]);
            Field[] src = sourceFields.of(source);
            Long lsn = (Long) source.get(src[LSN]);
            Long tsMs = (Long) source.get(src[TS_MS]);
            meta =
                    new ChangeMetadata(
                            (String) source.get(src[SCHEMA]),
                            (String) source.get(src[TABLE]),
                            ChangeOp.fromCode(rawOp),
                            rawOp,
                            lsn == null ? 0L : lsn,
                            tsMs == null ? 0L : tsMs * 1000L);
            before = envelope[BEFORE] == null ? null : (Struct) value.get(envelope[BEFORE]);
            after = envelope[AFTER] == null ? null : (Struct) value.get(envelope[AFTER]);
            event = convert(meta, before, after);
        } catch (SourceSchemaException e) {
            throw e; // no later change of the table could be applied either: stop, say why
        } catch (RuntimeException e) {
            // One change the pipeline cannot convert must not stop the source for good (it would
            // be re-read forever after every restart): it becomes a dead letter downstream.
            if (meta == null) {
                meta = new ChangeMetadata(null, null, ChangeOp.UNKNOWN, rawOp, 0L, 0L);
            }
            event =
                    reject(
                            meta,
                            e.getClass().getSimpleName() + ": " + e.getMessage(),
                            RawRows.toJson(rawOp, before, after));
        }
        if (event != null) {
            out.collect(event);
        }
    }

    /** Maps one change; returns {@code null} to drop it (e.g. a table this job ignores). */
    protected abstract T convert(ChangeMetadata meta, Struct before, Struct after) throws Exception;

    /**
     * The event for a change {@link #convert} failed on, to be dead-lettered downstream with {@code
     * reason} and the change as received ({@code rawRowJson}, see {@link RawRows}). {@code meta}'s
     * table is {@code null} when even the envelope could not be read.
     */
    protected abstract T reject(ChangeMetadata meta, String reason, String rawRowJson);
}
