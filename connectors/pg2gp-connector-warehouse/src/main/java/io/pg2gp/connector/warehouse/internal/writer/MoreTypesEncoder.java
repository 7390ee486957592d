package io.pg2gp.connector.warehouse.internal.writer;

import io.pg2gp.connector.warehouse.ColumnType;

import org.apache.flink.annotation.Internal;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * COPY TEXT for the column types the SQL connector added (smallint, real, numeric, time, timestamp,
 * bytea, json, arrays); {@link CopyTextEncoder} hands every type it does not encode itself to here.
 * Kept apart so the seed tables' hot path stays as it was.
 */
@Internal
final class MoreTypesEncoder {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private MoreTypesEncoder() {}

    static String encode(ColumnType type, Object v, ByteBuf out) {
        if (type.elementType() != null) {
            return encodeArray(type.elementType(), v, out);
        }
        switch (type) {
            case INT2:
                long l = ((Number) v).longValue();
                if (l < Short.MIN_VALUE || l > Short.MAX_VALUE) {
                    return "value " + l + " out of range for smallint";
                }
                out.writeAscii(Long.toString(l));
                return null;
            case FLOAT4:
                // Float.toString is the shortest text that reads back as the same float
                out.writeAscii(Float.toString(((Number) v).floatValue()));
                return null;
            case NUMERIC:
                out.writeAscii(
                        v instanceof BigDecimal ? ((BigDecimal) v).toPlainString() : v.toString());
                return null;
            case TIME:
                out.writeAscii(time(((Number) v).longValue()));
                return null;
            case TIMESTAMP:
                out.writeAscii(timestamp(((Number) v).longValue()));
                return null;
            case BYTEA:
                writeBytea((byte[]) v, out);
                return null;
            case JSON:
                return CopyTextEncoder.writeEscaped(v.toString(), out);
            default:
                return "unsupported type " + type;
        }
    }

    /** {@code HH:MM:SS[.ffffff]}. */
    static String time(long microsOfDay) {
        LocalTime t = LocalTime.ofNanoOfDay(Math.multiplyExact(microsOfDay, 1000L));
        return t.toString().length() == 5 ? t + ":00" : t.toString();
    }

    /** {@code YYYY-MM-DD HH:MM:SS[.ffffff]}, years 1 to 9999 (as the warehouse writes them). */
    static String timestamp(long micros) {
        long seconds = Math.floorDiv(micros, 1_000_000L);
        int nanos = (int) Math.floorMod(micros, 1_000_000L) * 1000;
        LocalDateTime t = LocalDateTime.ofEpochSecond(seconds, nanos, ZoneOffset.UTC);
        if (t.getYear() < 1 || t.getYear() > 9999) {
            throw new java.time.DateTimeException("year " + t.getYear() + " outside 0001..9999");
        }
        return t.toLocalDate() + " " + time(t.toLocalTime().toNanoOfDay() / 1000);
    }

    /** Hex format {@code \x0a1b}; its backslash doubled for COPY TEXT. */
    private static void writeBytea(byte[] bytes, ByteBuf out) {
        out.write('\\');
        out.write('\\');
        out.write('x');
        for (byte b : bytes) {
            out.write(HEX[(b >> 4) & 0xF]);
            out.write(HEX[b & 0xF]);
        }
    }

    /**
     * An array literal {@code {"e1",NULL,"e2"}}: every element quoted (valid for every element
     * type, and text needs it for commas, braces and blanks), then the whole literal escaped for
     * COPY TEXT like any text value.
     */
    private static String encodeArray(ColumnType element, Object v, ByteBuf out) {
        Object[] items = v instanceof List ? ((List<?>) v).toArray() : (Object[]) v;
        StringBuilder literal = new StringBuilder(items.length * 8 + 2).append('{');
        ByteBuf scratch = new ByteBuf(64);
        for (int i = 0; i < items.length; i++) {
            if (i > 0) {
                literal.append(',');
            }
            Object item = items[i];
            if (item == null) {
                literal.append("NULL");
                continue;
            }
            String text;
            if (element == ColumnType.TEXT) {
                text = item.toString();
            } else {
                scratch.clear();
                String error = CopyTextEncoder.encodeValue(element, item, scratch);
                if (error != null) {
                    return "array element " + (i + 1) + ": " + error;
                }
                text =
                        new String(
                                scratch.array(),
                                0,
                                scratch.size(),
                                java.nio.charset.StandardCharsets.UTF_8);
            }
            literal.append('"');
            for (int j = 0; j < text.length(); j++) {
                char c = text.charAt(j);
                if (c == '"' || c == '\\') {
                    literal.append('\\');
                }
                literal.append(c);
            }
            literal.append('"');
        }
        String error = CopyTextEncoder.writeEscaped(literal.append('}').toString(), out);
        return error == null ? null : "array: " + error;
    }
}
