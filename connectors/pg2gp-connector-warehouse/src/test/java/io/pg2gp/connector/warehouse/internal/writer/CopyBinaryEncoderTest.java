package io.pg2gp.connector.warehouse.internal.writer;

import io.pg2gp.connector.warehouse.ColumnType;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The binary formats where the encoder does the server's parsing: numeric's base-10000 digits and
 * uuid's accepted spellings. That PostgreSQL reads every type back as the text path's value is
 * {@link CopyBinaryEncoderITCase}.
 */
class CopyBinaryEncoderTest {

    private static int[] shorts(ByteBuf out, int from) {
        int[] s = new int[(out.size() - from) / 2];
        for (int i = 0; i < s.length; i++) {
            byte[] b = out.array();
            s[i] = (short) (((b[from + 2 * i] & 0xFF) << 8) | (b[from + 2 * i + 1] & 0xFF));
        }
        return s;
    }

    private static int[] numeric(String value) {
        ByteBuf out = new ByteBuf(16);
        CopyBinaryEncoder.writeNumeric(new BigDecimal(value), out);
        return shorts(out, 0);
    }

    @Test
    void numericDigitsAreGroupedFromTheDecimalPoint() {
        // ndigits, weight, sign, dscale, digits...
        assertThat(numeric("12345.678")).containsExactly(3, 1, 0, 3, 1, 2345, 6780);
        assertThat(numeric("-0.0001234")).containsExactly(2, -1, 0x4000, 7, 1, 2340);
        assertThat(numeric("1E+8")).containsExactly(1, 2, 0, 0, 1);
        assertThat(numeric("0.000")).containsExactly(0, 0, 0, 3);
        assertThat(numeric("10000.0001")).containsExactly(3, 1, 0, 4, 1, 0, 1);
    }

    private static String uuid(String s) {
        ByteBuf out = new ByteBuf(16);
        String error = CopyBinaryEncoder.writeUuid(s, out);
        return error != null ? "ERROR" : Arrays.toString(Arrays.copyOf(out.array(), out.size()));
    }

    @Test
    void uuidAcceptsWhatPostgresAcceptsAndNothingElse() {
        String canonical = uuid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        assertThat(canonical).isNotEqualTo("ERROR");
        assertThat(uuid("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11")).isEqualTo(canonical);
        assertThat(uuid("{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}")).isEqualTo(canonical);
        assertThat(uuid("a0eebc999c0b4ef8bb6d6bb9bd380a11")).isEqualTo(canonical);
        assertThat(uuid("a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11")).isEqualTo(canonical);
        for (String bad :
                new String[] {
                    "",
                    "a0eebc99",
                    "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11",
                    "a0e-ebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
                    "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-",
                    "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a110",
                    "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
                    "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
                    "\u0660\u0660eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
                }) {
            assertThat(uuid(bad)).as(bad).isEqualTo("ERROR");
        }
    }

    @Test
    void aRefusedFieldLeavesTheBufferAsItWas() {
        ByteBuf out = new ByteBuf(16);
        out.write('x');
        assertThat(CopyBinaryEncoder.encodeField(ColumnType.TEXT, "a\u0000b", out))
                .contains("NUL byte");
        assertThat(CopyBinaryEncoder.encodeField(ColumnType.UUID, "nope", out)).contains("uuid");
        assertThat(CopyBinaryEncoder.encodeField(ColumnType.NUMERIC, "1.2.3", out))
                .contains("not a number");
        assertThat(out.size()).isEqualTo(1);
    }
}
