package io.pg2gp.connector.cdc;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StructValuesTest {

    private static final Schema ROW =
            SchemaBuilder.struct()
                    .field("at", Schema.OPTIONAL_STRING_SCHEMA)
                    .field("n32", Schema.OPTIONAL_INT32_SCHEMA)
                    .field("n64", Schema.OPTIONAL_INT64_SCHEMA)
                    .field("s", Schema.OPTIONAL_STRING_SCHEMA)
                    .build();

    private static Long at(String text) {
        return StructValues.timestampMicros(new Struct(ROW).put("at", text), "at");
    }

    @Test
    void infiniteTimestampsAreThePostgresSentinels() {
        assertThat(at("infinity")).isEqualTo(StructValues.POSITIVE_INFINITY_MICROS);
        assertThat(at("-infinity")).isEqualTo(StructValues.NEGATIVE_INFINITY_MICROS);
        assertThat(StructValues.isInfinite(at("infinity"))).isTrue();
        assertThat(StructValues.isInfinite(at("2025-03-01T10:00:00Z"))).isFalse();
        assertThat(at("2025-03-01T10:00:00Z")).isEqualTo(1_740_823_200_000_000L);
        assertThat(at(null)).isNull();
    }

    @Test
    void anUnparsableTimestampIsADataExceptionNamingColumnAndValue() {
        assertThatThrownBy(() -> at("not a time"))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("column at")
                .hasMessageContaining("not a time");
    }

    @Test
    void aWidenedIntegerIsCheckedNotWrapped() {
        Struct r = new Struct(ROW).put("n32", 7).put("n64", 2_147_483_647L);
        assertThat(StructValues.int32(r, "n32")).isEqualTo(7);
        assertThat(StructValues.int32(r, "n64")).isEqualTo(Integer.MAX_VALUE);
        Struct big = new Struct(ROW).put("n64", 5_000_000_001L);
        assertThatThrownBy(() -> StructValues.int32(big, "n64"))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("5000000001")
                .hasMessageContaining("out of range");
        Struct negative = new Struct(ROW).put("n64", -2_147_483_649L);
        assertThatThrownBy(() -> StructValues.int32(negative, "n64"))
                .isInstanceOf(DataException.class);
        Struct text = new Struct(ROW).put("s", "12");
        assertThatThrownBy(() -> StructValues.int32(text, "s"))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("expected an integer");
    }

    @Test
    void rawRowsRenderBothImagesAsJson() {
        Struct after = new Struct(ROW).put("at", "inf\"inity\n").put("n64", 5_000_000_001L);
        assertThat(RawRows.toJson("u", null, after))
                .isEqualTo(
                        "{\"op\":\"u\",\"before\":null,\"after\":{\"at\":\"inf\\\"inity\\u000a\","
                                + "\"n32\":null,\"n64\":5000000001,\"s\":null}}");
    }
}
