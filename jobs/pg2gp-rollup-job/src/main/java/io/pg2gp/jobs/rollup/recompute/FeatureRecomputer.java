package io.pg2gp.jobs.rollup.recompute;

import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.jobs.rollup.definition.FeatureDefinition;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Recomputes the feature rows of a group of users in one transaction. A key is {@code user|day}
 * (that user's day row is recomputed from the user's facts of that UTC day), {@code user|} (the
 * feature row only: what the stale sweep sends) or {@code user} alone (all the user's day rows:
 * when the days a commit touched are unknown, and pending keys from before the day table). For each
 * feature table: delete and re-insert those day rows from the fact table, then delete the users'
 * feature rows and insert what the definition's SELECT merges for them from the day rows (nothing
 * for a user with no request left in the window). The tables are locked against other recomputes
 * (the job, a backfill) for the transaction; readers go on.
 */
public final class FeatureRecomputer implements KeyRecomputer<String> {

    private static final long serialVersionUID = 1L;

    private final List<FeatureDefinition> features;
    private final String schema;

    private transient WarehouseDialect dialect;

    public FeatureRecomputer(List<FeatureDefinition> features, String schema) {
        this.features = new ArrayList<>(features);
        this.schema = schema;
    }

    private WarehouseDialect dialect(Connection c) throws SQLException {
        if (dialect == null) {
            dialect = WarehouseDialect.detect(c);
        }
        return dialect;
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

    /** The keys of one recompute, by what they ask for. */
    record Keys(Set<String> users, Set<String> wholeUsers, Map<String, SortedSet<LocalDate>> days) {

        static Keys parse(List<String> keys) {
            Set<String> users = new TreeSet<>();
            Set<String> whole = new TreeSet<>();
            Map<String, SortedSet<LocalDate>> days = new TreeMap<>();
            for (String k : keys) {
                int bar = k.lastIndexOf('|');
                if (bar < 0) {
                    whole.add(k);
                    users.add(k);
                    continue;
                }
                String user = k.substring(0, bar);
                users.add(user);
                if (bar + 1 < k.length()) {
                    days.computeIfAbsent(user, u -> new TreeSet<>())
                            .add(LocalDate.parse(k.substring(bar + 1)));
                }
            }
            days.keySet().removeAll(whole);
            return new Keys(users, whole, days);
        }

        /** Day rows to recompute: of these day-table rows ({@code day} the day column). */
        String dayRows(String key) {
            return rows(
                    key,
                    ds ->
                            "day IN ("
                                    + ds.stream()
                                            .map(d -> "DATE '" + d + "'")
                                            .collect(Collectors.joining(", "))
                                    + ")");
        }

        /** ... from these fact rows ({@code time} their timestamp column): the same days. */
        String factRows(String key, String time) {
            return rows(
                    key,
                    ds ->
                            "("
                                    + ds.stream()
                                            .map(d -> dayRange(time, d))
                                            .collect(Collectors.joining(" OR "))
                                    + ")");
        }

        /**
         * The whole users' rows, or the users' rows on the days {@code onDays} selects. Users with
         * the same days share one term (a commit's users are paired with all its days, so usually
         * there is one): one index scan per day for all of them, where a term per user made
         * Greenplum plan and run one bitmap index scan per user and day (400 of ~0.9 ms each for
         * 100 users on 4 days).
         */
        private String rows(String key, Function<Set<LocalDate>, String> onDays) {
            List<String> terms = new ArrayList<>();
            if (!wholeUsers.isEmpty()) {
                terms.add(inList(key, List.copyOf(wholeUsers)));
            }
            Map<SortedSet<LocalDate>, List<String>> usersByDays = new TreeMap<>(DAY_SETS);
            days.forEach(
                    (user, ds) ->
                            usersByDays.computeIfAbsent(ds, d -> new ArrayList<>()).add(user));
            usersByDays.forEach(
                    (ds, users) ->
                            terms.add("(" + inList(key, users) + " AND " + onDays.apply(ds) + ")"));
            return String.join(" OR ", terms);
        }

        /** Day sets in a fixed order, so the same keys always render the same SQL. */
        private static final Comparator<SortedSet<LocalDate>> DAY_SETS =
                (a, b) -> a.toString().compareTo(b.toString());

        private static String dayRange(String time, LocalDate d) {
            return "("
                    + time
                    + " >= TIMESTAMPTZ '"
                    + d
                    + " 00:00:00+00' AND "
                    + time
                    + " < TIMESTAMPTZ '"
                    + d.plusDays(1)
                    + " 00:00:00+00')";
        }
    }

    @Override
    public Recomputed recompute(Connection c, List<String> keys) throws SQLException {
        if (keys.isEmpty()) {
            return new Recomputed(0, 0, 0, 0);
        }
        Keys k = Keys.parse(keys);
        boolean dayRows = !k.wholeUsers().isEmpty() || !k.days().isEmpty();
        return run(
                c,
                dialect(c).fewKeysRecomputeSettings(),
                k.users().size(),
                f -> dayRows ? k.dayRows(f.keyColumn()) : null,
                f -> dayRows ? k.factRows(f.keyColumn(), f.timeColumn()) : null,
                f -> inList(f.keyColumn(), List.copyOf(k.users())));
    }

    /**
     * Recomputes every user's day rows and feature rows (the backfill), in one transaction, then
     * ANALYZEs the tables: a recompute's plans read a few users' rows by index only with statistics
     * (without, PostgreSQL scanned the whole day table; Greenplum has no autoanalyze).
     */
    public Recomputed rebuild(Connection c) throws SQLException {
        Recomputed r = run(c, List.of(), 0, f -> "true", f -> "true", f -> "true");
        try (Statement s = c.createStatement()) {
            for (FeatureDefinition f : features) {
                s.execute("ANALYZE " + f.dayTable(schema));
                s.execute("ANALYZE " + f.table(schema));
            }
        }
        return r;
    }

    private Recomputed run(
            Connection c,
            List<String> settings,
            int keys,
            Function<FeatureDefinition, String> dayRows,
            Function<FeatureDefinition, String> factRows,
            Function<FeatureDefinition, String> users)
            throws SQLException {
        long start = System.nanoTime();
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            for (String setting : settings) {
                s.execute(setting);
            }
            long written = 0;
            for (FeatureDefinition f : features) {
                String table = f.table(schema);
                String days = f.dayTable(schema);
                s.execute("LOCK TABLE " + table + " IN SHARE ROW EXCLUSIVE MODE");
                s.execute("LOCK TABLE " + days + " IN SHARE ROW EXCLUSIVE MODE");
                String dayWhich = dayRows.apply(f);
                if (dayWhich != null) {
                    s.executeUpdate("DELETE FROM " + days + " WHERE " + dayWhich);
                    // in key order: one user's day rows share a few pages (after a rebuild)
                    s.executeUpdate(
                            "INSERT INTO "
                                    + days
                                    + " SELECT * FROM ("
                                    + f.days(schema, factRows.apply(f))
                                    + ") d ORDER BY 1, 2");
                }
                String which = users.apply(f);
                // the rebuild reads every user's facts: no bound to gain
                String since = keys == 0 ? null : since(s, f.since(schema, which));
                String select =
                        since == null ? f.select(schema, which) : f.select(schema, which, since);
                s.executeUpdate("DELETE FROM " + table + " WHERE " + which);
                written += s.executeUpdate("INSERT INTO " + table + " " + select);
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

    /** The answer of a feature's @since SELECT as a timestamptz literal; null: no bound. */
    private static String since(Statement s, String query) throws SQLException {
        if (query == null) {
            return null;
        }
        try (ResultSet rs = s.executeQuery(query)) {
            // the session's own text form: read back by the same session, it is the same instant
            String at = rs.next() ? rs.getString(1) : null;
            return at == null ? null : "TIMESTAMPTZ " + literal(at);
        }
    }

    /** {@code column IN ('a', 'b')}: literals the column's type (uuid, text, ...) reads. */
    static String inList(String column, List<String> keys) {
        return column
                + " IN ("
                + keys.stream().map(FeatureRecomputer::literal).collect(Collectors.joining(", "))
                + ")";
    }

    private static String literal(String key) {
        return "'" + key.replace("'", "''") + "'";
    }

    /** VACUUMs the feature tables: each recompute leaves a dead row per row it rewrote. */
    @Override
    public List<String> vacuum(Connection c, BiConsumer<String, String> failed)
            throws SQLException {
        return TableVacuum.each(
                c,
                features.stream()
                        .flatMap(
                                f ->
                                        java.util.stream.Stream.of(
                                                f.table(schema), f.dayTable(schema)))
                        .toList(),
                failed);
    }
}
