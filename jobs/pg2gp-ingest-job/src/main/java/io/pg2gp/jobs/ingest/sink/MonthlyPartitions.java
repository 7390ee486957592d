package io.pg2gp.jobs.ingest.sink;

import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.jobs.settings.WarehouseTables;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps named monthly partitions of {@code requests_analytical} ahead of the calendar on Greenplum,
 * so the apply's hour bounds prune to one partition instead of landing in the default one (which
 * every bounded read must also scan). A month is split off the default partition: rows that already
 * arrived for it move with it. Runs at every start-up ({@code warehouse.partitions-ahead} months);
 * the default partition keeps rows safe in between.
 */
public final class MonthlyPartitions {

    private static final Logger LOG = LoggerFactory.getLogger(MonthlyPartitions.class);
    private static final Pattern DATE = Pattern.compile("(\\d{4})-(\\d{2})-01");

    private final String table;
    private final String schema;
    private final String name;

    public MonthlyPartitions(String schema) {
        this.schema = schema;
        this.name = WarehouseTables.REQUESTS;
        this.table = schema + "." + name;
    }

    /**
     * Months from {@code current} to {@code current + ahead} that have no partition of their own.
     */
    static List<YearMonth> missing(Set<YearMonth> existing, YearMonth current, int ahead) {
        List<YearMonth> out = new ArrayList<>();
        for (int i = 0; i <= ahead; i++) {
            YearMonth m = current.plusMonths(i);
            if (!existing.contains(m)) {
                out.add(m);
            }
        }
        return out;
    }

    /**
     * Splits {@code month} off the default partition named {@code defaultPartition}. GP6 names the
     * default partition in the INTO list as a plain {@code PARTITION} (it rejects {@code DEFAULT
     * PARTITION} there: "cannot specify a name, rank, or value for a DEFAULT partition in this
     * context"); GP7's legacy syntax takes the form documented for it.
     */
    String splitDefault(WarehouseDialect dialect, YearMonth month, String defaultPartition) {
        return dialect.splitDefaultPartition(
                table,
                String.format("p_%04d_%02d", month.getYear(), month.getMonthValue()),
                month.atDay(1) + " 00:00:00+00",
                month.plusMonths(1).atDay(1) + " 00:00:00+00",
                defaultPartition);
    }

    /** Range starts of the named partitions: GP6 lists them in pg_partitions, GP7 in bounds. */
    String existingQuery(WarehouseDialect dialect) {
        return dialect.partitionsQuery();
    }

    /**
     * Why the role cannot split partitions off {@code requests_analytical}, with the statements an
     * administrator runs, or null when it can: altering a table takes its owner (or a member of the
     * owning role), and the split creates the new partition's table in the table's schema. The
     * pipeline runs without the upkeep (new months land in the default partition), so this is a
     * warning, not a failure.
     */
    public String upkeepBlocked(Connection c) throws SQLException {
        try (PreparedStatement p =
                c.prepareStatement(
                        "SELECT pg_has_role(current_user, relowner, 'USAGE'),"
                                + " has_schema_privilege(relnamespace, 'CREATE'), current_user,"
                                + " pg_get_userbyid(relowner) FROM pg_class WHERE oid ="
                                + " ?::regclass")) {
            p.setString(1, table);
            try (ResultSet rs = p.executeQuery()) {
                if (!rs.next() || (rs.getBoolean(1) && rs.getBoolean(2))) {
                    return null;
                }
                String role = identifier(rs.getString(3));
                String owner = identifier(rs.getString(4));
                List<String> grants = new ArrayList<>();
                if (!rs.getBoolean(1)) {
                    grants.add("ALTER TABLE " + table + " OWNER TO " + role);
                }
                if (!rs.getBoolean(2)) {
                    grants.add("GRANT CREATE ON SCHEMA " + schema + " TO " + role);
                }
                return "cannot keep monthly partitions of "
                        + table
                        + " ahead: splitting one off the default partition takes the table's"
                        + " owner (role "
                        + role
                        + ", owner "
                        + owner
                        + ") and CREATE on schema "
                        + schema
                        + "; until then rows of new months land in the default partition, which"
                        + " every bounded apply also scans; run as an administrator: "
                        + String.join("; ", grants)
                        + (rs.getBoolean(1)
                                ? ""
                                : " (instead of the owner change: GRANT "
                                        + owner
                                        + " TO "
                                        + role
                                        + ")");
            }
        }
    }

    private static String identifier(String name) {
        return name.matches("[a-z_][a-z0-9_$]*") ? name : '"' + name.replace("\"", "\"\"") + '"';
    }

    /**
     * Creates the partitions of this month and the next {@code ahead}; returns those created. A
     * failing split is named in the exception.
     */
    public List<YearMonth> ensureAhead(
            Connection c, WarehouseDialect dialect, YearMonth current, int ahead)
            throws SQLException {
        if (dialect.partitionsQuery() == null) {
            return List.of(); // the PostgreSQL warehouse table is not partitioned
        }
        Set<YearMonth> existing = new TreeSet<>();
        String defaultPartition = null;
        try (PreparedStatement p = c.prepareStatement(existingQuery(dialect))) {
            p.setString(1, schema);
            p.setString(2, name);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    if (rs.getBoolean(3)) {
                        // GP7 names the relation <table>_1_prt_<partition name>.
                        String relname = rs.getString(2);
                        String prefix = name + "_1_prt_";
                        defaultPartition =
                                relname.startsWith(prefix)
                                        ? relname.substring(prefix.length())
                                        : relname;
                        continue;
                    }
                    Matcher m = DATE.matcher(String.valueOf(rs.getString(1)));
                    if (m.find()) {
                        existing.add(
                                YearMonth.of(
                                        Integer.parseInt(m.group(1)),
                                        Integer.parseInt(m.group(2))));
                    }
                }
            }
        }
        if (defaultPartition == null) {
            LOG.warn("{} has no default partition; not adding months ahead", table);
            return List.of();
        }
        List<YearMonth> created = missing(existing, current, ahead);
        try (Statement s = c.createStatement()) {
            for (YearMonth m : created) {
                String split = splitDefault(dialect, m, defaultPartition);
                try {
                    s.execute(split);
                } catch (SQLException e) {
                    throw new SQLException(
                            "partition split failed: " + split + ": " + e.getMessage(),
                            e.getSQLState(),
                            e);
                }
                LOG.info("created partition {} of {}", m, table);
            }
        }
        return created;
    }
}
