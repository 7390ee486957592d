package io.pg2gp.connector.cdc;

import org.apache.flink.annotation.PublicEvolving;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks the source before the job starts and says exactly what to run when something is missing:
 * {@code wal_level}, the replication privilege, table access, replica identity, the publication and
 * the slot. Without it these problems surface as a source that restarts forever.
 */
@PublicEvolving
public final class PostgresPreflight {

    private final PostgresCdcOptions options;

    public PostgresPreflight(PostgresCdcOptions options) {
        this.options = options;
    }

    /** Throws {@link IllegalStateException} listing every problem found, each with its fix. */
    public void check(int sourceParallelism) {
        List<String> problems = new ArrayList<>();
        try (Connection c = options.connect("pg2gp preflight")) {
            checkWalLevel(c, problems);
            checkRole(c, problems);
            Set<String> existing = checkTables(c, problems);
            checkPublication(c, existing, problems);
            checkSlots(c, sourceParallelism, problems);
        } catch (SQLException e) {
            problems.add(
                    "cannot connect to the source "
                            + options.jdbcUrl()
                            + " as "
                            + options.user()
                            + ": "
                            + e.getMessage()
                            + " (password from environment variable "
                            + options.passwordEnvVar()
                            + ")");
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException(
                    "the source database is not ready for CDC:\n  - "
                            + String.join("\n  - ", problems));
        }
    }

    private void checkWalLevel(Connection c, List<String> problems) throws SQLException {
        String level = single(c, "SHOW wal_level");
        if (!"logical".equals(level)) {
            problems.add(
                    "wal_level is '"
                            + level
                            + "', logical replication needs 'logical': run ALTER SYSTEM SET"
                            + " wal_level = logical; then restart PostgreSQL");
        }
    }

    private void checkRole(Connection c, List<String> problems) throws SQLException {
        String ok =
                single(
                        c,
                        "SELECT (rolreplication OR rolsuper)::text FROM pg_roles WHERE rolname ="
                                + " current_user");
        if (!"true".equals(ok)) {
            problems.add(
                    "role "
                            + options.user()
                            + " may not stream changes: run ALTER ROLE "
                            + options.user()
                            + " REPLICATION;");
        }
    }

    private Set<String> checkTables(Connection c, List<String> problems) throws SQLException {
        Set<String> existing = new HashSet<>();
        for (String table : options.capturedTables()) {
            String[] st = table.split("\\.");
            try (PreparedStatement ps =
                    c.prepareStatement(
                            "SELECT c.relreplident, has_table_privilege(c.oid, 'SELECT') FROM"
                                    + " pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                                    + " WHERE n.nspname = ? AND c.relname = ?")) {
                ps.setString(1, st[0]);
                ps.setString(2, st[1]);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        problems.add("table " + table + " does not exist in " + options.database());
                        continue;
                    }
                    existing.add(table);
                    if (!rs.getBoolean(2)) {
                        problems.add(
                                "role "
                                        + options.user()
                                        + " cannot read "
                                        + table
                                        + ": run GRANT SELECT ON "
                                        + table
                                        + " TO "
                                        + options.user()
                                        + ";");
                    }
                    if (options.requireReplicaIdentityFull()
                            && options.tables().contains(table)
                            && !"f".equals(rs.getString(1))) {
                        problems.add(
                                "table "
                                        + table
                                        + " sends no full before image, so an UPDATE that leaves a"
                                        + " large (TOASTed) value unchanged cannot be carried: run"
                                        + " ALTER TABLE "
                                        + table
                                        + " REPLICA IDENTITY FULL;");
                    }
                }
            }
        }
        return existing;
    }

    private void checkPublication(Connection c, Set<String> existing, List<String> problems)
            throws SQLException {
        String pub = options.publicationName();
        String tableList = String.join(", ", options.capturedTables());
        boolean exists;
        try (PreparedStatement ps =
                c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, pub);
            try (ResultSet rs = ps.executeQuery()) {
                exists = rs.next();
            }
        }
        if (!exists) {
            if (!options.createPublication()) {
                problems.add(
                        "publication "
                                + pub
                                + " does not exist: run CREATE PUBLICATION "
                                + pub
                                + " FOR TABLE "
                                + tableList
                                + "; (or build the options with createPublication(true) to let the"
                                + " pipeline create it; that needs ownership of the tables)");
            }
            return;
        }
        Set<String> published = new HashSet<>();
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE"
                                + " pubname = ?")) {
            ps.setString(1, pub);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    published.add(rs.getString(1));
                }
            }
        }
        List<String> missing =
                options.capturedTables().stream()
                        .filter(existing::contains)
                        .filter(t -> !published.contains(t))
                        .toList();
        if (!missing.isEmpty() && !options.createPublication()) {
            problems.add(
                    "publication "
                            + pub
                            + " does not carry "
                            + missing
                            + ": run ALTER PUBLICATION "
                            + pub
                            + " ADD TABLE "
                            + String.join(", ", missing)
                            + ";");
        }
    }

    private void checkSlots(Connection c, int parallelism, List<String> problems)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT plugin, database, active, active_pid FROM pg_replication_slots"
                                + " WHERE slot_name = ?")) {
            ps.setString(1, options.slotName());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    if (!"pgoutput".equals(rs.getString(1))) {
                        problems.add(
                                "replication slot "
                                        + options.slotName()
                                        + " uses plugin "
                                        + rs.getString(1)
                                        + ", not pgoutput: drop it with SELECT"
                                        + " pg_drop_replication_slot('"
                                        + options.slotName()
                                        + "'); or choose another slotName");
                    } else if (!options.database().equals(rs.getString(2))) {
                        problems.add(
                                "replication slot "
                                        + options.slotName()
                                        + " belongs to database "
                                        + rs.getString(2)
                                        + ": choose another slotName");
                    }
                } else if (options.startupMode() == StartupMode.COMMITTED) {
                    problems.add(
                            "startup mode 'committed' resumes from replication slot "
                                    + options.slotName()
                                    + ", which does not exist: start with 'initial' or"
                                    + " 'latest', or restore from a savepoint");
                }
            }
        }
        int max = Integer.parseInt(single(c, "SHOW max_replication_slots"));
        int used = Integer.parseInt(single(c, "SELECT count(*) FROM pg_replication_slots"));
        // Snapshot readers open a temporary slot each, besides the main slot.
        int needed = parallelism + 1;
        if (max - used < needed - 1) {
            problems.add(
                    "max_replication_slots is "
                            + max
                            + " with "
                            + used
                            + " in use; the source needs up to "
                            + needed
                            + " during the snapshot: raise max_replication_slots and"
                            + " max_wal_senders (restart needed) or drop unused slots");
        }
    }

    private static String single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
