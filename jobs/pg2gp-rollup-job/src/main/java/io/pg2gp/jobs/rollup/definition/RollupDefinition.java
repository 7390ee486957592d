package io.pg2gp.jobs.rollup.definition;

import io.pg2gp.connector.warehouse.WarehouseDialect;

import java.io.Serializable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One rollup from {@code sql/rollups/<name>.sql}: the DDL of its table and the SELECT that computes
 * the table's rows for the hours picked by the {@code {{hours}}} predicate. The table's first
 * column is its hour.
 */
public final class RollupDefinition implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final String MARKER = "-- @recompute";
    private static final Pattern MARKER_LINE = Pattern.compile("(?m)^-- @recompute\\s*$");
    static final Pattern TABLE =
            Pattern.compile(
                    "CREATE TABLE IF NOT EXISTS \\{\\{schema}}\\.([a-z_][a-z0-9_]*)",
                    Pattern.CASE_INSENSITIVE);
    private static final Pattern DISTRIBUTED = Pattern.compile("\\{\\{distributed:([a-z_, ]+)}}");

    private final String name;
    private final String table;
    private final String ddl;
    private final String select;

    private RollupDefinition(String name, String table, String ddl, String select) {
        this.name = name;
        this.table = table;
        this.ddl = ddl;
        this.select = select;
    }

    /** Parses a rollup file; {@code name} is the file name without {@code .sql}. */
    public static RollupDefinition parse(String name, String text) {
        Matcher marker = MARKER_LINE.matcher(text);
        int at = marker.find() ? marker.start() : -1;
        if (at < 0) {
            throw new IllegalArgumentException(
                    "rollup " + name + ": no '" + MARKER + "' line before its SELECT");
        }
        String ddl = stripComments(text.substring(0, at)).trim();
        String select = stripComments(text.substring(at + MARKER.length())).trim();
        if (select.endsWith(";")) {
            select = select.substring(0, select.length() - 1);
        }
        Matcher m = TABLE.matcher(ddl);
        if (!m.find()) {
            throw new IllegalArgumentException(
                    "rollup " + name + ": no CREATE TABLE IF NOT EXISTS {{schema}}.<table>");
        }
        if (!select.contains("{{hours}}")) {
            throw new IllegalArgumentException(
                    "rollup " + name + ": its SELECT must filter with {{hours}}");
        }
        return new RollupDefinition(name, m.group(1), ddl, select);
    }

    static String stripComments(String sql) {
        return sql.replaceAll("(?m)^[ \\t]*--[^\\n]*\\n?", "");
    }

    public String name() {
        return name;
    }

    /** The rollup table, qualified. */
    public String table(String schema) {
        return schema + "." + table;
    }

    /** The table's DDL for {@code schema} on {@code dialect}. */
    public String ddl(String schema, WarehouseDialect dialect) {
        return render(ddl, schema, dialect);
    }

    /** {@code {{schema}}} and {@code {{distributed:...}}} of a definition's DDL filled in. */
    static String render(String ddl, String schema, WarehouseDialect dialect) {
        Matcher m = DISTRIBUTED.matcher(ddl.replace("{{schema}}", schema));
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(dialect.distributedBy(m.group(1))));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The SELECT computing the rows of the hours that {@code hoursPredicate} selects. */
    public String select(String schema, String hoursPredicate) {
        return select.replace("{{schema}}", schema).replace("{{hours}}", hoursPredicate);
    }
}
