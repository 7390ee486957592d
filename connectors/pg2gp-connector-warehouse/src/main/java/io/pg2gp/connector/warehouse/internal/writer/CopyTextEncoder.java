package io.pg2gp.connector.warehouse.internal.writer;

import io.pg2gp.connector.warehouse.ColumnType;
import io.pg2gp.connector.warehouse.WarehouseTable;

import org.apache.flink.annotation.Internal;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Encodes rows in PostgreSQL's COPY TEXT format (tab delimiter, {@code \N} for null, backslash
 * escapes), which Greenplum's COPY and gpfdist TEXT external tables read the same way. Values that
 * no PostgreSQL text column can hold are rejected with a reason instead of being written.
 */
@Internal
public final class CopyTextEncoder {

    private final ColumnType[] types;
    private final String[] names;

    public CopyTextEncoder(WarehouseTable table) {
        List<WarehouseTable.Column> cols = table.columns();
        this.types = new ColumnType[cols.size()];
        this.names = new String[cols.size()];
        for (int i = 0; i < cols.size(); i++) {
            types[i] = cols.get(i).type();
            names[i] = cols.get(i).name();
        }
    }

    /**
     * Appends the data columns of one row, each followed by a tab. Returns {@code null} when the
     * row was written, else the reason it cannot be (and the buffer is left as it was).
     */
    public String encodeColumns(Object[] values, ByteBuf out) {
        if (values.length != types.length) {
            return "row has " + values.length + " values, table has " + types.length + " columns";
        }
        int mark = out.size();
        for (int i = 0; i < types.length; i++) {
            String error = encodeValue(types[i], values[i], out);
            if (error != null) {
                out.truncate(mark);
                return "column " + names[i] + ": " + error;
            }
            out.write('\t');
        }
        return null;
    }

    static String encodeValue(ColumnType type, Object v, ByteBuf out) {
        if (v == null) {
            out.write('\\');
            out.write('N');
            return null;
        }
        try {
            switch (type) {
                case TEXT:
                case JSONB:
                case UUID:
                    return writeEscaped(v.toString(), out);
                case INT4:
                case INT8:
                    if (!(v instanceof Number)) {
                        return "expected a number, got " + v.getClass().getSimpleName();
                    }
                    if (type == ColumnType.INT4 && !(v instanceof Integer || v instanceof Short)) {
                        long l = ((Number) v).longValue();
                        if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
                            return "value " + l + " out of range for integer";
                        }
                    }
                    out.writeAscii(Long.toString(((Number) v).longValue()));
                    return null;
                case FLOAT8:
                    out.writeAscii(Double.toString(((Number) v).doubleValue()));
                    return null;
                case BOOL:
                    out.write(((Boolean) v) ? 't' : 'f');
                    return null;
                case TIMESTAMPTZ:
                    long micros = ((Number) v).longValue();
                    // PostgreSQL's own sentinels for ±infinity, as the source connector reads them
                    if (micros == Long.MAX_VALUE) {
                        out.writeAscii("infinity");
                    } else if (micros == Long.MIN_VALUE) {
                        out.writeAscii("-infinity");
                    } else {
                        writeTimestamp(micros, out);
                    }
                    return null;
                case DATE:
                    LocalDate d = LocalDate.ofEpochDay(((Number) v).longValue());
                    if (d.getYear() < 1 || d.getYear() > 9999) {
                        return "date year " + d.getYear() + " outside 0001..9999";
                    }
                    out.writeAscii(d.toString());
                    return null;
                default:
                    return MoreTypesEncoder.encode(type, v, out);
            }
        } catch (ClassCastException e) {
            return "value of type " + v.getClass().getSimpleName() + " does not fit " + type;
        } catch (java.time.DateTimeException e) {
            return "date/time out of range: " + e.getMessage();
        }
    }

    private static void writeTimestamp(long micros, ByteBuf out) {
        long seconds = Math.floorDiv(micros, 1_000_000L);
        int fraction = (int) Math.floorMod(micros, 1_000_000L);
        LocalDateTime t = LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC);
        int year = t.getYear();
        if (year < 1 || year > 9999) {
            throw new java.time.DateTimeException("year " + year);
        }
        pad(year, 4, out);
        out.write('-');
        pad(t.getMonthValue(), 2, out);
        out.write('-');
        pad(t.getDayOfMonth(), 2, out);
        out.write(' ');
        pad(t.getHour(), 2, out);
        out.write(':');
        pad(t.getMinute(), 2, out);
        out.write(':');
        pad(t.getSecond(), 2, out);
        if (fraction != 0) {
            out.write('.');
            pad(fraction, 6, out);
        }
        out.write('+');
        out.write('0');
        out.write('0');
    }

    private static void pad(int value, int width, ByteBuf out) {
        int div = 1;
        for (int i = 1; i < width; i++) {
            div *= 10;
        }
        for (; div > 0; div /= 10) {
            out.write('0' + (value / div) % 10);
        }
    }

    /**
     * Writes UTF-8 with COPY TEXT escapes; rejects what PostgreSQL text cannot store. The chars are
     * copied out in bulk and the bytes written straight into the buffer (at most three per char):
     * {@code charAt} on non-Latin strings costs a bounds check and a decode per char.
     */
    static String writeEscaped(String s, ByteBuf out) {
        return writeUtf8(s, out, true);
    }

    /**
     * Writes {@code s} as UTF-8, with COPY TEXT's escapes for backslash and the control characters
     * it reserves if {@code escapes}; returns the reason when PostgreSQL text cannot store it (a
     * NUL, an unpaired surrogate), leaving the buffer as it was.
     */
    static String writeUtf8(String s, ByteBuf out, boolean escapes) {
        int n = s.length();
        char[] chars = out.chars(n);
        s.getChars(0, n, chars, 0);
        byte[] b = out.reserve(3 * n);
        int p = out.size();
        for (int i = 0; i < n; i++) {
            char c = chars[i];
            if (c < 0x80) {
                if (c >= 0x20 && c != '\\') {
                    b[p++] = (byte) c;
                    continue;
                }
                if (c == 0) {
                    return "contains a NUL byte (0x00), which PostgreSQL and Greenplum text"
                            + " cannot store";
                }
                if (!escapes) {
                    b[p++] = (byte) c;
                    continue;
                }
                switch (c) {
                    case '\\':
                        b[p++] = '\\';
                        b[p++] = '\\';
                        break;
                    case '\n':
                        b[p++] = '\\';
                        b[p++] = 'n';
                        break;
                    case '\r':
                        b[p++] = '\\';
                        b[p++] = 'r';
                        break;
                    case '\t':
                        b[p++] = '\\';
                        b[p++] = 't';
                        break;
                    default:
                        b[p++] = (byte) c;
                }
            } else if (c < 0x800) {
                b[p++] = (byte) (0xC0 | (c >> 6));
                b[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c)) {
                if (i + 1 >= n || !Character.isLowSurrogate(chars[i + 1])) {
                    return "contains an unpaired UTF-16 surrogate at offset " + i;
                }
                int cp = Character.toCodePoint(c, chars[++i]);
                b[p++] = (byte) (0xF0 | (cp >> 18));
                b[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                b[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                b[p++] = (byte) (0x80 | (cp & 0x3F));
            } else if (Character.isLowSurrogate(c)) {
                return "contains an unpaired UTF-16 surrogate at offset " + i;
            } else {
                b[p++] = (byte) (0xE0 | (c >> 12));
                b[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                b[p++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        out.truncate(p);
        return null;
    }
}
