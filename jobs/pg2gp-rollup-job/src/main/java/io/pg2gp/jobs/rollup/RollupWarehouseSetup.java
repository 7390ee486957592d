package io.pg2gp.jobs.rollup;

import io.pg2gp.connector.warehouse.BookkeepingSchema;
import io.pg2gp.connector.warehouse.RolePrivileges;
import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.jobs.rollup.definition.FeatureDefinition;
import io.pg2gp.jobs.rollup.definition.RollupDefinition;
import io.pg2gp.jobs.rollup.recompute.FeatureRecomputer;
import io.pg2gp.jobs.rollup.recompute.RollupRecomputer;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The rollup job's start-up, from the client before submit: the role holds what the job needs (else
 * the statements an administrator runs), then the rollup tables and dashboard views are created. A
 * failure names the step or statement and the server's message.
 */
final class RollupWarehouseSetup {

    private static final Pattern VIEW = Pattern.compile("CREATE OR REPLACE VIEW\\s+(\\S+)\\s");

    private final WarehouseConnectionOptions warehouse;
    private final String schema;
    private final BookkeepingSchema bookkeeping;
    private final List<RollupDefinition> rollups;
    private final RollupRecomputer recomputer;
    private final Map<String, String> views;
    private final FeatureRecomputer features;

    RollupWarehouseSetup(
            WarehouseConnectionOptions warehouse,
            String schema,
            String bookkeepingSchema,
            List<RollupDefinition> rollups,
            Map<String, String> views,
            FeatureRecomputer features) {
        this.warehouse = warehouse;
        this.schema = schema;
        this.bookkeeping = new BookkeepingSchema(bookkeepingSchema);
        this.rollups = rollups;
        this.recomputer = new RollupRecomputer(rollups, schema);
        this.views = views;
        this.features = features;
    }

    void prepare() {
        Connection c;
        try {
            c = warehouse.open("pg2gp rollup setup");
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot connect to the warehouse "
                            + warehouse.url()
                            + " as "
                            + warehouse.user()
                            + ": "
                            + e.getMessage(),
                    e);
        }
        String step = "checking the privileges of role " + warehouse.user();
        try (c;
                Statement s = c.createStatement()) {
            RolePrivileges privileges = new RolePrivileges(c);
            List<RolePrivileges.Missing> missing = missing(privileges);
            if (!missing.isEmpty()) {
                throw new IllegalStateException(
                        "warehouse role "
                                + privileges.role()
                                + " lacks privileges the rollup job needs; run as an"
                                + " administrator:\n"
                                + missing.stream()
                                        .map(m -> "  " + m)
                                        .collect(Collectors.joining("\n")));
            }
            step = "creating the rollup tables";
            recomputer.createTables(c, WarehouseDialect.detect(c));
            step = "creating the feature tables and views of sql/features/";
            features.createObjects(c, WarehouseDialect.detect(c));
            for (var view : views.entrySet()) {
                step = "creating the views of sql/views/" + view.getKey() + ".sql";
                s.execute(view.getValue());
            }
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "preparing the rollups failed while " + step + ": " + e.getMessage(), e);
        }
    }

    /** What the role lacks, each with the statement that grants it. */
    List<RolePrivileges.Missing> missing(RolePrivileges privileges) throws SQLException {
        List<RolePrivileges.Missing> missing = new ArrayList<>();
        boolean createsInSchema = false;
        missing.add(
                privileges.usageOnSchema(
                        bookkeeping.schema(), "the bookkeeping schema (touched hours)"));
        missing.add(privileges.usageOnSchema(schema, "the warehouse schema"));
        missing.addAll(
                privileges.missingOnTable(
                        bookkeeping.touchedHours(),
                        "SELECT, DELETE",
                        "reading and purging the hours ingest commits touched"));
        missing.addAll(
                privileges.missingOnTable(
                        bookkeeping.touchedKeys(),
                        "SELECT, DELETE",
                        "reading and purging the users ingest commits touched"));
        missing.addAll(
                privileges.missingOnTable(
                        schema + ".requests_analytical", "SELECT", "the facts rollups read"));
        for (FeatureDefinition f : features.features()) {
            for (String table : List.of(f.table(schema), f.dayTable(schema))) {
                createsInSchema |= !recomputable(privileges, table, missing);
            }
            // CREATE INDEX on the fact table takes its owner, not a grant
            for (FeatureDefinition.ForeignIndex index : f.foreignIndexes(schema)) {
                boolean exists = false;
                for (String name : index.anyOf()) {
                    exists |= privileges.exists(name);
                }
                if (!exists) {
                    missing.add(
                            privileges.ownershipFor(
                                    index.table(),
                                    "creating the index "
                                            + index.index()
                                            + " the feature recompute reads "
                                            + index.table()
                                            + " by"));
                }
            }
        }
        for (RollupDefinition r : rollups) {
            createsInSchema |= !recomputable(privileges, r.table(schema), missing);
        }
        List<String> statementsWithViews = new ArrayList<>(views.values());
        // only the view's name is read from it, the same in both dialects
        features.features()
                .forEach(f -> statementsWithViews.add(f.view(schema, WarehouseDialect.POSTGRES)));
        for (String statements : statementsWithViews) {
            Matcher m = VIEW.matcher(statements);
            while (m.find()) {
                if (privileges.exists(m.group(1))) {
                    missing.add(
                            privileges.ownershipFor(
                                    m.group(1),
                                    "VIEW",
                                    "replacing the dashboard view " + m.group(1)));
                } else {
                    createsInSchema = true;
                }
            }
        }
        if (createsInSchema) {
            missing.add(privileges.createInSchema(schema, "creating rollup tables and views"));
        }
        missing.removeIf(Objects::isNull);
        return missing;
    }

    /**
     * Adds what the role lacks to recompute the existing {@code table} to {@code missing}; false
     * when the table does not exist yet (the job creates it, which takes CREATE on the schema).
     */
    private static boolean recomputable(
            RolePrivileges privileges, String table, List<RolePrivileges.Missing> missing)
            throws SQLException {
        if (!privileges.exists(table)) {
            return false;
        }
        missing.addAll(
                privileges.missingOnTable(table, "SELECT, INSERT, DELETE", "recomputing " + table));
        return true;
    }
}
