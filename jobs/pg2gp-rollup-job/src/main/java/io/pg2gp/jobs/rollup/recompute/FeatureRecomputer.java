package io.pg2gp.jobs.rollup.recompute;

import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.jobs.rollup.definition.FeatureDefinition;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Recomputes the feature rows of a group of users in one transaction: for each feature table,
 * delete their rows and insert what the definition's SELECT computes for them from the fact table
 * (nothing for a user with no request left in the window). Each table is locked against other
 * recomputes (the job, a backfill) for the transaction; readers go on.
 */
public final class FeatureRecomputer implements KeyRecomputer<String> {

    private static final long serialVersionUID = 1L;

    private final List<FeatureDefinition> features;
    private final String schema;

    public FeatureRecomputer(List<FeatureDefinition> features, String schema) {
        this.features = new ArrayList<>(features);
        this.schema = schema;
    }

    public List<FeatureDefinition> features() {
        return features;
    }

    /** Creates the feature tables that do not exist yet and (re)creates their views. */
    public void createObjects(Connection c, WarehouseDialect dialect) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (FeatureDefinition f : features) {
                s.execute(f.ddl(schema, dialect));
                s.execute(f.view(schema, dialect));
            }
        }
    }

    /**
     * The users whose stored rows time has made inexact (a counted request left a window), for the
     * job to recompute at every poll; null when there are no feature tables.
     */
    public String staleKeysQuery() {
        if (features.isEmpty()) {
            return null;
        }
        return features.stream()
                .map(f -> f.staleKeys(schema))
                .collect(Collectors.joining(" UNION "));
    }

    @Override
    public Recomputed recompute(Connection c, List<String> users) throws SQLException {
        if (users.isEmpty()) {
            return new Recomputed(0, 0, 0, 0);
        }
        return run(c, users.size(), f -> inList(f.keyColumn(), users));
    }

    /** Recomputes every user's rows (the backfill), in one transaction. */
    public Recomputed rebuild(Connection c) throws SQLException {
        return run(c, 0, f -> "true");
    }

    private Recomputed run(Connection c, int keys, Function<FeatureDefinition, String> predicate)
            throws SQLException {
        long start = System.nanoTime();
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            long written = 0;
            for (FeatureDefinition f : features) {
                String table = f.table(schema);
                String which = predicate.apply(f);
                s.execute("LOCK TABLE " + table + " IN SHARE ROW EXCLUSIVE MODE");
                s.executeUpdate("DELETE FROM " + table + " WHERE " + which);
                written += s.executeUpdate("INSERT INTO " + table + " " + f.select(schema, which));
            }
            c.commit();
            return new Recomputed(
                    keys == 0 ? (int) written : keys,
                    0,
                    written,
                    (System.nanoTime() - start) / 1_000_000);
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /** {@code column IN ('a', 'b')}: literals the column's type (uuid, text, ...) reads. */
    static String inList(String column, List<String> keys) {
        return column
                + " IN ("
                + keys.stream()
                        .map(k -> "'" + k.replace("'", "''") + "'")
                        .collect(Collectors.joining(", "))
                + ")";
    }

    /** VACUUMs the feature tables: each recompute leaves a dead row per row it rewrote. */
    @Override
    public List<String> vacuum(Connection c, BiConsumer<String, String> failed)
            throws SQLException {
        return TableVacuum.each(c, features.stream().map(f -> f.table(schema)).toList(), failed);
    }
}
