package io.pg2gp.jobs.rollup;

import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.jobs.rollup.definition.FeatureDefinition;
import io.pg2gp.jobs.rollup.definition.FeatureDefinitions;
import io.pg2gp.jobs.rollup.definition.RollupDefinition;
import io.pg2gp.jobs.rollup.definition.RollupDefinitions;
import io.pg2gp.jobs.settings.WarehouseDdl;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The warehouse objects of {@code sql/warehouse/}, {@code sql/rollups/}, {@code sql/views/} and
 * {@code sql/features/} rendered for one dialect and schema, in the order they depend on each
 * other: what a DBA pipes into psql instead of the files themselves, whose {@code {{...}}}
 * placeholders only the jobs fill in. It renders through the same code as the jobs ({@link
 * WarehouseDdl#script}, {@link RollupDefinition#ddl}, {@link RollupDefinitions#views(String)}), so
 * both run the same SQL. Every statement is idempotent, so the script may run again over an
 * existing warehouse.
 *
 * <p>{@code ./pg2gp sql <greenplum|postgres> [--schema S] [--rollups DIR]}, or {@code java -cp
 * pg2gp-rollup-job-*-job.jar io.pg2gp.jobs.rollup.WarehouseScript ...}.
 */
public final class WarehouseScript {

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]*");
    private static final String USAGE =
            "usage: ./pg2gp sql <greenplum|postgres> [--schema S] [--rollups DIR]\n"
                    + "  prints the warehouse tables, rollup tables and dashboard views for S"
                    + " (default public);\n"
                    + "  run it with: psql -X -v ON_ERROR_STOP=1 -d <warehouse> -f <file>";

    private WarehouseScript() {}

    /**
     * The whole script; {@code rollupsDir} is {@code rollup.definitions-dir} (null: the shipped).
     */
    public static String render(WarehouseDialect dialect, String schema, String rollupsDir) {
        if (!IDENTIFIER.matcher(schema).matches()) {
            throw new IllegalArgumentException(
                    "schema '" + schema + "' is not a lower-case SQL identifier");
        }
        String target = dialect.sqlFlavour();
        StringBuilder out = new StringBuilder();
        out.append("-- pg2gp warehouse objects for ")
                .append(dialect.sqlFlavourName())
                .append(", schema ")
                .append(schema)
                .append(".\n-- Rendered by: ./pg2gp sql ")
                .append(target)
                .append(" --schema ")
                .append(schema)
                .append(rollupsDir == null ? "" : " --rollups " + rollupsDir)
                .append("\n-- Run with: psql -X -v ON_ERROR_STOP=1 -d <warehouse> -f <this file>")
                .append(" (safe to run again).\n\n")
                .append("CREATE SCHEMA IF NOT EXISTS ")
                .append(schema)
                .append(";\n");
        section(
                out,
                "sql/warehouse/" + target + "/01_tables.sql",
                WarehouseDdl.script(dialect, schema));
        for (RollupDefinition r : RollupDefinitions.load(rollupsDir)) {
            section(
                    out,
                    "sql/rollups/"
                            + r.name()
                            + ".sql: the table (the rollup job runs its SELECT per recompute)",
                    r.ddl(schema, dialect));
        }
        RollupDefinitions.views(schema)
                .forEach((name, sql) -> section(out, "sql/views/" + name + ".sql", sql));
        for (FeatureDefinition f : FeatureDefinitions.load(null)) {
            section(
                    out,
                    "sql/features/"
                            + f.name()
                            + ".sql: the table (the rollup job runs its SELECT per group of users)",
                    f.ddl(schema, dialect));
            section(
                    out,
                    "sql/features/" + f.name() + ".sql: the view",
                    f.view(schema, dialect) + ";");
        }
        return out.toString();
    }

    private static void section(StringBuilder out, String title, String sql) {
        out.append("\n-- ").append(title).append("\n\n").append(sql.strip()).append('\n');
    }

    public static void main(String[] args) {
        List<String> rest = new ArrayList<>(List.of(args));
        String schema = option(rest, "--schema", "public");
        String rollups = option(rest, "--rollups", null);
        if (rest.size() != 1 || !List.of("greenplum", "postgres").contains(rest.get(0))) {
            System.err.println(USAGE);
            System.exit(2);
        }
        // Greenplum 6 and 7 take the same DDL (the file says so); the jobs detect 6 or 7.
        WarehouseDialect dialect =
                rest.get(0).equals("greenplum")
                        ? WarehouseDialect.GREENPLUM_6
                        : WarehouseDialect.POSTGRES;
        try {
            System.out.print(render(dialect, schema, rollups));
        } catch (IllegalArgumentException e) {
            System.err.println("pg2gp sql: " + e.getMessage());
            System.exit(2);
        }
    }

    private static String option(List<String> args, String name, String fallback) {
        int at = args.indexOf(name);
        if (at < 0) {
            return fallback;
        }
        if (at + 1 >= args.size()) {
            System.err.println(name + " needs a value\n" + USAGE);
            System.exit(2);
        }
        String value = args.get(at + 1);
        args.subList(at, at + 2).clear();
        return value;
    }
}
