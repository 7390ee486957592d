package io.pg2gp.connector.warehouse.internal.writer;

import io.pg2gp.connector.warehouse.ColumnType;
import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SharedPostgres;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import java.io.ByteArrayInputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property-style round trip: many random rows full of what breaks naive COPY encoders go through
 * {@link CopyTextEncoder} and a real {@code COPY ... FROM STDIN}, and come back value for value.
 */
class CopyTextEncoderITCase {

    /** Fixed so a failure reproduces; override with -Dpg2gp.copy.seed=... to explore. */
    private static final long SEED = Long.getLong("pg2gp.copy.seed", 20240229L);

    private static final int ROWS = 3000;

    private static final WarehouseTable TABLE =
            WarehouseTable.builder("public", "nasty")
                    .column("t", ColumnType.TEXT)
                    .column("u", ColumnType.UUID)
                    .column("j", ColumnType.JSONB)
                    .column("i", ColumnType.INT4)
                    .column("b", ColumnType.INT8)
                    .column("f", ColumnType.FLOAT8)
                    .column("ok", ColumnType.BOOL)
                    .column("ts", ColumnType.TIMESTAMPTZ)
                    .column("d", ColumnType.DATE)
                    .column("t2", ColumnType.TEXT)
                    .key("u")
                    .build();

    private static final long MIN_TS = micros(Instant.parse("0001-01-01T00:00:00Z"));
    private static final long MAX_TS = micros(Instant.parse("9999-12-31T23:59:59.999999Z"));
    private static final long MIN_DAY = LocalDate.of(1, 1, 1).toEpochDay();
    private static final long MAX_DAY = LocalDate.of(9999, 12, 31).toEpochDay();

    private static final String[] PIECES = {
        "'",
        "''",
        "\"",
        "\\",
        "\\\\",
        "\t",
        "\n",
        "\r",
        "\r\n",
        "\\N",
        "\\.",
        "N",
        ".",
        " ",
        ",",
        ";",
        "|",
        "--",
        "/*",
        "$1",
        "%s",
        "NULL",
        "null",
        "E'\\x00'",
        "\\x41",
        "\\u0041",
        "Ж",
        "Привет, мир",
        "ёЁ",
        "😀",
        "👩\u200D👩\u200D👧",
        "𝄞",
        "€",
        "中文字",
        "ünïcödé",
        "\u00a0",
        "\u2028",
        "\ufeff",
        "\u007f",
        "\u0001",
        "\u001b[31m",
        "\b",
        "\f",
        "\u000b",
        "\u0080",
        "\u07ff",
        "\u0800",
        "\uffff",
        "\uDBFF\uDFFF",
        "{\"a\": [1, \"x\"]}",
        "a",
        "bc",
        "123"
    };

    private final Random random = new Random(SEED);
    private final ObjectMapper json = new ObjectMapper();

    private static long micros(Instant i) {
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }

    @Test
    void randomNastyRowsSurviveCopyIntoPostgresExactly() throws Exception {
        PostgresServer server = SharedPostgres.warehouse();
        String db = server.createDatabase(SharedPostgres.uniqueDatabase("copytext"));
        CopyTextEncoder encoder = new CopyTextEncoder(TABLE);
        ByteBuf buffer = new ByteBuf(1 << 16);
        List<Object[]> expected = new ArrayList<>();
        int rejected = 0;
        for (int row = 0; row < ROWS; row++) {
            Object[] values = randomRow();
            boolean poisoned = random.nextInt(50) == 0;
            if (poisoned) {
                // A value PostgreSQL text cannot hold in one of the text columns.
                int col = random.nextBoolean() ? 0 : 9;
                String bad = random.nextBoolean() ? "\u0000" : "\uD83D";
                values[col] = Objects.toString(values[col], "") + bad + "tail";
            }
            int before = buffer.size();
            String error = encoder.encodeColumns(values, buffer);
            if (poisoned) {
                assertThat(error).as("row %d (seed %d)", row, SEED).isNotNull();
                assertThat(buffer.size()).isEqualTo(before);
                rejected++;
                continue;
            }
            assertThat(error).as("row %d (seed %d)", row, SEED).isNull();
            buffer.writeAscii(Integer.toString(row));
            buffer.write('\n');
            Object[] withRow = new Object[values.length + 1];
            System.arraycopy(values, 0, withRow, 0, values.length);
            withRow[values.length] = row;
            expected.add(withRow);
        }
        assertThat(rejected).isPositive();

        try (Connection c = server.connect(db);
                Statement s = c.createStatement()) {
            s.execute(
                    "CREATE TABLE public.nasty (t text, u uuid, j jsonb, i integer, b bigint,"
                            + " f double precision, ok boolean, ts timestamptz, d date, t2 text,"
                            + " rownum integer NOT NULL)");
            String columns =
                    TABLE.columns().stream()
                            .map(WarehouseTable.Column::name)
                            .collect(Collectors.joining(", "));
            long copied =
                    c.unwrap(PGConnection.class)
                            .getCopyAPI()
                            .copyIn(
                                    "COPY public.nasty (" + columns + ", rownum) FROM STDIN",
                                    new ByteArrayInputStream(buffer.array(), 0, buffer.size()));
            assertThat(copied).isEqualTo(expected.size());

            List<String> mismatches = new ArrayList<>();
            int i = 0;
            try (ResultSet rs =
                    s.executeQuery(
                            "SELECT t, u::text, j::text, i, b, f, ok,"
                                    + " (extract(epoch FROM ts) * 1000000)::bigint,"
                                    + " d - date '1970-01-01', t2, rownum"
                                    + " FROM public.nasty ORDER BY rownum")) {
                while (rs.next()) {
                    Object[] want = expected.get(i++);
                    Object[] got = {
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        (Integer) rs.getObject(4),
                        (Long) rs.getObject(5),
                        (Double) rs.getObject(6),
                        (Boolean) rs.getObject(7),
                        (Long) rs.getObject(8),
                        (Integer) rs.getObject(9),
                        rs.getString(10),
                        rs.getInt(11)
                    };
                    for (int col = 0; col < want.length; col++) {
                        if (!same(col, want[col], got[col])) {
                            mismatches.add(
                                    String.format(
                                            "row %s column %s: wrote <%s> read <%s>",
                                            want[want.length - 1],
                                            col < TABLE.columns().size()
                                                    ? TABLE.columns().get(col).name()
                                                    : "rownum",
                                            want[col],
                                            got[col]));
                        }
                    }
                }
            }
            assertThat(i).isEqualTo(expected.size());
            assertThat(mismatches).as("seed %d", SEED).isEmpty();
        }
    }

