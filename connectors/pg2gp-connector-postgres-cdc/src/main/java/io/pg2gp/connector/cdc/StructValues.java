package io.pg2gp.connector.cdc;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Typed reads of Debezium row values as the PostgreSQL connector encodes them ({@code uuid} and
 * {@code jsonb} as strings, {@code timestamptz} as an ISO-8601 string in UTC).
 */
public final class StructValues {

    /**
     * What Debezium sends for a TOASTed value an UPDATE did not change (with REPLICA IDENTITY
     * DEFAULT). It must never reach the warehouse.
     */
    public static final String UNAVAILABLE = "__debezium_unavailable_value";

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

    public static Integer int32(Struct row, Field field, String name) {
        Object v = value(row, field, name);
        return v == null ? null : ((Number) v).intValue();
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
        String text = v.toString();
        long fast = IsoTimestamps.parseMicros(text);
        if (fast != IsoTimestamps.UNPARSED) {
            return fast;
        }
        Instant i = OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1_000;
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
