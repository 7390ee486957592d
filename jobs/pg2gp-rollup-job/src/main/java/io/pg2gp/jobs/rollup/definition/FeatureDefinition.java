package io.pg2gp.jobs.rollup.definition;

import io.pg2gp.connector.warehouse.WarehouseDialect;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One per-key feature table from {@code sql/features/<name>.sql}: its DDL, the SELECT computing its
 * rows for the keys {@code {{keys}}} selects, the test of a stored row still being exact at read
 * time ({@code -- @valid}) and the view that serves the table ({@code -- @view}). The table's first
 * column is its key (the user). See {@code sql/features/user_features.sql}.
 */
public final class FeatureDefinition implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Pattern SECTION = Pattern.compile("(?m)^-- @(recompute|valid|view)\\s*$");
    private static final Pattern FIRST_COLUMN =
            Pattern.compile("CREATE TABLE IF NOT EXISTS \\S+\\s*\\(\\s*([a-z_][a-z0-9_]*)\\s");

    private static final Pattern DO_BLOCK = Pattern.compile("(?s)DO \\$\\$.*?\\$\\$");
    private static final Pattern CREATE_INDEX =
            Pattern.compile(
                    "CREATE INDEX (?:IF NOT EXISTS )?([a-z_][a-z0-9_]*)\\s+ON \\{\\{schema}}\\.([a-z_][a-z0-9_]*)");
    private static final Pattern REGCLASS =
            Pattern.compile("to_regclass\\('\\{\\{schema}}\\.([a-z_][a-z0-9_]*)'\\) IS NULL");

    /**
     * An index the DDL creates on another table (the facts) when none of {@code anyOf} exists:
     * creating it takes that table's owner.
     */
    public record ForeignIndex(String index, String table, List<String> anyOf) {}

    private final String name;
    private final String table;
    private final String keyColumn;
    private final String ddl;
    private final String select;
    private final String valid;
    private final String view;

    private FeatureDefinition(
            String name,
            String table,
            String keyColumn,
            String ddl,
            String select,
            String valid,
            String view) {
        this.name = name;
        this.table = table;
        this.keyColumn = keyColumn;
        this.ddl = ddl;
        this.select = select;
        this.valid = valid;
        this.view = view;
    }

    /** Parses a feature file; {@code name} is the file name without {@code .sql}. */
    public static FeatureDefinition parse(String name, String text) {
        Matcher m = SECTION.matcher(text);
        String[] parts = new String[4];
        String[] order = {"recompute", "valid", "view"};
        int at = 0;
        int part = 0;
        while (m.find()) {
            if (part == 3 || !m.group(1).equals(order[part])) {
                throw new IllegalArgumentException(
                        "feature "
                                + name
                                + ": sections must be -- @recompute, -- @valid, -- @view");
            }
            parts[part++] = text.substring(at, m.start());
            at = m.end();
        }
        if (part != 3) {
            throw new IllegalArgumentException(
                    "feature "
                            + name
                            + ": needs the table DDL, then '-- @recompute', '-- @valid' and"
                            + " '-- @view' sections");
        }
        parts[3] = text.substring(at);
        for (int i = 0; i < 4; i++) {
            parts[i] = RollupDefinition.stripComments(parts[i]).trim();
            if (i > 0 && parts[i].endsWith(";")) {
                parts[i] = parts[i].substring(0, parts[i].length() - 1).trim();
            }
        }
        Matcher t = RollupDefinition.TABLE.matcher(parts[0]);
        Matcher k = FIRST_COLUMN.matcher(parts[0]);
        if (!t.find() || !k.find()) {
            throw new IllegalArgumentException(
                    "feature "
                            + name
                            + ": no CREATE TABLE IF NOT EXISTS {{schema}}.<table> (<key>");
        }
        if (!parts[1].contains("{{keys}}")) {
            throw new IllegalArgumentException(
                    "feature " + name + ": its SELECT must filter with {{keys}}");
        }
        if (!parts[3].contains("{{recompute}}") || !parts[3].contains("{{valid}}")) {
            throw new IllegalArgumentException(
                    "feature " + name + ": its view must use {{valid}} and {{recompute}}");
        }
        return new FeatureDefinition(
                name, t.group(1), k.group(1), parts[0], parts[1], parts[2], parts[3]);
    }

    public String name() {
        return name;
    }

    /** The feature table, qualified. */
    public String table(String schema) {
        return schema + "." + table;
    }

    /** The key column: the table's first. */
    public String keyColumn() {
        return keyColumn;
    }

    /** The table's DDL for {@code schema} on {@code dialect}. */
    public String ddl(String schema, WarehouseDialect dialect) {
        return RollupDefinition.render(ddl, schema, dialect);
    }

    /**
     * The indexes the DDL creates on tables other than its own, from its {@code DO $$ ... $$}
     * blocks (the first CREATE INDEX of each) of the form {@code IF to_regclass('{{schema}}.x') IS
     * NULL ... THEN CREATE INDEX x ON {{schema}}.t}: each with its table and the index names whose
     * existence skips it.
     */
    public List<ForeignIndex> foreignIndexes(String schema) {
        List<ForeignIndex> out = new ArrayList<>();
        Matcher block = DO_BLOCK.matcher(ddl);
        while (block.find()) {
            Matcher index = CREATE_INDEX.matcher(block.group());
            if (!index.find() || index.group(2).equals(table)) {
                continue;
            }
            List<String> names = new ArrayList<>();
            Matcher n = REGCLASS.matcher(block.group());
            while (n.find()) {
                names.add(schema + "." + n.group(1));
            }
            if (!names.isEmpty()) {
                out.add(
                        new ForeignIndex(
                                schema + "." + index.group(1),
                                schema + "." + index.group(2),
                                names));
            }
        }
        return out;
    }

    /** The SELECT computing the rows of the keys {@code keysPredicate} selects. */
    public String select(String schema, String keysPredicate) {
        return select.replace("{{keys}}", keysPredicate).replace("{{schema}}", schema);
    }

    /** Whether a stored row (alias {@code f}) is still exact now. */
    public String valid(String schema) {
        return "(" + valid.replace("{{schema}}", schema) + ")";
    }

    /** The keys of the stored rows that are no longer exact (one text column). */
    public String staleKeys(String schema) {
        return "SELECT f."
                + keyColumn
                + "::text FROM "
                + table(schema)
                + " f WHERE NOT "
                + valid(schema);
    }

    /**
     * The view: stored rows still exact, and the others computed from the facts at read time. On
     * PostgreSQL the recompute branch is driven by the stale stored rows (a LATERAL join, the
     * SELECT for each of them), so that reading one user whose row is valid never touches the
     * facts: with {@code key IN (stale keys)} the planner read the user's fact rows first and
     * probed the stale set after (a one-user read cost about as much as the seed's query). Where
     * the dialect's LATERAL joins are not exact (Greenplum) it keeps the IN form.
     */
    public String view(String schema, WarehouseDialect dialect) {
        String stale;
        if (!dialect.exactLateralJoins()) {
            stale =
                    select(
                            schema,
                            keyColumn
                                    + " IN (SELECT f."
                                    + keyColumn
                                    + " FROM "
                                    + table(schema)
                                    + " f WHERE NOT "
                                    + valid(schema)
                                    + ")");
        } else {
            stale =
                    "SELECT r.* FROM "
                            + table(schema)
                            + " f CROSS JOIN LATERAL ("
                            + select(schema, keyColumn + " = f." + keyColumn)
                            + ") r WHERE r."
                            + keyColumn
                            + " = f."
                            + keyColumn
                            + " AND NOT "
                            + valid(schema);
        }
        return view.replace("{{recompute}}", stale)
                .replace("{{valid}}", valid(schema))
                .replace("{{schema}}", schema);
    }
}
