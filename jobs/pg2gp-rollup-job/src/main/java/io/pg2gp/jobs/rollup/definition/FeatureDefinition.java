package io.pg2gp.jobs.rollup.definition;

import io.pg2gp.connector.warehouse.WarehouseDialect;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One per-key feature table from {@code sql/features/<name>.sql}: its DDL, the SELECT computing
 * per-(key, day) partial aggregates from fact rows ({@code -- @days <day table> <timestamp
 * column>}), the day rows a key's features merge ({@code -- @window}), the SELECT computing the
 * feature rows for the keys {@code {{keys}}} selects ({@code -- @recompute}), optionally per key a
 * lower bound of the fact rows that SELECT reads by time ({@code -- @since}), the test of a stored
 * row still being exact at read time ({@code -- @valid}) and the view that serves the table ({@code
 * -- @view}). The table's first column is its key (the user), which the day table and the fact
 * table name alike. See {@code sql/features/user_features.sql}.
 */
public final class FeatureDefinition implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final String[] SECTIONS = {
        "days", "window", "recompute", "since", "valid", "view"
    };
    private static final int SINCE = 4; // its index in the parts: the DDL is part 0
    private static final Pattern SECTION =
            Pattern.compile("(?m)^-- @(" + String.join("|", SECTIONS) + ")[ \\t]*([^\\n]*)$");

    /** What {@code {{since}}} is where no bound was computed: no bound. */
    private static final String NO_BOUND = "TIMESTAMPTZ '-infinity'";

    private static final Pattern DAYS_HEADER =
            Pattern.compile("([a-z_][a-z0-9_]*)\\s+([a-z_][a-z0-9_]*)");

    /** {@code {{days|<predicate>}}} in the window: the @days SELECT over those fact rows. */
    private static final Pattern DAYS_OF = Pattern.compile("(?s)\\{\\{days\\|(.*?)}}");

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
    private final String dayTable;
    private final String timeColumn;
    private final String ddl;
    private final String days;
    private final String window;
    private final String select;
    private final String since;
    private final String valid;
    private final String view;

    private FeatureDefinition(
            String name,
            String table,
            String keyColumn,
            String dayTable,
            String timeColumn,
            String[] parts) {
        this.name = name;
        this.table = table;
        this.keyColumn = keyColumn;
        this.dayTable = dayTable;
        this.timeColumn = timeColumn;
        this.ddl = parts[0];
        this.days = parts[1];
        this.window = parts[2];
        this.select = parts[3];
        this.since = parts[SINCE];
        this.valid = parts[5];
        this.view = parts[6];
    }

    /** Parses a feature file; {@code name} is the file name without {@code .sql}. */
    public static FeatureDefinition parse(String name, String text) {
        Matcher m = SECTION.matcher(text);
        List<String> names = new ArrayList<>();
        List<String> bodies = new ArrayList<>(); // the DDL, then each section's text
        String daysHeader = "";
        int at = 0;
        while (m.find()) {
            if (names.isEmpty()) {
                daysHeader = m.group(2).trim();
            }
            bodies.add(text.substring(at, m.start()));
            names.add(m.group(1));
            at = m.end();
        }
        bodies.add(text.substring(at));
        List<String> expected = new ArrayList<>(List.of(SECTIONS));
        if (!names.contains("since")) {
            expected.remove("since"); // optional
        }
        if (!names.equals(expected)) {
            throw new IllegalArgumentException(
                    "feature "
                            + name
                            + ": needs the table DDL, then '-- @days <day table> <timestamp"
                            + " column>', '-- @window', '-- @recompute', (optionally '-- @since',)"
                            + " '-- @valid' and '-- @view' sections, in this order; found "
                            + names);
        }
        String[] parts = new String[SECTIONS.length + 1];
        parts[0] = bodies.get(0);
        for (int i = 0; i < names.size(); i++) {
            parts[1 + List.of(SECTIONS).indexOf(names.get(i))] = bodies.get(i + 1);
        }
        for (int i = 0; i < parts.length; i++) {
            if (parts[i] == null) {
                continue;
            }
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
        Matcher d = DAYS_HEADER.matcher(daysHeader);
        if (!d.matches()) {
            throw new IllegalArgumentException(
                    "feature "
                            + name
                            + ": '-- @days' names the day table and the facts' timestamp column");
        }
        if (!parts[1].contains("{{facts}}")) {
            throw new IllegalArgumentException(
                    "feature " + name + ": its @days SELECT must filter with {{facts}}");
        }
        if (!parts[2].contains("{{keys}}") || !parts[3].contains("{{keys}}")) {
            throw new IllegalArgumentException(
                    "feature " + name + ": its @window and SELECT must filter with {{keys}}");
        }
        if ((parts[SINCE] != null) != parts[3].contains("{{since}}")
                || (parts[SINCE] == null && parts[3].contains("{{since_by_key}}"))) {
            throw new IllegalArgumentException(
                    "feature "
                            + name
                            + ": a -- @since section goes with {{since}} (and perhaps"
                            + " {{since_by_key}}) in the SELECT");
        }
        if (!parts[6].contains("{{recompute}}") || !parts[6].contains("{{valid}}")) {
            throw new IllegalArgumentException(
                    "feature " + name + ": its view must use {{valid}} and {{recompute}}");
        }
        return new FeatureDefinition(name, t.group(1), k.group(1), d.group(1), d.group(2), parts);
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
            if (!index.find() || index.group(2).equals(table) || index.group(2).equals(dayTable)) {
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

    /** The day table, qualified: per (key, UTC day) partial aggregates. */
    public String dayTable(String schema) {
        return schema + "." + dayTable;
    }

    /** The fact table's timestamp column whose UTC day a fact row belongs to. */
    public String timeColumn() {
        return timeColumn;
    }

    /** The SELECT computing the day rows from the fact rows {@code factsPredicate} selects. */
    public String days(String schema, String factsPredicate) {
        return days.replace("{{facts}}", factsPredicate).replace("{{schema}}", schema);
    }

    /** The day rows the features of the keys {@code keysPredicate} selects merge. */
    public String window(String schema, String keysPredicate) {
        String w = window.replace("{{keys}}", keysPredicate).replace("{{schema}}", schema);
        Matcher m = DAYS_OF.matcher(w);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(
                    out,
                    Matcher.quoteReplacement(
                            days(schema, keysPredicate + " AND " + m.group(1).trim())));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The SELECT computing the rows of the keys {@code keysPredicate} selects. */
    public String select(String schema, String keysPredicate) {
        return select(schema, keysPredicate, NO_BOUND);
    }

    /**
     * ... with {@code {{since}}} the constant {@code sinceLiteral}: the answer of {@link
     * #since(String, String)} for the same keys, in the same transaction.
     */
    public String select(String schema, String keysPredicate, String sinceLiteral) {
        String byKey = since == null ? "" : "(" + render(since, schema, keysPredicate) + ")";
        return render(select.replace("{{since_by_key}}", byKey), schema, keysPredicate)
                .replace("{{since}}", sinceLiteral);
    }

    /**
     * The SELECT of the oldest of the {@code -- @since} bounds of these keys, as text (NULL: no
     * bound), or null when the file has no {@code -- @since}. A recompute puts its answer into the
     * SELECT as the constant {@code {{since}}}: Greenplum's planner leaves out the fact table's
     * partitions before a constant, not before the per-key bounds a join finds while running.
     */
    public String since(String schema, String keysPredicate) {
        if (since == null) {
            return null;
        }
        return "SELECT min(s.bound)::text FROM ("
                + render(since, schema, keysPredicate)
                + ") s(k, bound)";
    }

    /** A SELECT over {@code {{window}}} of the keys {@code keysPredicate} selects. */
    private String render(String template, String schema, String keysPredicate) {
        return template.replace("{{window}}", "(" + window(schema, keysPredicate) + ")")
                .replace("{{keys}}", keysPredicate)
                .replace("{{schema}}", schema);
    }

    /** Whether a stored row (alias {@code f}) is still exact now. */
    public String valid(String schema) {
        return "(" + valid.replace("{{schema}}", schema) + ")";
    }

    /**
     * The keys of the stored rows that are no longer exact (one text column), each followed by
     * {@code |}: their feature rows need recomputing, their day rows do not.
     */
    public String staleKeys(String schema) {
        return "SELECT f."
                + keyColumn
                + "::text || '|' FROM "
                + table(schema)
                + " f WHERE NOT "
                + valid(schema);
    }

    /**
     * The view: stored rows still exact, and the others computed at read time. On PostgreSQL the
     * recompute branch calls a PL/pgSQL function ({@code <table>_recompute(key)}, created with the
     * view) for each stale stored row: a read of one user whose row is valid plans and runs two
     * index scans, not the recompute SELECT (inline, that one's planning and executor start-up cost
     * more than the read itself). Where the dialect's LATERAL joins are not exact (Greenplum, where
     * a function that reads tables also cannot run on the segments) it keeps {@code key IN (stale
     * keys)}.
     */
    public String view(String schema, WarehouseDialect dialect) {
        String stale;
        String function = "";
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
            String name = table(schema) + "_recompute";
            function =
                    "CREATE OR REPLACE FUNCTION "
                            + name
                            + "(feature_key "
                            + table(schema)
                            + "."
                            + keyColumn
                            + "%TYPE) RETURNS SETOF "
                            + table(schema)
                            + " LANGUAGE plpgsql STABLE AS $recompute$ BEGIN RETURN QUERY "
                            + select(schema, keyColumn + " = feature_key")
                            + "; END $recompute$;\n";
            stale =
                    "SELECT r.* FROM "
                            + table(schema)
                            + " f CROSS JOIN LATERAL "
                            + name
                            + "(f."
                            + keyColumn
                            + ") r WHERE r."
                            + keyColumn
                            + " = f."
                            + keyColumn
                            + " AND NOT "
                            + valid(schema);
        }
        return function
                + view.replace("{{recompute}}", stale)
                        .replace("{{valid}}", valid(schema))
                        .replace("{{schema}}", schema);
    }
}
