package io.pg2gp.connector.warehouse.internal.writer;

import io.pg2gp.connector.warehouse.ColumnType;

import org.apache.flink.annotation.Internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.EnumSet;
import java.util.Set;

/**
 * Encodes values in PostgreSQL's COPY BINARY field format (a 4-byte length, then the type's send
 * format), which the server reads without the text parsing of timestamps, uuids and numbers: a
 * staging {@code COPY} of the enriched requests took 5.9–6.2 s per 1M rows instead of 9.0–10.8 s
 * (docs/benchmarks.md). Accepts and rejects the same values as {@link CopyTextEncoder}, with the
 * same reasons, so a row's fate does not depend on the format. Arrays are left to COPY TEXT.
 */
@Internal
public final class CopyBinaryEncoder {

    /** The types this encoder writes; a table with any other column is staged as COPY TEXT. */
    public static final Set<ColumnType> TYPES =
            EnumSet.of(
                    ColumnType.TEXT,
                    ColumnType.UUID,
                    ColumnType.JSONB,
                    ColumnType.JSON,
                    ColumnType.INT2,
                    ColumnType.INT4,
                    ColumnType.INT8,
                    ColumnType.FLOAT4,
                    ColumnType.FLOAT8,
                    ColumnType.BOOL,
                    ColumnType.NUMERIC,
                    ColumnType.TIMESTAMPTZ,
                    ColumnType.TIMESTAMP,
                    ColumnType.DATE,
                    ColumnType.TIME,
                    ColumnType.BYTEA);

    /** 2000-01-01, PostgreSQL's epoch for dates and timestamps, in Unix days and micros. */
    private static final int PG_EPOCH_DAYS = 10_957;

    private static final long PG_EPOCH_MICROS = PG_EPOCH_DAYS * 86_400_000_000L;
    private static final long MIN_MICROS = LocalDate.of(1, 1, 1).toEpochDay() * 86_400_000_000L;
    private static final long END_MICROS = LocalDate.of(10000, 1, 1).toEpochDay() * 86_400_000_000L;
    private static final BigInteger TEN_THOUSAND = BigInteger.valueOf(10_000);

    private CopyBinaryEncoder() {}

    /** Appends {@code -1} (null) or the length and bytes of one field; null or the reason. */
    static String encodeField(ColumnType type, Object v, ByteBuf out) {
        if (v == null) {
            writeInt(-1, out);
            return null;
        }
        int lengthAt = out.size();
        writeInt(0, out);
        String error;
        try {
            error = encodeValue(type, v, out);
        } catch (ClassCastException e) {
            error = "value of type " + v.getClass().getSimpleName() + " does not fit " + type;
        } catch (java.time.DateTimeException e) {
            error = "date/time out of range: " + e.getMessage();
        } catch (ArithmeticException | NumberFormatException e) {
            error = "not a number " + type.sqlName() + " can hold: " + v;
        }
        if (error != null) {
            out.truncate(lengthAt);
            return error;
        }
        putInt(out.array(), lengthAt, out.size() - lengthAt - 4);
        return null;
    }

    private static String encodeValue(ColumnType type, Object v, ByteBuf out) {
        switch (type) {
            case TEXT:
            case JSON:
                return CopyTextEncoder.writeUtf8(v.toString(), out, false);
            case JSONB:
                out.write(1); // jsonb's binary format version, then the JSON text
                return CopyTextEncoder.writeUtf8(v.toString(), out, false);
            case UUID:
                return writeUuid(v.toString(), out);
            case INT2:
                long s = ((Number) v).longValue();
                if (s < Short.MIN_VALUE || s > Short.MAX_VALUE) {
                    return "value " + s + " out of range for smallint";
                }
                writeShort((int) s, out);
                return null;
            case INT4:
                if (!(v instanceof Number)) {
                    return "expected a number, got " + v.getClass().getSimpleName();
                }
                long i = ((Number) v).longValue();
                if (i < Integer.MIN_VALUE || i > Integer.MAX_VALUE) {
                    return "value " + i + " out of range for integer";
                }
                writeInt((int) i, out);
                return null;
            case INT8:
                if (!(v instanceof Number)) {
                    return "expected a number, got " + v.getClass().getSimpleName();
                }
                writeLong(((Number) v).longValue(), out);
                return null;
            case FLOAT4:
                writeInt(Float.floatToIntBits(((Number) v).floatValue()), out);
                return null;
            case FLOAT8:
                writeLong(Double.doubleToLongBits(((Number) v).doubleValue()), out);
                return null;
            case BOOL:
                out.write(((Boolean) v) ? 1 : 0);
                return null;
            case NUMERIC:
                if (v instanceof BigDecimal) {
                    writeNumeric((BigDecimal) v, out);
                } else if (!writeSpecialNumeric(v, out)) {
                    writeNumeric(new BigDecimal(v.toString()), out);
                }
                return null;
            case TIMESTAMPTZ:
                long micros = ((Number) v).longValue();
                // ±infinity: the source's sentinels are PostgreSQL's own binary ones
                writeLong(
                        micros == Long.MAX_VALUE || micros == Long.MIN_VALUE
                                ? micros
                                : checkedTimestamp(micros),
                        out);
                return null;
            case TIMESTAMP:
                writeLong(checkedTimestamp(((Number) v).longValue()), out);
                return null;
            case DATE:
                LocalDate d = LocalDate.ofEpochDay(((Number) v).longValue());
                if (d.getYear() < 1 || d.getYear() > 9999) {
                    return "date year " + d.getYear() + " outside 0001..9999";
                }
                writeInt((int) (d.toEpochDay() - PG_EPOCH_DAYS), out);
                return null;
            case TIME:
                long ofDay = ((Number) v).longValue();
                LocalTime.ofNanoOfDay(Math.multiplyExact(ofDay, 1000L)); // the text path's range
                writeLong(ofDay, out);
                return null;
            case BYTEA:
                out.write((byte[]) v);
                return null;
            default:
                return "unsupported type " + type + " for COPY BINARY";
        }
    }

