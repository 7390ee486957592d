package io.pg2gp.local;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Expected rows (computed by the source database) against the warehouse's, keyed by the first
 * column: what is missing (lost), there more than once (duplicated), there but not expected (extra)
 * and there with other values (differing).
 */
record RowComparison(
        long compared,
        long lost,
        long duplicated,
        long extra,
        long differing,
        List<String> examples) {

    static RowComparison of(
            Connection source, String expectedSql, Connection warehouse, String actualSql)
            throws SQLException {
        Map<String, String> expected = new HashMap<>();
        for (String[] row : rows(source, expectedSql)) {
            expected.put(row[0], row[1]);
        }
        Map<String, String> actual = new HashMap<>();
        long duplicated = 0;
        for (String[] row : rows(warehouse, actualSql)) {
            if (actual.put(row[0], row[1]) != null) {
                duplicated++;
            }
        }
        long lost = 0;
        long differing = 0;
        List<String> examples = new ArrayList<>();
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String found = actual.get(e.getKey());
            if (found == null) {
                lost++;
                example(examples, "lost " + e.getKey() + ": " + e.getValue());
            } else if (!found.equals(e.getValue())) {
                differing++;
                example(
                        examples,
                        "differs "
                                + e.getKey()
                                + ": expected "
                                + e.getValue()
                                + ", found "
                                + found);
            }
        }
        long extra = 0;
        for (Map.Entry<String, String> a : actual.entrySet()) {
            if (!expected.containsKey(a.getKey())) {
                extra++;
                example(examples, "extra " + a.getKey() + ": " + a.getValue());
            }
        }
        return new RowComparison(expected.size(), lost, duplicated, extra, differing, examples);
    }

    boolean equal() {
        return lost == 0 && duplicated == 0 && extra == 0 && differing == 0;
    }

    RowComparison plus(RowComparison o) {
        List<String> ex = new ArrayList<>(examples);
        o.examples.forEach(e -> example(ex, e));
        return new RowComparison(
                compared + o.compared,
                lost + o.lost,
                duplicated + o.duplicated,
                extra + o.extra,
                differing + o.differing,
                ex);
    }

    @Override
    public String toString() {
        return compared
                + " rows compared, "
                + lost
                + " lost, "
                + duplicated
                + " duplicated, "
                + extra
                + " extra, "
                + differing
                + " differing"
                + (examples.isEmpty() ? "" : "; e.g. " + examples);
    }

    private static void example(List<String> examples, String e) {
        if (examples.size() < 5) {
            examples.add(e);
        }
    }

    /** Each row as {key, the whole row as text}; timestamps in UTC on both sides. */
    static List<String[]> rows(Connection c, String sql) throws SQLException {
        try (c;
                Statement s = c.createStatement()) {
            s.execute("SET TIME ZONE 'UTC'");
            List<String[]> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery(sql)) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    StringBuilder sb = new StringBuilder();
                    for (int i = 1; i <= n; i++) {
                        sb.append(i > 1 ? " | " : "").append(rs.getString(i));
                    }
                    out.add(new String[] {rs.getString(1), sb.toString()});
                }
            }
            return out;
        }
    }
}
