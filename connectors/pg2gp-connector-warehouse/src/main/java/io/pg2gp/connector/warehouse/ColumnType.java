package io.pg2gp.connector.warehouse;

import org.apache.flink.annotation.PublicEvolving;

/**
 * Warehouse column types the sink can stage. The Java value each type expects is documented per
 * constant; {@code null} is always allowed.
 */
@PublicEvolving
public enum ColumnType {
    /** {@link String}. */
    TEXT("text"),
    /** {@link String} in canonical UUID form. */
    UUID("uuid"),
    /** {@link String} holding JSON text. */
    JSONB("jsonb"),
    /** {@link Integer} or {@link Short}. */
    INT4("integer"),
    /** {@link Long} or any {@link Number}. */
    INT8("bigint"),
    /** {@link Double}. */
    FLOAT8("double precision"),
    /** {@link Boolean}. */
    BOOL("boolean"),
    /** {@link Long}: microseconds since the epoch, UTC. */
    TIMESTAMPTZ("timestamptz"),
    /** {@link Integer}: days since the epoch. */
    DATE("date"),
    /** {@link Short} or any integral {@link Number} in range. */
    INT2("smallint"),
    /** {@link Float}. */
    FLOAT4("real"),
    /** {@link java.math.BigDecimal}. */
    NUMERIC("numeric"),
    /** {@link Long}: microseconds since midnight. */
    TIME("time"),
    /** {@link Long}: microseconds since the epoch of a local date-time (no time zone). */
    TIMESTAMP("timestamp"),
    /** {@code byte[]}. */
    BYTEA("bytea"),
    /** {@link String} holding JSON text, stored as {@code json}. */
    JSON("json"),
    /** {@code Object[]} of {@link Boolean}, elements may be null (as are all arrays below). */
    BOOL_ARRAY("boolean[]"),
    /** {@code Object[]} of {@link Short}. */
    INT2_ARRAY("smallint[]"),
    /** {@code Object[]} of {@link Integer}. */
    INT4_ARRAY("integer[]"),
    /** {@code Object[]} of {@link Long}. */
    INT8_ARRAY("bigint[]"),
    /** {@code Object[]} of {@link Float}. */
    FLOAT4_ARRAY("real[]"),
    /** {@code Object[]} of {@link Double}. */
    FLOAT8_ARRAY("double precision[]"),
    /** {@code Object[]} of {@link java.math.BigDecimal}. */
    NUMERIC_ARRAY("numeric[]"),
    /** {@code Object[]} of {@link String}. */
    TEXT_ARRAY("text[]"),
    /** {@code Object[]} of {@link Integer} days since the epoch. */
    DATE_ARRAY("date[]"),
    /** {@code Object[]} of {@link Long} local microseconds, as {@link #TIMESTAMP}. */
    TIMESTAMP_ARRAY("timestamp[]"),
    /** {@code Object[]} of {@link Long} microseconds since the epoch, UTC. */
    TIMESTAMPTZ_ARRAY("timestamptz[]");

    private final String sqlName;

    ColumnType(String sqlName) {
        this.sqlName = sqlName;
    }

    /** The element type of an array type, or {@code null} for a scalar type. */
    public ColumnType elementType() {
        switch (this) {
            case BOOL_ARRAY:
                return BOOL;
            case INT2_ARRAY:
                return INT2;
            case INT4_ARRAY:
                return INT4;
            case INT8_ARRAY:
                return INT8;
            case FLOAT4_ARRAY:
                return FLOAT4;
            case FLOAT8_ARRAY:
                return FLOAT8;
            case NUMERIC_ARRAY:
                return NUMERIC;
            case TEXT_ARRAY:
                return TEXT;
            case DATE_ARRAY:
                return DATE;
            case TIMESTAMP_ARRAY:
                return TIMESTAMP;
            case TIMESTAMPTZ_ARRAY:
                return TIMESTAMPTZ;
            default:
                return null;
        }
    }

    /** The type's name in PostgreSQL and Greenplum DDL. */
    public String sqlName() {
        return sqlName;
    }
}
