package io.pg2gp.connector.warehouse.internal.writer;

import io.pg2gp.connector.warehouse.ColumnType;
import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SharedPostgres;

import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * COPY BINARY against COPY TEXT on a real PostgreSQL: the same random rows of every type the binary
 * encoder writes go through both encoders into two tables, which must then hold the same values row
 * for row; values one encoder refuses, the other refuses with the same reason. The text encoder's
 * own round trip is {@link CopyTextEncoderITCase}.
 */
class CopyBinaryEncoderITCase {

    private static final long SEED = Long.getLong("pg2gp.copy.seed", 20261204L);
    private static final int ROWS = 4000;

    /** Every type the binary encoder writes. */
    private static final ColumnType[] TYPES = CopyBinaryEncoder.TYPES.toArray(new ColumnType[0]);

    private static final String[] PIECES = {
        "'",
        "\"",
        "\\",
        "\\\\",
        "\t",
        "\n",
        "\r\n",
        "\\N",
        "\\.",
        "NULL",
        " ",
        ",",
        "{",
        "}",
        "Привет",
        "ёЁ",
        "😀",
        "👩\u200D👩\u200D👧",
        "𝄞",
        "中文字",
        "\u00a0",
        "\u2028",
        "\ufeff",
        "\u007f",
        "\u0001",
        "\uffff",
        "\uDBFF\uDFFF",
        "a",
        "123"
    };

    private static final long MIN_TS = micros(Instant.parse("0001-01-01T00:00:00Z"));
    private static final long MAX_TS = micros(Instant.parse("9999-12-31T23:59:59.999999Z"));
    private static final long MIN_DAY = LocalDate.of(1, 1, 1).toEpochDay();
    private static final long MAX_DAY = LocalDate.of(9999, 12, 31).toEpochDay();

    private final Random random = new Random(SEED);

    private static long micros(Instant i) {
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }

    @Test
    void binaryAndTextCopiesOfTheSameRowsHoldTheSameValues() throws Exception {
        ByteBuf text = new ByteBuf(1 << 16);
        ByteBuf binary = new ByteBuf(1 << 16);
        binary.write(new byte[] {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0});
        CopyBinaryEncoder.writeInt(0, binary);
        CopyBinaryEncoder.writeInt(0, binary);
        int kept = 0;
        int refused = 0;
        for (int row = 0; row < ROWS; row++) {
            Object[] values = randomRow();
            int textMark = text.size();
            int binaryMark = binary.size();
            CopyBinaryEncoder.writeShort(TYPES.length + 1, binary);
            String textError = null;
            String binaryError = null;
            for (int col = 0;
                    col < TYPES.length && textError == null && binaryError == null;
                    col++) {
                textError = CopyTextEncoder.encodeValue(TYPES[col], values[col], text);
                text.write('\t');
                binaryError = CopyBinaryEncoder.encodeField(TYPES[col], values[col], binary);
            }
            assertThat(binaryError)
                    .as("row %d (seed %d): %s", row, SEED, java.util.Arrays.toString(values))
                    .isEqualTo(textError);
            if (textError != null) {
                text.truncate(textMark);
                binary.truncate(binaryMark);
                refused++;
                continue;
            }
            text.writeAscii(Integer.toString(row));
            text.write('\n');
            CopyBinaryEncoder.encodeField(ColumnType.INT4, row, binary);
            kept++;
        }
        binary.write(0xFF);
        binary.write(0xFF);
        assertThat(refused).isPositive();

        PostgresServer server = SharedPostgres.warehouse();
        String db = server.createDatabase(SharedPostgres.uniqueDatabase("copybinary"));
        try (Connection c = server.connect(db);
                Statement s = c.createStatement()) {
            StringBuilder columns = new StringBuilder();
            StringBuilder definitions = new StringBuilder();
            for (int col = 0; col < TYPES.length; col++) {
                columns.append("c").append(col).append(", ");
                definitions.append("c").append(col).append(' ').append(TYPES[col].sqlName());
                definitions.append(", ");
            }
            s.execute("CREATE TABLE via_text (" + definitions + "rownum integer)");
            s.execute("CREATE TABLE via_binary (" + definitions + "rownum integer)");
            var copy = c.unwrap(PGConnection.class).getCopyAPI();
            long viaText =
                    copy.copyIn(
                            "COPY via_text (" + columns + "rownum) FROM STDIN",
                            new ByteArrayInputStream(text.array(), 0, text.size()));
            long viaBinary =
                    copy.copyIn(
                            "COPY via_binary (" + columns + "rownum) FROM STDIN (FORMAT binary)",
                            new ByteArrayInputStream(binary.array(), 0, binary.size()));
            assertThat(viaText).isEqualTo(kept);
            assertThat(viaBinary).isEqualTo(kept);

            // Every column as text (json has no equality), so -0 and 0, NaN and NaN compare too.
            StringBuilder asText = new StringBuilder();
            for (int col = 0; col < TYPES.length; col++) {
                asText.append("c").append(col).append("::text AS c").append(col).append(", ");
            }
            String select = "SELECT " + asText + "rownum FROM ";
            List<String> differences = new ArrayList<>();
            try (ResultSet rs =
                    s.executeQuery(
                            "SELECT coalesce(t.rownum, b.rownum), row_to_json(t)::text,"
                                    + " row_to_json(b)::text FROM ("
                                    + select
                                    + "via_text) t FULL JOIN ("
                                    + select
                                    + "via_binary) b ON t.rownum = b.rownum WHERE t IS DISTINCT"
                                    + " FROM b ORDER BY 1 LIMIT 20")) {
                while (rs.next()) {
                    differences.add(
                            "row "
                                    + rs.getInt(1)
                                    + "\n text   "
                                    + rs.getString(2)
                                    + "\n binary "
                                    + rs.getString(3));
                }
            }
            assertThat(differences).as("seed %d", SEED).isEmpty();
        }
    }

