package io.pg2gp.connector.cdc;

import org.apache.flink.annotation.PublicEvolving;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Typed reads of Debezium row values as the PostgreSQL connector encodes them ({@code uuid} and
 * {@code jsonb} as strings, {@code timestamptz} as an ISO-8601 string in UTC).
 */
@PublicEvolving
public final class StructValues {

    /**
     * What Debezium sends for a TOASTed value an UPDATE did not change (with REPLICA IDENTITY
     * DEFAULT). It must never reach the warehouse.
     */
    public static final String UNAVAILABLE = "__debezium_unavailable_value";

    /**
     * PostgreSQL's {@code 'infinity'} timestamp, in microseconds: the same sentinel PostgreSQL
     * itself stores (the largest 64-bit value); the warehouse encoder writes it back as {@code
     * infinity}.
     */
    public static final long POSITIVE_INFINITY_MICROS = Long.MAX_VALUE;

    /** PostgreSQL's {@code '-infinity'} timestamp (the smallest 64-bit value). */
    public static final long NEGATIVE_INFINITY_MICROS = Long.MIN_VALUE;

    private StructValues() {}

    /** A text-like value; an unchanged TOASTed value is taken from {@code before} when present. */
    public static String text(Struct row, Struct before, String field) {
        return text(row, before, row.schema().field(field), field);
    }

    /**
     * As {@link #text(Struct, Struct, String)}, with the field already looked up in {@code row}'s
     * schema (see {@link StructFields}); in Debezium's envelope {@code before} has the same schema.
     */
    public static String text(Struct row, Struct before, Field field, String name) {
        Object v = value(row, field, name);
        if (UNAVAILABLE.equals(v)) {
            Object old =
                    before == null
                            ? null
                            : before.schema() == row.schema()
                                    ? value(before, field, name)
                                    : before.get(name);
            if (old == null || UNAVAILABLE.equals(old)) {
                throw new ToastedValueUnavailableException(name);
            }
            return old.toString();
        }
        return v == null ? null : v.toString();
    }

    public static Integer int32(Struct row, String field) {
        return int32(row, row.schema().field(field), field);
    }

    /**
     * An {@code integer} value. A column widened on the source (e.g. to {@code bigint}) keeps
     * arriving here: a value outside the 32-bit range is an error naming it, never wrapped.
     */
    public static Integer int32(Struct row, Field field, String name) {
        Object v = value(row, field, name);
        if (v == null) {
            return null;
        }
        if (v instanceof Integer i) {
            return i;
        }
        if (v instanceof Short || v instanceof Byte) {
            return ((Number) v).intValue();
        }
        if (v instanceof Long l) {
            if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
                throw new DataException(
                        "column "
                                + name
                                + " value "
                                + l
                                + " is out of range for the warehouse's integer column (was the"
                                + " source column widened?)");
            }
            return l.intValue();
        }
        throw new DataException(
                "column "
                        + name
                        + " has a "
                        + v.getClass().getSimpleName()
                        + " value ("
                        + v
                        + "), expected an integer (was the source column's type changed?)");
    }

    /** A timestamptz as microseconds since the epoch. */
    public static Long timestampMicros(Struct row, String field) {
        return timestampMicros(row, row.schema().field(field), field);
    }

    public static Long timestampMicros(Struct row, Field field, String name) {
        Object v = value(row, field, name);
        if (v == null) {
            return null;
        }
        if (v instanceof Number n) {
            return n.longValue(); // timestamp without zone: MicroTimestamp
        }
        return parseTimestampMicros(v.toString(), name);
    }

    /**
     * An ISO-8601 timestamp with offset, or {@code infinity} / {@code -infinity} (as Debezium and
     * {@code to_jsonb} write them), as microseconds since the epoch; {@code name} is for the error.
     */
    public static long parseTimestampMicros(String text, String name) {
        // Debezium sends PostgreSQL's infinite timestamps as these literal strings.
        if ("infinity".equals(text)) {
            return POSITIVE_INFINITY_MICROS;
        }
        if ("-infinity".equals(text)) {
            return NEGATIVE_INFINITY_MICROS;
        }
        long fast = IsoTimestamps.parseMicros(text);
        if (fast != IsoTimestamps.UNPARSED) {
            return fast;
        }
        Instant i;
        try {
            i = OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeException e) {
            throw new DataException(
                    "column "
                            + name
                            + " value '"
                            + text
                            + "' is not a timestamp: "
                            + e.getMessage(),
                    e);
        }
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1_000;
    }

    /** Whether {@code micros} is one of the infinity sentinels. */
    public static boolean isInfinite(long micros) {
        return micros == POSITIVE_INFINITY_MICROS || micros == NEGATIVE_INFINITY_MICROS;
    }

    /** As {@link Struct#get(String)}: a field the schema lacks is an error naming it. */
    private static Object value(Struct row, Field field, String name) {
        if (field == null) {
            throw new DataException(name + " is not a valid field name");
        }
        return row.get(field);
    }

    /**
     * Thrown when an unchanged TOASTed value is missing and there is no before image to fill it.
     */
    public static final class ToastedValueUnavailableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public ToastedValueUnavailableException(String field) {
            super(
                    "column "
                            + field
                            + " arrived as an unchanged TOASTed value without a before image;"
                            + " run ALTER TABLE ... REPLICA IDENTITY FULL on the source table");
        }
    }
}