    /** Whether the value read back in {@code column} is the one written. */
    private boolean same(int column, Object wrote, Object read) throws Exception {
        if (wrote == null || read == null) {
            return wrote == read;
        }
        if (column >= TABLE.columns().size()) {
            return wrote.equals(read); // rownum
        }
        switch (TABLE.columns().get(column).type()) {
            case JSONB:
                // jsonb normalises whitespace and key order; the document must be the same.
                return json.readTree((String) wrote).equals(json.readTree((String) read));
            case INT4:
            case INT8:
            case TIMESTAMPTZ:
            case DATE:
                return ((Number) wrote).longValue() == ((Number) read).longValue();
            case FLOAT8:
                // Bit-exact, NaN equal to NaN, -0.0 distinct from 0.0.
                return Double.compare((Double) wrote, (Double) read) == 0;
            default:
                return wrote.equals(read);
        }
    }

    private Object[] randomRow() {
        Object[] v = new Object[TABLE.columns().size()];
        v[0] = randomText();
        v[1] = randomUuid();
        v[2] = randomJson(0);
        v[3] = randomInt4();
        v[4] = randomInt8();
        v[5] = randomDouble();
        v[6] = random.nextBoolean();
        v[7] = randomTimestamp();
        v[8] = randomDate();
        v[9] = randomText();
        for (int i = 0; i < v.length; i++) {
            if (random.nextInt(8) == 0) {
                v[i] = null;
            }
        }
        return v;
    }

    private String randomText() {
        switch (random.nextInt(12)) {
            case 0:
                return "";
            case 1:
                return new String[] {"\\.", "\\N", "\\", "\t", "\n", "\r", " "}[random.nextInt(7)];
            default:
                StringBuilder sb = new StringBuilder();
                int n = random.nextInt(12);
                for (int i = 0; i < n; i++) {
                    switch (random.nextInt(4)) {
                        case 0:
                            sb.appendCodePoint(randomCodePoint());
                            break;
                        default:
                            sb.append(PIECES[random.nextInt(PIECES.length)]);
                    }
                }
                return sb.toString();
        }
    }

    /** Any Unicode scalar value except NUL: ASCII, 2-, 3- and 4-byte UTF-8. */
    private int randomCodePoint() {
        while (true) {
            int cp;
            switch (random.nextInt(4)) {
                case 0:
                    cp = 1 + random.nextInt(0x7F);
                    break;
                case 1:
                    cp = 0x80 + random.nextInt(0x800 - 0x80);
                    break;
                case 2:
                    cp = 0x800 + random.nextInt(0x10000 - 0x800);
                    break;
                default:
                    cp = 0x10000 + random.nextInt(0x110000 - 0x10000);
            }
            if (cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE) {
                return cp;
            }
        }
    }

    private String randomUuid() {
        switch (random.nextInt(10)) {
            case 0:
                return "00000000-0000-0000-0000-000000000000";
            case 1:
                return "ffffffff-ffff-ffff-ffff-ffffffffffff";
            default:
                return new UUID(random.nextLong(), random.nextLong()).toString();
        }
    }