    /** Micros since PostgreSQL's epoch, for years 1 to 9999 as the text path writes them. */
    private static long checkedTimestamp(long micros) {
        if (micros < MIN_MICROS || micros >= END_MICROS) {
            int year = LocalDate.ofEpochDay(Math.floorDiv(micros, 86_400_000_000L)).getYear();
            throw new java.time.DateTimeException("year " + year);
        }
        return micros - PG_EPOCH_MICROS;
    }

    /**
     * The 16 bytes of a uuid written as PostgreSQL's {@code uuid_in} reads it: 32 hex digits, a
     * hyphen allowed after any group of four, optionally in braces.
     */
    static String writeUuid(String s, ByteBuf out) {
        int from = 0;
        int to = s.length();
        if (to >= 2 && s.charAt(0) == '{' && s.charAt(to - 1) == '}') {
            from++;
            to--;
        }
        byte[] bytes = new byte[16];
        int digits = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '-'
                    && digits > 0
                    && digits % 4 == 0
                    && digits < 32
                    && i + 1 < to
                    && s.charAt(i + 1) != '-') {
                continue;
            }
            int h = Character.digit(c, 16);
            if (h < 0 || c > 'f' || digits == 32) {
                return "invalid input syntax for type uuid: \"" + s + "\"";
            }
            bytes[digits >> 1] |= (byte) ((digits & 1) == 0 ? h << 4 : h);
            digits++;
        }
        if (digits != 32) {
            return "invalid input syntax for type uuid: \"" + s + "\"";
        }
        out.write(bytes);
        return null;
    }

    /**
     * {@code numeric_send}'s format: digit count, weight and sign (int16 each), display scale, then
     * base-10000 digits, grouped from the decimal point.
     */
    static void writeNumeric(BigDecimal value, ByteBuf out) {
        int dscale = Math.max(value.scale(), 0);
        BigInteger unscaled = value.setScale(dscale).unscaledValue().abs();
        // Pad the fraction to whole groups of four digits, so groups split at the decimal point.
        int pad = (4 - dscale % 4) % 4;
        BigInteger groups = unscaled.multiply(BigInteger.TEN.pow(pad));
        int fractionGroups = (dscale + pad) / 4;
        int[] digits = new int[Math.max(1, groups.bitLength() / 13 + 2)];
        int n = 0;
        while (groups.signum() > 0) {
            BigInteger[] qr = groups.divideAndRemainder(TEN_THOUSAND);
            digits[n++] = qr[1].intValue();
            groups = qr[0];
        }
        // digits[] is least significant first; drop zero groups at the low end
        int low = 0;
        while (low < n && digits[low] == 0) {
            low++;
        }
        int count = n - low;
        writeShort(count, out);
        writeShort(count == 0 ? 0 : n - 1 - fractionGroups, out);
        writeShort(value.signum() < 0 ? 0x4000 : 0, out);
        writeShort(dscale, out);
        for (int i = n - 1; i >= low; i--) {
            writeShort(digits[i], out);
        }
    }

    /** NaN and ±Infinity, which COPY TEXT passes as words (infinity needs PostgreSQL 14). */
    private static boolean writeSpecialNumeric(Object v, ByteBuf out) {
        if (!(v instanceof Double || v instanceof Float)) {
            return false;
        }
        double d = ((Number) v).doubleValue();
        if (!Double.isNaN(d) && !Double.isInfinite(d)) {
            return false;
        }
        writeShort(0, out);
        writeShort(0, out);
        writeShort(Double.isNaN(d) ? 0xC000 : d > 0 ? 0xD000 : 0xF000, out);
        writeShort(0, out);
        return true;
    }

    static void writeShort(int v, ByteBuf out) {
        out.write(v >>> 8);
        out.write(v);
    }

    static void writeInt(int v, ByteBuf out) {
        byte[] b = out.reserve(4);
        putInt(b, out.size(), v);
        out.truncate(out.size() + 4);
    }

    static void writeLong(long v, ByteBuf out) {
        writeInt((int) (v >>> 32), out);
        writeInt((int) v, out);
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }
}
