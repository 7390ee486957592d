package io.pg2gp.connector.warehouse.internal.writer;

import io.pg2gp.connector.warehouse.ColumnType;
import io.pg2gp.connector.warehouse.WarehouseTable;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** COPY TEXT encoding of single values and rows, and the values it refuses. */
class CopyTextEncoderTest {

    private static final WarehouseTable ROW =
            WarehouseTable.builder("public", "t")
                    .column("id", ColumnType.INT8)
                    .column("body", ColumnType.TEXT)
                    .column("n", ColumnType.INT4)
                    .column("note", ColumnType.TEXT)
                    .key("id")
                    .build();

    /** The COPY TEXT field for {@code value} in a column of {@code type}, without the tab. */
    private static String field(ColumnType type, Object value) {
        ByteBuf out = new ByteBuf(16);
        String error = encoderFor(type).encodeColumns(new Object[] {value}, out);
        assertThat(error).as("encoding %s as %s", value, type).isNull();
        String s = new String(out.array(), 0, out.size(), StandardCharsets.UTF_8);
        assertThat(s).endsWith("\t");
        return s.substring(0, s.length() - 1);
    }

    /** Why {@code value} cannot be encoded in column {@code c} of type {@code type}. */
    private static String rejection(ColumnType type, Object value) {
        ByteBuf out = new ByteBuf(16);
        String error = encoderFor(type).encodeColumns(new Object[] {value}, out);
        assertThat(out.size()).as("buffer after rejecting %s", value).isZero();
        return error;
    }

    private static CopyTextEncoder encoderFor(ColumnType type) {
        return new CopyTextEncoder(
                WarehouseTable.builder("public", "t").column("c", type).key("c").build());
    }

    private static long micros(String instant) {
        Instant i = Instant.parse(instant);
        return Math.addExact(
                Math.multiplyExact(i.getEpochSecond(), 1_000_000L), i.getNano() / 1000);
    }

    @Test
    void escapesBackslashTabNewlineAndCarriageReturn() {
        assertThat(field(ColumnType.TEXT, "a\\b\tc\nd\re")).isEqualTo("a\\\\b\\tc\\nd\\re");
        assertThat(field(ColumnType.TEXT, "\\N")).isEqualTo("\\\\N");
        assertThat(field(ColumnType.TEXT, "\\.")).isEqualTo("\\\\.");
        assertThat(field(ColumnType.TEXT, "\r\n")).isEqualTo("\\r\\n");
        assertThat(field(ColumnType.TEXT, "")).isEmpty();
        assertThat(field(ColumnType.TEXT, "it's \"quoted\", ok")).isEqualTo("it's \"quoted\", ok");
        assertThat(field(ColumnType.JSONB, "{\"a\":\"x\\ty\"}")).isEqualTo("{\"a\":\"x\\\\ty\"}");
    }

    @Test
    void nullIsBackslashNInEveryType() {
        for (ColumnType type : ColumnType.values()) {
            assertThat(field(type, null)).as(type.name()).isEqualTo("\\N");
        }
    }

    @Test
    void everyColumnIsFollowedByATab() {
        ByteBuf out = new ByteBuf(4);
        assertThat(new CopyTextEncoder(ROW).encodeColumns(new Object[] {1L, "x", null, ""}, out))
                .isNull();
        assertThat(new String(out.array(), 0, out.size(), StandardCharsets.UTF_8))
                .isEqualTo("1\tx\t\\N\t\t");
    }

    @Test
    void timestampsAreUtcWithMicroseconds() {
        assertThat(field(ColumnType.TIMESTAMPTZ, 0L)).isEqualTo("1970-01-01 00:00:00+00");
        assertThat(field(ColumnType.TIMESTAMPTZ, micros("2024-02-29T13:45:07.000123Z")))
                .isEqualTo("2024-02-29 13:45:07.000123+00");
        assertThat(field(ColumnType.TIMESTAMPTZ, 1L)).isEqualTo("1970-01-01 00:00:00.000001+00");
    }

    @Test
    void fractionsKeepAllSixDigitsAndWholeSecondsHaveNone() {
        assertThat(field(ColumnType.TIMESTAMPTZ, 1_500_000L))
                .isEqualTo("1970-01-01 00:00:01.500000+00");
        assertThat(field(ColumnType.TIMESTAMPTZ, 120_000L))
                .isEqualTo("1970-01-01 00:00:00.120000+00");
        assertThat(field(ColumnType.TIMESTAMPTZ, micros("2030-06-01T23:59:59Z")))
                .isEqualTo("2030-06-01 23:59:59+00");
    }

