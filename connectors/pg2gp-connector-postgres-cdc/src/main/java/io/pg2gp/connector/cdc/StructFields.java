package io.pg2gp.connector.cdc;

import org.apache.flink.annotation.PublicEvolving;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * Named fields of a Debezium {@link Struct}, looked up once per schema: all records of a table (and
 * of one schema version) share the same {@link Schema} instance, and a lookup by name is a hash
 * lookup per field and record (a sixth of the source thread in the snapshot profile). Not
 * thread-safe; one per deserializer.
 */
@PublicEvolving
public final class StructFields {

    private final String[] names;
    private Schema schema;
    private Field[] fields;

    public StructFields(String... names) {
        this.names = names.clone();
    }

    /**
     * The fields of {@code struct}'s schema, in the order of the names given; {@code null} where
     * the schema has no such field.
     */
    public Field[] of(Struct struct) {
        Schema s = struct.schema();
        if (s != schema) {
            Field[] resolved = new Field[names.length];
            for (int i = 0; i < names.length; i++) {
                resolved[i] = s.field(names[i]);
            }
            fields = resolved;
            schema = s;
        }
        return fields;
    }
}
