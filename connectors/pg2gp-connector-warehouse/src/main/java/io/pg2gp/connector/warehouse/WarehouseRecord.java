package io.pg2gp.connector.warehouse;

import org.apache.flink.annotation.PublicEvolving;

import java.util.Arrays;
import java.util.Objects;

/**
 * One change for the warehouse: a new version of a row (upsert) or its deletion, with the source
 * LSN that orders versions of the same key. {@code values} follow {@link WarehouseTable#columns()};
 * for a delete only the key columns need values.
 */
@PublicEvolving
public final class WarehouseRecord {

    /** The change kind, as stored in {@code _cdc_op}. */
    public enum Op {
        /** Snapshot read. */
        READ('r'),
        INSERT('c'),
        UPDATE('u'),
        DELETE('d');

        private final char code;

        Op(char code) {
            this.code = code;
        }

        public char code() {
            return code;
        }
    }

    private final Op op;
    private final long lsn;
    private final long committedAtMicros;
    private final Object[] values;
    private final String rejectReason;
    private final Long previousHourMicros;
    private final char rejectedOpCode;
    private final String rejectedPayload;

    public WarehouseRecord(Op op, long lsn, long committedAtMicros, Object[] values) {
        this(op, lsn, committedAtMicros, values, null, null, op.code(), null);
    }

    private WarehouseRecord(
            Op op,
            long lsn,
            long committedAtMicros,
            Object[] values,
            String rejectReason,
            Long previousHourMicros,
            char rejectedOpCode,
            String rejectedPayload) {
        this.op = Objects.requireNonNull(op, "op");
        this.lsn = lsn;
        this.committedAtMicros = committedAtMicros;
        this.values = Objects.requireNonNull(values, "values");
        this.rejectReason = rejectReason;
        this.previousHourMicros = previousHourMicros;
        this.rejectedOpCode = rejectedOpCode;
        this.rejectedPayload = rejectedPayload;
    }

    /**
     * This update with the value the table's hour column had before it (from the source's before
     * image). The apply then looks for the replaced version only in the partitions between the old
     * and new values instead of in all of them.
     */
    public WarehouseRecord withPreviousHourValue(Long micros) {
        return new WarehouseRecord(
                op,
                lsn,
                committedAtMicros,
                values,
                rejectReason,
                micros,
                rejectedOpCode,
                rejectedPayload);
    }

    /** The hour column's value before this change, or {@code null} when not known. */
    public Long previousHourMicros() {
        return previousHourMicros;
    }

    /**
     * A change that must not be applied but must not be lost either: the sink stores it in the
     * dead-letter table with {@code reason}, in the same commit as the rest of its batch.
     */
    public static WarehouseRecord rejected(
            String reason, Op op, long lsn, long committedAtMicros, Object[] values) {
        return new WarehouseRecord(
                op,
                lsn,
                committedAtMicros,
                values,
                Objects.requireNonNull(reason, "reason"),
                null,
                op.code(),
                null);
    }

    /**
     * As {@link #rejected(String, Op, long, long, Object[])}, for a change that never became a row
     * of the table (the source could not convert it, or it is no row change at all, such as a
     * truncate): the dead letter keeps the source's op code as received and {@code payloadJson},
     * the change as the source delivered it.
     */
    public static WarehouseRecord rejectedRaw(
            String reason, char opCode, long lsn, long committedAtMicros, String payloadJson) {
        return new WarehouseRecord(
                Op.UPDATE,
                lsn,
                committedAtMicros,
                new Object[0],
                Objects.requireNonNull(reason, "reason"),
                null,
                opCode,
                payloadJson);
    }

    /** The op code a dead letter of this record shows. */
    public char rejectedOpCode() {
        return rejectedOpCode;
    }

    /** The dead letter's payload when given as is (see {@link #rejectedRaw}), else null. */
    public String rejectedPayload() {
        return rejectedPayload;
    }

    /** Why this record goes to the dead-letter table, or {@code null} for a normal change. */
    public String rejectReason() {
        return rejectReason;
    }

    public Op op() {
        return op;
    }

    public long lsn() {
        return lsn;
    }

    /** Source commit time in microseconds since the epoch; 0 when unknown. */
    public long committedAtMicros() {
        return committedAtMicros;
    }

    public Object[] values() {
        return values;
    }

    @Override
    public String toString() {
        return "WarehouseRecord{"
                + op
                + ", lsn="
                + lsn
                + ", values="
                + Arrays.toString(values)
                + '}';
    }
}