    /** A JSON document as text, written with random spacing and escapes (never \u0000). */
    private String randomJson(int depth) {
        int kind = depth >= 3 ? 2 + random.nextInt(5) : random.nextInt(7);
        switch (kind) {
            case 0:
                {
                    Set<String> keys = new LinkedHashSet<>();
                    int n = random.nextInt(5);
                    for (int i = 0; i < n; i++) {
                        keys.add(randomJsonSafeText());
                    }
                    return keys.stream()
                            .map(
                                    k ->
                                            jsonString(k)
                                                    + space()
                                                    + ":"
                                                    + space()
                                                    + randomJson(depth + 1))
                            .collect(
                                    Collectors.joining(
                                            "," + space(), "{" + space(), space() + "}"));
                }
            case 1:
                {
                    List<String> items = new ArrayList<>();
                    int n = random.nextInt(5);
                    for (int i = 0; i < n; i++) {
                        items.add(randomJson(depth + 1));
                    }
                    return "[" + space() + String.join("," + space(), items) + space() + "]";
                }
            case 2:
            case 3:
                return jsonString(randomJsonSafeText());
            case 4:
                return Long.toString(
                        random.nextInt(3) == 0 ? random.nextLong() : random.nextInt(1000));
            case 5:
                return random.nextBoolean() ? "true" : "false";
            default:
                return "null";
        }
    }

    private String randomJsonSafeText() {
        // JSON strings may carry anything but a lone surrogate; jsonb refuses \u0000.
        return randomText();
    }

    private String space() {
        return new String[] {"", "", " ", "\n", "\t", "  \r\n"}[random.nextInt(6)];
    }

    private String jsonString(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints()
                .forEach(
                        cp -> {
                            if (cp == '"' || cp == '\\') {
                                sb.append('\\').appendCodePoint(cp);
                            } else if (cp == '\n') {
                                sb.append("\\n");
                            } else if (cp < 0x20 || random.nextInt(10) == 0) {
                                // Control characters must be escaped, others sometimes are; a
                                // supplementary character becomes an escaped surrogate pair.
                                for (char ch : Character.toChars(cp)) {
                                    sb.append(String.format("\\u%04x", (int) ch));
                                }
                            } else {
                                sb.appendCodePoint(cp);
                            }
                        });
        return sb.append('"').toString();
    }

    private Object randomInt4() {
        switch (random.nextInt(8)) {
            case 0:
                return Integer.MIN_VALUE;
            case 1:
                return Integer.MAX_VALUE;
            case 2:
                return (short) random.nextInt();
            case 3:
                return (long) random.nextInt(); // a Long that fits is fine
            default:
                return random.nextInt();
        }
    }

    private Object randomInt8() {
        switch (random.nextInt(6)) {
            case 0:
                return Long.MIN_VALUE;
            case 1:
                return Long.MAX_VALUE;
            case 2:
                return random.nextInt(); // any Number
            default:
                return random.nextLong();
        }
    }

    private Double randomDouble() {
        double[] special = {
            Double.NaN,
            Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY,
            -0.0,
            0.0,
            Double.MIN_VALUE,
            Double.MIN_NORMAL,
            Double.MAX_VALUE,
            -Double.MAX_VALUE,
            0.1,
            1e-300,
            123456789.125
        };
        switch (random.nextInt(4)) {
            case 0:
                return special[random.nextInt(special.length)];
            case 1:
                {
                    double d = Double.longBitsToDouble(random.nextLong());
                    return Double.isNaN(d) ? 1.5 : d;
                }
            default:
                return (random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(30) - 10);
        }
    }

    private long randomTimestamp() {
        switch (random.nextInt(10)) {
            case 0:
                return MIN_TS;
            case 1:
                return MAX_TS;
            case 2:
                return new long[] {0, -1, 1, -1_000_000, 1_500_000, -1_500_000}[random.nextInt(6)];
            case 3:
                // Fractions with trailing zeros and whole seconds.
                return Math.floorDiv(MIN_TS + nextLong(MAX_TS - MIN_TS), 100_000L) * 100_000L;
            case 4:
                return Math.floorDiv(MIN_TS + nextLong(MAX_TS - MIN_TS), 1_000_000L) * 1_000_000L;
            default:
                return MIN_TS + nextLong(MAX_TS - MIN_TS + 1);
        }
    }

    private int randomDate() {
        switch (random.nextInt(6)) {
            case 0:
                return (int) MIN_DAY;
            case 1:
                return (int) MAX_DAY;
            case 2:
                return random.nextInt(3) - 1;
            default:
                return (int) (MIN_DAY + nextLong(MAX_DAY - MIN_DAY + 1));
        }
    }

    private long nextLong(long bound) {
        return Math.floorMod(random.nextLong(), bound);
    }
}
