package io.pg2gp.connector.warehouse.internal.table;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;

import java.util.Arrays;
import java.util.List;

/**
 * The primary key of a row as one string, to partition the sink's input: equal keys give equal
 * strings (each value's text with its length, so no two keys run together); different keys may
 * share a partition, which only matters for balance.
 */
@Internal
public final class RowDataKeySelector implements KeySelector<RowData, String> {

    private static final long serialVersionUID = 1L;

    private final RowData.FieldGetter[] getters;
    private final RowDataTypeMapping.FieldConverter[] converters;

    public RowDataKeySelector(RowType rowType, List<String> key) {
        this.getters = new RowData.FieldGetter[key.size()];
        this.converters = new RowDataTypeMapping.FieldConverter[key.size()];
        for (int i = 0; i < key.size(); i++) {
            int field = rowType.getFieldIndex(key.get(i));
            getters[i] = RowData.createFieldGetter(rowType.getTypeAt(field), field);
            converters[i] = RowDataTypeMapping.converter(rowType.getTypeAt(field));
        }
    }

    @Override
    public String getKey(RowData row) {
        StringBuilder key = new StringBuilder();
        for (int i = 0; i < getters.length; i++) {
            Object v = getters[i].getFieldOrNull(row);
            String text;
            if (v == null) {
                text = "\u0000";
            } else {
                Object converted = converters[i].convert(v);
                text =
                        converted instanceof byte[]
                                ? Arrays.toString((byte[]) converted)
                                : converted instanceof Object[]
                                        ? Arrays.deepToString((Object[]) converted)
                                        : converted.toString();
            }
            key.append(text.length()).append(':').append(text);
        }
        return key.toString();
    }
}
