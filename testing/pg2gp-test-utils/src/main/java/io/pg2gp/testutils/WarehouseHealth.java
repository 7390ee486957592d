package io.pg2gp.testutils;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Samples what says whether a warehouse the pipeline writes stays healthy over a long run: size,
 * live and dead rows of every bookkeeping table and of the named user tables (partitions summed),
 * dead rows of the catalogs the apply could churn, and the apply times the commit ledger recorded
 * since the previous sample. Works on Greenplum 6 and on PostgreSQL.
 *
 * <p>On Greenplum the data and its statistics live on the segments: the coordinator's {@code
 * pg_stat_all_tables} counts every inserted row as live and none as dead, and {@code
 * gp_dist_random('pg_stat_all_tables')} returns zeros on 6.24.3 (a view is not run on the
 * segments). What works is calling the per-relation functions over {@code
 * gp_dist_random('pg_class')}, which runs them on every primary segment against its own files and
 * counters; catalogs are read on the coordinator and summed over {@code gp_dist_random('gp_id')}.
 */
public final class WarehouseHealth {

    /** Catalogs that an apply creating or analysing tables fills with dead rows. */
    public static final List<String> CATALOGS =
            List.of("pg_class", "pg_attribute", "pg_type", "pg_statistic");

    /** One table (its partitions summed) at one moment; sizes include indexes and TOAST. */
    public record Relation(String name, long bytes, long liveRows, long deadRows) {
        @Override
        public String toString() {
            return String.format("%,d kB, %,d live / %,d dead", bytes / 1024, liveRows, deadRows);
        }
    }

    /** Applies to one target committed in a sample's window (only those that staged rows). */
    public record ApplyTimes(
            String target, int applies, long rows, long p50Millis, long p95Millis, long maxMillis) {
        static final ApplyTimes NONE = new ApplyTimes("", 0, 0, 0, 0, 0);

        @Override
        public String toString() {
            return applies == 0
                    ? "no applies"
                    : String.format(
                            "%d applies, %,d rows/apply, p50 %,d ms, p95 %,d ms, max %,d ms",
                            applies, rows / applies, p50Millis, p95Millis, maxMillis);
        }
    }

    /** Dead rows of one catalog on the coordinator and summed over the segments (0 on PG). */
    public record CatalogDeadRows(long coordinator, long segments) {
        @Override
        public String toString() {
            return String.format("%,d / %,d", coordinator, segments);
        }
    }

    /**
     * One sample: the warehouse's clock, the time since the first sample, and the figures; {@code
     * applies} covers the ledger entries committed since the previous sample.
     */
    public record Sample(
            Instant at,
            Duration elapsed,
            Map<String, Relation> relations,
            Map<String, CatalogDeadRows> catalogs,
            Map<String, ApplyTimes> applies) {

        public Relation relation(String name) {
            Relation r = relations.get(name);
            if (r == null) {
                throw new IllegalArgumentException("not sampled: " + name + " " + relations);
            }
            return r;
        }

        public ApplyTimes applies(String target) {
            return applies.getOrDefault(target, ApplyTimes.NONE);
        }
    }

    private final Connection c;
    private final String bookkeepingSchema;
    private final List<String> userTables;
    private final boolean greenplum;
    private Instant first;
    private Instant previous;