    private Object[] randomRow() {
        Object[] v = new Object[TYPES.length];
        for (int i = 0; i < TYPES.length; i++) {
            v[i] = random.nextInt(10) == 0 ? null : randomValue(TYPES[i]);
        }
        if (random.nextInt(40) == 0) {
            // A value both encoders must refuse.
            switch (random.nextInt(5)) {
                case 0 -> v[column(ColumnType.TEXT)] = "NUL:\u0000";
                case 1 -> v[column(ColumnType.JSONB)] = "{\"k\": \"\uD83D\"}";
                case 2 -> v[column(ColumnType.INT4)] = 1L << 40;
                case 3 -> v[column(ColumnType.DATE)] = (int) MAX_DAY + 1;
                default -> v[column(ColumnType.TIMESTAMPTZ)] = MAX_TS + 1;
            }
        }
        return v;
    }

    private static int column(ColumnType type) {
        return java.util.Arrays.asList(TYPES).indexOf(type);
    }

    private Object randomValue(ColumnType type) {
        switch (type) {
            case TEXT:
                return randomText();
            case UUID:
                String u = UUID.randomUUID().toString();
                return switch (random.nextInt(4)) {
                    case 0 -> u.toUpperCase();
                    case 1 -> u.replace("-", "");
                    case 2 -> "{" + u + "}";
                    default -> u;
                };
            case JSONB:
            case JSON:
                return "{\"k\": "
                        + random.nextInt()
                        + ", \"s\": \""
                        + randomText()
                                .replace("\\", "\\\\")
                                .replace("\"", "\\\"")
                                .replace("\n", "\\n")
                                .replace("\r", "\\r")
                                .replace("\t", "\\t")
                                .replaceAll("[\\x00-\\x1f]", "")
                        + "\", \"a\": [1, 2.50, null]}";
            case INT2:
                return (short) random.nextInt();
            case INT4:
                return random.nextBoolean() ? random.nextInt() : Integer.MIN_VALUE;
            case INT8:
                return random.nextBoolean() ? random.nextLong() : Long.MAX_VALUE;
            case FLOAT4:
                float[] specialF = {Float.NaN, Float.NEGATIVE_INFINITY, -0.0f, Float.MIN_VALUE};
                return random.nextInt(5) == 0
                        ? specialF[random.nextInt(specialF.length)]
                        : (float) random.nextGaussian() * 1e6f;
            case FLOAT8:
                double[] specialD = {Double.NaN, Double.POSITIVE_INFINITY, -0.0, Double.MAX_VALUE};
                return random.nextInt(5) == 0
                        ? specialD[random.nextInt(specialD.length)]
                        : random.nextGaussian() * Math.pow(10, random.nextInt(40) - 20);
            case BOOL:
                return random.nextBoolean();
            case NUMERIC:
                if (random.nextInt(10) == 0) {
                    return new Object[] {Double.NaN, 42L, 0, new BigDecimal("0.000")}
                            [random.nextInt(4)];
                }
                BigInteger unscaled = new BigInteger(random.nextInt(130) + 1, random);
                BigDecimal d = new BigDecimal(unscaled, random.nextInt(30) - 6);
                return random.nextBoolean() ? d.negate() : d;
            case TIMESTAMPTZ:
                if (random.nextInt(20) == 0) {
                    return random.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE;
                }
                return MIN_TS + (long) (random.nextDouble() * (MAX_TS - MIN_TS));
            case TIMESTAMP:
                return MIN_TS + (long) (random.nextDouble() * (MAX_TS - MIN_TS));
            case DATE:
                return (int) (MIN_DAY + (long) (random.nextDouble() * (MAX_DAY - MIN_DAY)));
            case TIME:
                return (long) (random.nextDouble() * 86_400_000_000L);
            case BYTEA:
                byte[] b = new byte[random.nextInt(40)];
                random.nextBytes(b);
                return b;
            default:
                throw new IllegalArgumentException(type.toString());
        }
    }

    private String randomText() {
        StringBuilder sb = new StringBuilder();
        int n = random.nextInt(10);
        for (int i = 0; i < n; i++) {
            sb.append(PIECES[random.nextInt(PIECES.length)]);
        }
        return sb.toString();
    }
}
