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
    DATE("date");

    private final String sqlName;

    ColumnType(String sqlName) {
        this.sqlName = sqlName;
    }

    /** The type's name in PostgreSQL and Greenplum DDL. */
    public String sqlName() {
        return sqlName;
    }
}
