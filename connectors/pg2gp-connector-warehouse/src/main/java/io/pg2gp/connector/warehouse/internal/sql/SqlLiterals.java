package io.pg2gp.connector.warehouse.internal.sql;

import org.apache.flink.annotation.Internal;

import java.util.Collection;
import java.util.stream.Collectors;

/** Literal rendering for statements that cannot take bind parameters (CREATE TABLE AS, DDL). */
@Internal
public final class SqlLiterals {

    private SqlLiterals() {}

    /** A standard-conforming string literal; rejects NUL, which no PostgreSQL string holds. */
    public static String string(String s) {
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("string literal contains NUL");
        }
        return "'" + s.replace("'", "''") + "'";
    }

    /** A parenthesised list of bigint literals for {@code IN (...)}. */
    public static String longList(Collection<Long> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("empty IN list");
        }
        return values.stream().map(String::valueOf).collect(Collectors.joining(",", "(", ")"));
    }
}
