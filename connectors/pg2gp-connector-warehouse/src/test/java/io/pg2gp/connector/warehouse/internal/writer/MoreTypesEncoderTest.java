package io.pg2gp.connector.warehouse.internal.writer;

import io.pg2gp.connector.warehouse.ColumnType;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * COPY TEXT of the types the SQL connector added; that the warehouse reads them back as the same
 * values is shown by the SQL connector's ITCases on PostgreSQL and Greenplum.
 */
class MoreTypesEncoderTest {

    /** The encoded field, or "ERROR: reason". */
    private static String encode(ColumnType type, Object value) {
        ByteBuf out = new ByteBuf(16);
        String error = CopyTextEncoder.encodeValue(type, value, out);
        return error != null
                ? "ERROR: " + error
                : new String(out.array(), 0, out.size(), StandardCharsets.UTF_8);
    }

    @Test
    void smallintIsRangeChecked() {
        assertThat(encode(ColumnType.INT2, (short) -32768)).isEqualTo("-32768");
        assertThat(encode(ColumnType.INT2, 32768)).startsWith("ERROR: value 32768 out of range");
    }

    @Test
    void numericIsPlainDigitsAndRealIsShortest() {
        assertThat(encode(ColumnType.NUMERIC, new BigDecimal("1E+3"))).isEqualTo("1000");
        assertThat(encode(ColumnType.NUMERIC, new BigDecimal("-0.000001"))).isEqualTo("-0.000001");
        assertThat(encode(ColumnType.FLOAT4, 0.1f)).isEqualTo("0.1");
        assertThat(encode(ColumnType.FLOAT4, Float.MAX_VALUE)).isEqualTo("3.4028235E38");
    }

    @Test
    void timeAndTimestampWithoutZone() {
        assertThat(encode(ColumnType.TIME, 0L)).isEqualTo("00:00:00");
        assertThat(encode(ColumnType.TIME, 45_296_789_000L)).isEqualTo("12:34:56.789");
        assertThat(encode(ColumnType.TIMESTAMP, -1L)).isEqualTo("1969-12-31 23:59:59.999999");
        assertThat(encode(ColumnType.TIMESTAMP, 0L)).isEqualTo("1970-01-01 00:00:00");
        assertThat(encode(ColumnType.TIMESTAMP, 253_402_300_800_000_000L))
                .startsWith("ERROR: date/time out of range");
    }

    @Test
    void byteaIsHexWithItsBackslashEscaped() {
        assertThat(encode(ColumnType.BYTEA, new byte[] {0, (byte) 0xff, 0x5c}))
                .isEqualTo("\\\\x00ff5c");
        assertThat(encode(ColumnType.BYTEA, new byte[0])).isEqualTo("\\\\x");
    }

    @Test
    void arrayElementsAreQuotedThenTheLiteralIsEscapedForCopy() {
        assertThat(encode(ColumnType.INT4_ARRAY, new Object[] {1, null, -3}))
                .isEqualTo("{\"1\",NULL,\"-3\"}");
        assertThat(encode(ColumnType.TEXT_ARRAY, new Object[] {"a\tb", "q\"d", "b\\s", "NULL"}))
                .isEqualTo("{\"a\\tb\",\"q\\\\\"d\",\"b\\\\\\\\s\",\"NULL\"}");
        assertThat(encode(ColumnType.TEXT_ARRAY, new Object[0])).isEqualTo("{}");
        assertThat(encode(ColumnType.INT2_ARRAY, new Object[] {70000}))
                .startsWith("ERROR: array element 1: value 70000 out of range");
        assertThat(encode(ColumnType.TEXT_ARRAY, new Object[] {"nul\u0000"}))
                .startsWith("ERROR: array: contains a NUL byte");
    }
}