    /**
     * Samples through {@code c} (kept open by the caller) every table of {@code bookkeepingSchema}
     * and the {@code userTables} (qualified names; partitioned ones summed over their leaves).
     */
    public WarehouseHealth(Connection c, String bookkeepingSchema, List<String> userTables)
            throws SQLException {
        this.c = c;
        this.bookkeepingSchema = bookkeepingSchema;
        this.userTables = List.copyOf(userTables);
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT version() LIKE '%Greenplum%'")) {
            rs.next();
            this.greenplum = rs.getBoolean(1);
        }
    }

    public boolean greenplum() {
        return greenplum;
    }

    /** Takes a sample; the first one also starts the window of the apply times. */
    public Sample sample() throws SQLException {
        Instant now = queryInstant("SELECT now()");
        if (first == null) {
            first = now;
            previous = now;
        }
        Map<String, Relation> relations = new LinkedHashMap<>();
        for (String table : bookkeepingTables()) {
            relations.put(table, relation(table));
        }
        for (String table : userTables) {
            relations.put(table, relation(table));
        }
        Map<String, CatalogDeadRows> catalogs = new LinkedHashMap<>();
        for (String catalog : CATALOGS) {
            catalogs.put(catalog, catalogDeadRows(catalog));
        }
        Map<String, ApplyTimes> applies = applyTimes(previous, now);
        previous = now;
        return new Sample(now, Duration.between(first, now), relations, catalogs, applies);
    }

    /**
     * Applies committed in {@code (from, to]} per target, from the ledger's {@code apply_millis}
     * (only applies that staged rows: an empty checkpoint says nothing about the apply's cost).
     */
    public Map<String, ApplyTimes> applyTimes(Instant from, Instant to) throws SQLException {
        Map<String, List<Long>> millis = new TreeMap<>();
        Map<String, Long> rows = new TreeMap<>();
        String sql =
                "SELECT target_table, apply_millis, rows_staged FROM "
                        + bookkeepingSchema
                        + ".commit_ledger WHERE committed_at > ? AND committed_at <= ? AND"
                        + " rows_staged > 0 AND apply_millis IS NOT NULL";
        try (PreparedStatement p = c.prepareStatement(sql)) {
            p.setTimestamp(1, Timestamp.from(from));
            p.setTimestamp(2, Timestamp.from(to));
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    millis.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                            .add(rs.getLong(2));
                    rows.merge(rs.getString(1), rs.getLong(3), Long::sum);
                }
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return Map.of(); // the sink has not created its ledger yet
            }
            throw e;
        }
        Map<String, ApplyTimes> out = new LinkedHashMap<>();
        millis.forEach(
                (target, m) -> {
                    Collections.sort(m);
                    out.put(
                            target,
                            new ApplyTimes(
                                    target,
                                    m.size(),
                                    rows.get(target),
                                    percentile(m, 50),
                                    percentile(m, 95),
                                    m.get(m.size() - 1)));
                });
        return out;
    }

    /** Nearest-rank percentile of sorted values. */
    static long percentile(List<Long> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    /** Ordinary tables of the bookkeeping schema (not Greenplum's external tables), by name. */
    private List<String> bookkeepingTables() throws SQLException {
        String sql =
                "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c"
                        + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND"
                        + " c.relkind = 'r'"
                        + (greenplum ? " AND c.relstorage <> 'x'" : "")
                        + " ORDER BY 1";
        List<String> tables = new ArrayList<>();
        try (PreparedStatement p = c.prepareStatement(sql)) {
            p.setString(1, bookkeepingSchema);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
        }
        return tables;
    }

    private Relation relation(String table) throws SQLException {
        List<Long> oids = new ArrayList<>();
        String tree =
                "WITH RECURSIVE tree(oid) AS (SELECT ?::regclass::oid UNION ALL SELECT i.inhrelid"
                        + " FROM pg_inherits i JOIN tree t ON i.inhparent = t.oid) SELECT oid FROM"
                        + " tree";
        try (PreparedStatement p = c.prepareStatement(tree)) {
            p.setString(1, table);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    oids.add(rs.getLong(1));
                }
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return new Relation(table, 0, 0, 0); // not created yet
            }
            throw e;
        }
        String list = oids.stream().map(String::valueOf).collect(Collectors.joining(", "));
        String from = greenplum ? "gp_dist_random('pg_class') c" : "pg_class c";
        try (Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0),"
                                        + " coalesce(sum(pg_stat_get_live_tuples(c.oid)), 0),"
                                        + " coalesce(sum(pg_stat_get_dead_tuples(c.oid)), 0) FROM "
                                        + from
                                        + " WHERE c.oid IN ("
                                        + list
                                        + ")")) {
            rs.next();
            return new Relation(table, rs.getLong(1), rs.getLong(2), rs.getLong(3));
        }
    }

    private CatalogDeadRows catalogDeadRows(String catalog) throws SQLException {
        String dead = "pg_stat_get_dead_tuples('pg_catalog." + catalog + "'::regclass)";
        long coordinator = queryLong("SELECT " + dead);
        long segments =
                greenplum
                        ? queryLong(
                                "SELECT coalesce(sum("
                                        + dead
                                        + "), 0) FROM gp_dist_random('gp_id')")
                        : 0;
        return new CatalogDeadRows(coordinator, segments);
    }

    private long queryLong(String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private Instant queryInstant(String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getTimestamp(1).toInstant();
        }
    }

    /**
     * The samples side by side, one column each under {@code labels} (e.g. start, middle, end), as
     * a Markdown table: every relation as size and live/dead rows, catalog dead rows as coordinator
     * / segments, and the apply times of each sample's window per target.
     */
    public static String table(List<String> labels, List<Sample> samples) {
        if (labels.size() != samples.size()) {
            throw new IllegalArgumentException(labels + " vs " + samples.size() + " samples");
        }
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of(""));
        for (int i = 0; i < labels.size(); i++) {
            header.add(labels.get(i) + " (" + formatElapsed(samples.get(i).elapsed()) + ")");
        }
        rows.add(header);
        List<String> relations = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        for (Sample s : samples) {
            s.relations().keySet().stream()
                    .filter(r -> !relations.contains(r))
                    .forEach(relations::add);
            s.applies().keySet().stream().filter(t -> !targets.contains(t)).forEach(targets::add);
        }
        for (String r : relations) {
            List<String> row = new ArrayList<>(List.of("`" + r + "`"));
            for (Sample s : samples) {
                Relation rel = s.relations().get(r);
                row.add(rel == null ? "-" : rel.toString());
            }
            rows.add(row);
        }
        for (String catalog : CATALOGS) {
            List<String> row =
                    new ArrayList<>(List.of("dead rows `" + catalog + "` (coord / segs)"));
            for (Sample s : samples) {
                row.add(s.catalogs().get(catalog).toString());
            }
            rows.add(row);
        }
        for (String t : targets) {
            List<String> row = new ArrayList<>(List.of("apply `" + t + "` (window)"));
            for (Sample s : samples) {
                row.add(s.applies(t).toString());
            }
            rows.add(row);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < rows.size(); i++) {
            out.append("| ").append(String.join(" | ", rows.get(i))).append(" |\n");
            if (i == 0) {
                out.append("|").append("---|".repeat(rows.get(0).size())).append('\n');
            }
        }
        return out.toString();
    }

    private static String formatElapsed(Duration d) {
        return String.format("%d:%02d", d.toMinutes(), d.toSecondsPart());
    }
}
