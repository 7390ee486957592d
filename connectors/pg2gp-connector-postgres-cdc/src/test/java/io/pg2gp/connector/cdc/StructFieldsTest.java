package io.pg2gp.connector.cdc;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StructFieldsTest {

    private static final Schema V1 =
            SchemaBuilder.struct()
                    .name("t.Value")
                    .field("id", Schema.STRING_SCHEMA)
                    .field("n", Schema.OPTIONAL_INT32_SCHEMA)
                    .build();

    /** The same table with a column added: a new schema instance, id at another position. */
    private static final Schema V2 =
            SchemaBuilder.struct()
                    .name("t.Value")
                    .field("extra", Schema.OPTIONAL_STRING_SCHEMA)
                    .field("id", Schema.STRING_SCHEMA)
                    .field("n", Schema.OPTIONAL_INT32_SCHEMA)
                    .build();

    @Test
    void resolvesOncePerSchemaAndAgainWhenTheSchemaChanges() {
        StructFields fields = new StructFields("id", "n", "missing");
        Struct a = new Struct(V1).put("id", "a").put("n", 1);
        Struct b = new Struct(V1).put("id", "b").put("n", 2);
        Field[] first = fields.of(a);
        assertThat(fields.of(b)).isSameAs(first);
        assertThat(first[2]).isNull();
        assertThat(StructValues.text(b, null, first[0], "id")).isEqualTo("b");
        assertThat(StructValues.int32(b, first[1], "n")).isEqualTo(2);

        Struct c = new Struct(V2).put("extra", "x").put("id", "c").put("n", 3);
        Field[] second = fields.of(c);
        assertThat(second).isNotSameAs(first);
        assertThat(StructValues.text(c, null, second[0], "id")).isEqualTo("c");
        assertThat(StructValues.int32(c, second[1], "n")).isEqualTo(3);
    }

    @Test
    void aFieldTheSchemaLacksIsAnErrorNamingIt() {
        StructFields fields = new StructFields("missing");
        Struct a = new Struct(V1).put("id", "a");
        assertThatThrownBy(() -> StructValues.text(a, null, fields.of(a)[0], "missing"))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("missing");
    }

    @Test
    void anUnchangedToastedValueComesFromABeforeImageOfAnotherSchemaByName() {
        Struct after = new Struct(V2).put("id", StructValues.UNAVAILABLE);
        Struct before = new Struct(V1).put("id", "old");
        Field id = new StructFields("id").of(after)[0];
        assertThat(StructValues.text(after, before, id, "id")).isEqualTo("old");
    }
}
