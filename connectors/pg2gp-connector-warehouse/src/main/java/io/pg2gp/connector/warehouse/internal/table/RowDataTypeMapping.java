package io.pg2gp.connector.warehouse.internal.table;

import io.pg2gp.connector.warehouse.ColumnType;

import org.apache.flink.annotation.Internal;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LogicalType;

import java.io.Serializable;

/**
 * Flink SQL types to warehouse column types, and Flink's internal values ({@code RowData} fields)
 * to the Java values {@link ColumnType} documents. The table in docs/sql-connector.md lists the
 * same mapping; a type not listed there fails at planning time, naming the column.
 */
@Internal
public final class RowDataTypeMapping {

    /** Converts one non-null internal field value. */
    @FunctionalInterface
    public interface FieldConverter extends Serializable {
        Object convert(Object internal);
    }

    static final String SUPPORTED =
            "BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL, CHAR, VARCHAR/STRING,"
                    + " DATE, TIME, TIMESTAMP, TIMESTAMP_LTZ, BINARY/VARBINARY/BYTES and ARRAYs of"
                    + " the scalar types except binary";

    private RowDataTypeMapping() {}

    /**
     * The warehouse type of a column; {@code targetType} (the existing target column's type as
     * {@code format_type} prints it, or null) lets a string column land in json, jsonb or uuid.
     *
     * @throws ValidationException naming the column when the type has no mapping
     */
    public static ColumnType columnType(String column, LogicalType type, String targetType) {
        ColumnType mapped = scalar(type);
        if (mapped == ColumnType.TEXT && targetType != null) {
            switch (targetType) {
                case "jsonb":
                    return ColumnType.JSONB;
                case "json":
                    return ColumnType.JSON;
                case "uuid":
                    return ColumnType.UUID;
                default:
                    return mapped;
            }
        }
        if (mapped == null && type instanceof ArrayType) {
            ColumnType element = scalar(((ArrayType) type).getElementType());
            for (ColumnType candidate : ColumnType.values()) {
                if (element != null && candidate.elementType() == element) {
                    return candidate;
                }
            }
        }
        if (mapped == null) {
            throw new ValidationException(
                    "column '"
                            + column
                            + "' has type "
                            + type.asSummaryString()
                            + ", which the greenplum connector cannot map; supported: "
                            + SUPPORTED);
        }
        return mapped;
    }

    private static ColumnType scalar(LogicalType type) {
        switch (type.getTypeRoot()) {
            case BOOLEAN:
                return ColumnType.BOOL;
            case TINYINT:
            case SMALLINT:
                return ColumnType.INT2;
            case INTEGER:
                return ColumnType.INT4;
            case BIGINT:
                return ColumnType.INT8;
            case FLOAT:
                return ColumnType.FLOAT4;
            case DOUBLE:
                return ColumnType.FLOAT8;
            case DECIMAL:
                return ColumnType.NUMERIC;
            case CHAR:
            case VARCHAR:
                return ColumnType.TEXT;
            case DATE:
                return ColumnType.DATE;
            case TIME_WITHOUT_TIME_ZONE:
                return ColumnType.TIME;
            case TIMESTAMP_WITHOUT_TIME_ZONE:
                return ColumnType.TIMESTAMP;
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
                return ColumnType.TIMESTAMPTZ;
            case BINARY:
            case VARBINARY:
                return ColumnType.BYTEA;
            default:
                return null;
        }
    }

    /** The column's type in the DDL of {@code sink.create-table}: numeric keeps (p,s). */
    public static String ddlType(ColumnType columnType, LogicalType type) {
        if (columnType == ColumnType.NUMERIC) {
            DecimalType d = (DecimalType) type;
            return "numeric(" + d.getPrecision() + ", " + d.getScale() + ")";
        }
        return columnType.sqlName();
    }

    /** Converts a non-null internal value of {@code type} to the value its column type expects. */
    public static FieldConverter converter(LogicalType type) {
        switch (type.getTypeRoot()) {
            case TINYINT:
                return v -> (short) (byte) v;
            case CHAR:
            case VARCHAR:
                return Object::toString;
            case DECIMAL:
                return v -> ((DecimalData) v).toBigDecimal();
            case TIME_WITHOUT_TIME_ZONE:
                // Flink's TIME holds milliseconds of the day
                return v -> ((Integer) v) * 1000L;
            case TIMESTAMP_WITHOUT_TIME_ZONE:
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
                return v -> micros((TimestampData) v);
            case ARRAY:
                LogicalType elementType = ((ArrayType) type).getElementType();
                ArrayData.ElementGetter getter = ArrayData.createElementGetter(elementType);
                FieldConverter element = converter(elementType);
                return v -> {
                    ArrayData array = (ArrayData) v;
                    Object[] out = new Object[array.size()];
                    for (int i = 0; i < out.length; i++) {
                        Object e = getter.getElementOrNull(array, i);
                        out[i] = e == null ? null : element.convert(e);
                    }
                    return out;
                };
            default:
                return v -> v;
        }
    }

    /** Microseconds since the epoch; PostgreSQL keeps no finer precision. */
    public static long micros(TimestampData t) {
        return t.getMillisecond() * 1000L + t.getNanoOfMillisecond() / 1000;
    }
}