    @Test
    void negativeEpochTimestampsCountBackwards() {
        assertThat(field(ColumnType.TIMESTAMPTZ, -1L)).isEqualTo("1969-12-31 23:59:59.999999+00");
        assertThat(field(ColumnType.TIMESTAMPTZ, -1_500_000L))
                .isEqualTo("1969-12-31 23:59:58.500000+00");
        assertThat(field(ColumnType.TIMESTAMPTZ, -1_000_000L)).isEqualTo("1969-12-31 23:59:59+00");
        assertThat(field(ColumnType.TIMESTAMPTZ, micros("1900-02-28T01:02:03.400Z")))
                .isEqualTo("1900-02-28 01:02:03.400000+00");
    }

    @Test
    void timestampsCoverYearsOneTo9999AndNothingElse() {
        assertThat(field(ColumnType.TIMESTAMPTZ, micros("0001-01-01T00:00:00Z")))
                .isEqualTo("0001-01-01 00:00:00+00");
        assertThat(field(ColumnType.TIMESTAMPTZ, micros("9999-12-31T23:59:59.999999Z")))
                .isEqualTo("9999-12-31 23:59:59.999999+00");
        assertThat(rejection(ColumnType.TIMESTAMPTZ, micros("0001-01-01T00:00:00Z") - 1))
                .startsWith("column c: date/time out of range");
        assertThat(rejection(ColumnType.TIMESTAMPTZ, micros("9999-12-31T23:59:59.999999Z") + 1))
                .startsWith("column c: date/time out of range");
        assertThat(rejection(ColumnType.TIMESTAMPTZ, Long.MAX_VALUE - 1))
                .startsWith("column c: date/time out of range");
    }

    @Test
    void postgresInfinitySentinelsAreWrittenAsInfinity() {
        assertThat(field(ColumnType.TIMESTAMPTZ, Long.MAX_VALUE)).isEqualTo("infinity");
        assertThat(field(ColumnType.TIMESTAMPTZ, Long.MIN_VALUE)).isEqualTo("-infinity");
    }

    @Test
    void datesAreIsoDaysSinceTheEpoch() {
        assertThat(field(ColumnType.DATE, 0)).isEqualTo("1970-01-01");
        assertThat(field(ColumnType.DATE, -1)).isEqualTo("1969-12-31");
        assertThat(field(ColumnType.DATE, (int) LocalDate.of(2024, 2, 29).toEpochDay()))
                .isEqualTo("2024-02-29");
        assertThat(field(ColumnType.DATE, (int) LocalDate.of(1, 1, 1).toEpochDay()))
                .isEqualTo("0001-01-01");
        assertThat(field(ColumnType.DATE, (int) LocalDate.of(9999, 12, 31).toEpochDay()))
                .isEqualTo("9999-12-31");
    }

    @Test
    void integersBooleansAndDoubles() {
        assertThat(field(ColumnType.INT4, Integer.MIN_VALUE)).isEqualTo("-2147483648");
        assertThat(field(ColumnType.INT4, (short) -7)).isEqualTo("-7");
        assertThat(field(ColumnType.INT4, 2_147_483_647L)).isEqualTo("2147483647");
        assertThat(field(ColumnType.INT8, Long.MIN_VALUE)).isEqualTo("-9223372036854775808");
        assertThat(field(ColumnType.INT8, 5)).isEqualTo("5");
        assertThat(field(ColumnType.BOOL, true)).isEqualTo("t");
        assertThat(field(ColumnType.BOOL, false)).isEqualTo("f");
        assertThat(field(ColumnType.FLOAT8, 0.1)).isEqualTo("0.1");
        assertThat(field(ColumnType.FLOAT8, Double.NaN)).isEqualTo("NaN");
        assertThat(field(ColumnType.FLOAT8, Double.NEGATIVE_INFINITY)).isEqualTo("-Infinity");
    }

    @Test
    void integersOutOfRangeAreRejected() {
        assertThat(rejection(ColumnType.INT4, 2_147_483_648L))
                .isEqualTo("column c: value 2147483648 out of range for integer");
        assertThat(rejection(ColumnType.INT4, -2_147_483_649L))
                .isEqualTo("column c: value -2147483649 out of range for integer");
        assertThat(rejection(ColumnType.INT4, "12")).startsWith("column c: expected a number");
        assertThat(rejection(ColumnType.INT8, "12")).startsWith("column c: expected a number");
    }

    @Test
    void nulIsRejectedNamingTheColumnAndTheBufferIsLeftAsItWas() {
        assertRejectedLeavingBufferUnchanged(
                new Object[] {1L, "before\u0000after", 3, "x"}, "column body: contains a NUL byte");
        // Columns before the bad one were already written: they must be taken back too.
        assertRejectedLeavingBufferUnchanged(
                new Object[] {1L, "fine\ttext", 3, "\u0000"}, "column note: contains a NUL byte");
    }

    @Test
    void unpairedSurrogatesAreRejectedNamingTheColumnAndTheBufferIsLeftAsItWas() {
        assertRejectedLeavingBufferUnchanged(
                new Object[] {1L, "ok", 3, "tail \uD83D"},
                "column note: contains an unpaired UTF-16 surrogate at offset 5");
        assertRejectedLeavingBufferUnchanged(
                new Object[] {1L, "\uD83Dx", 3, "x"},
                "column body: contains an unpaired UTF-16 surrogate at offset 0");
        assertRejectedLeavingBufferUnchanged(
                new Object[] {1L, "ab\uDE00", 3, "x"},
                "column body: contains an unpaired UTF-16 surrogate at offset 2");
    }

    @Test
    void wrongNumberOfValuesIsRejected() {
        assertRejectedLeavingBufferUnchanged(
                new Object[] {1L, "x"}, "row has 2 values, table has 4 columns");
    }

    private static void assertRejectedLeavingBufferUnchanged(Object[] row, String reason) {
        ByteBuf out = new ByteBuf(16);
        byte[] before = "job\t1\t2\t3\t".getBytes(StandardCharsets.UTF_8);
        out.write(before);
        String error = new CopyTextEncoder(ROW).encodeColumns(row, out);
        assertThat(error).startsWith(reason);
        assertThat(out.size()).isEqualTo(before.length);
        assertThat(Arrays.copyOf(out.array(), out.size())).containsExactly(before);
        // The buffer goes on working: the next row lands right after the kept bytes.
        assertThat(new CopyTextEncoder(ROW).encodeColumns(new Object[] {2L, "y", 1, null}, out))
                .isNull();
        assertThat(new String(out.array(), 0, out.size(), StandardCharsets.UTF_8))
                .isEqualTo("job\t1\t2\t3\t2\ty\t1\t\\N\t");
    }

    @Test
    void supplementaryCharactersAreFourByteUtf8() {
        assertThat(bytes(ColumnType.TEXT, "😀")).containsExactly(0xF0, 0x9F, 0x98, 0x80);
        assertThat(bytes(ColumnType.TEXT, "𝄞")).containsExactly(0xF0, 0x9D, 0x84, 0x9E);
        assertThat(bytes(ColumnType.TEXT, "\uDBFF\uDFFF")) // U+10FFFF
                .containsExactly(0xF4, 0x8F, 0xBF, 0xBF);
    }

    @Test
    void otherCharactersAreTheirUtf8() {
        assertThat(bytes(ColumnType.TEXT, "Ж")).containsExactly(0xD0, 0x96);
        assertThat(bytes(ColumnType.TEXT, "€")).containsExactly(0xE2, 0x82, 0xAC);
        assertThat(bytes(ColumnType.TEXT, "\u0080\u07FF\u0800\uFFFF"))
                .containsExactly(0xC2, 0x80, 0xDF, 0xBF, 0xE0, 0xA0, 0x80, 0xEF, 0xBF, 0xBF);
        String mixed = "Привет, мир! 中文 👩‍👩‍👧 ünïcödé \u00a0\u2028";
        assertThat(bytes(ColumnType.TEXT, mixed))
                .containsExactly(mixed.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] bytes(ColumnType type, String value) {
        ByteBuf out = new ByteBuf(1);
        assertThat(encoderFor(type).encodeColumns(new Object[] {value}, out)).isNull();
        return Arrays.copyOf(out.array(), out.size() - 1); // without the tab
    }
}
