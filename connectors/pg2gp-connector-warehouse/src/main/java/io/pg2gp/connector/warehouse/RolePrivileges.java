package io.pg2gp.connector.warehouse;

import io.pg2gp.connector.warehouse.internal.sql.BookkeepingTables;

import org.apache.flink.annotation.PublicEvolving;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What the warehouse role ({@code current_user}) may do, asked of the catalog before anything
 * depends on it, and for each privilege it lacks the statement an administrator runs to grant it.
 * The checks use PostgreSQL's {@code has_*_privilege} functions, which Greenplum 6/7 share and
 * which count privileges held through role membership and superuser.
 */
@PublicEvolving
public final class RolePrivileges {

    private static final Pattern PLAIN_IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_$]*");

    /** A privilege the role lacks: what needs it and the statement that grants it. */
    public record Missing(String purpose, String grant) {
        @Override
        public String toString() {
            return grant + ";  -- " + purpose;
        }
    }

    private final Connection c;
    private final String role;

    public RolePrivileges(Connection c) throws SQLException {
        this.c = c;
        this.role = identifier(queryString("SELECT current_user"));
    }

    /** The role, as an identifier ready for a statement. */
    public String role() {
        return role;
    }

    /**
     * What the sink of {@code target} needs: its bookkeeping schema (created by the role when
     * missing) and tables, the target table, and the apply's work tables.
     */
    List<Missing> missingForSink(
            BookkeepingTables bookkeeping, WarehouseTable target, DeleteMode deleteMode)
            throws SQLException {
        List<Missing> missing = new ArrayList<>();
        String schema = bookkeeping.schema();
        if (!check("SELECT count(*) > 0 FROM pg_namespace WHERE nspname = ?", schema)) {
            if (!check("SELECT has_database_privilege(current_database(), 'CREATE')")) {
                missing.add(
                        new Missing(
                                "the bookkeeping schema (staging, ledger, dead letters)",
                                "CREATE SCHEMA " + schema + " AUTHORIZATION " + role));
            }
        } else if (!check("SELECT has_schema_privilege(?, 'USAGE')", schema)
                || !check("SELECT has_schema_privilege(?, 'CREATE')", schema)) {
            missing.add(
                    new Missing(
                            "staging and gpfdist external tables in the bookkeeping schema",
                            "GRANT USAGE, CREATE ON SCHEMA " + schema + " TO " + role));
        }
        Map<String, String> tables = new LinkedHashMap<>();
        tables.put(bookkeeping.stagingTable(target), "SELECT, INSERT, DELETE");
        tables.put(bookkeeping.stagedDeadLetters(), "SELECT, INSERT, DELETE");
        tables.put(bookkeeping.stagedTags(), "SELECT, INSERT, DELETE");
        tables.put(bookkeeping.applyBatchTable(target), "SELECT, INSERT, DELETE");
        tables.put(bookkeeping.applyMatchTable(target), "SELECT, INSERT, DELETE");
        if (target.hourColumn() != null) {
            tables.put(bookkeeping.softDeletedTable(target), "SELECT, INSERT, DELETE");
        }
        tables.put(bookkeeping.ledger(), "SELECT, INSERT");
        tables.put(bookkeeping.touchedHours(), "INSERT");
        tables.put(bookkeeping.touchedKeys(), "INSERT");
        tables.put(bookkeeping.deadLetters(), "INSERT");
        for (var t : tables.entrySet()) {
            addTableGrant(missing, t.getKey(), t.getValue(), "bookkeeping table " + t.getKey());
        }
        String sequence = bookkeeping.commitSequence();
        if (exists(sequence)
                && !checkRelation("has_sequence_privilege(c.oid, 'USAGE')", sequence)) {
            missing.add(
                    new Missing(
                            "commit numbers",
                            "GRANT USAGE ON SEQUENCE " + sequence + " TO " + role));
        }
        if (!check("SELECT has_schema_privilege(?, 'USAGE')", target.schema())) {
            missing.add(
                    new Missing(
                            "the target table's schema",
                            "GRANT USAGE ON SCHEMA " + target.schema() + " TO " + role));
        }
        addTableGrant(
                missing,
                target.qualifiedName(),
                deleteMode == DeleteMode.SOFT
                        ? "SELECT, INSERT, DELETE, UPDATE"
                        : "SELECT, INSERT, DELETE",
                "the apply into " + target.qualifiedName());
        return missing;
    }

    /** Whether the role may create readable external tables of protocol gpfdist (Greenplum). */
    public boolean canCreateGpfdistTables() throws SQLException {
        return check(
                "SELECT rolsuper OR rolcreaterextgpfd FROM pg_roles WHERE rolname = current_user");
    }

    /** The grant of what {@link #canCreateGpfdistTables()} checks. */
    public Missing gpfdistGrant() {
        return new Missing(
                "the writers' gpfdist external tables (loader GPFDIST)",
                "ALTER ROLE " + role + " CREATEEXTTABLE (type='readable', protocol='gpfdist')");
    }

    /**
     * Whether the role may alter {@code table} (split partitions): it must own it, or be a member
     * of the owning role. Null when it may, else the statement that makes it the owner.
     */
    public Missing ownershipFor(String table, String purpose) throws SQLException {
        return ownershipFor(table, "TABLE", purpose);
    }

    /**
     * As {@link #ownershipFor(String, String)} for a relation of {@code kind} ({@code TABLE},
     * {@code VIEW}): replacing a view also takes its owner.
     */
    public Missing ownershipFor(String relation, String kind, String purpose) throws SQLException {
        int dot = relation.indexOf('.');
        String owner =
                queryString(
                        "SELECT pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON"
                                + " n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?",
                        relation.substring(0, dot),
                        relation.substring(dot + 1));
        if (checkRelation("pg_has_role(current_user, c.relowner, 'USAGE')", relation)) {
            return null;
        }
        return new Missing(
                purpose
                        + " (owned by "
                        + owner
                        + "; or GRANT "
                        + identifier(owner)
                        + " TO "
                        + role
                        + ")",
                "ALTER " + kind + " " + relation + " OWNER TO " + role);
    }

    /** The {@code privileges} (e.g. {@code "SELECT, DELETE"}) on an existing table it lacks. */
    public List<Missing> missingOnTable(String table, String privileges, String purpose)
            throws SQLException {
        List<Missing> missing = new ArrayList<>();
        addTableGrant(missing, table, privileges, purpose);
        return missing;
    }

    /** USAGE on {@code schema}, or its grant (null when the role has it). */
    public Missing usageOnSchema(String schema, String purpose) throws SQLException {
        return check("SELECT has_schema_privilege(?, 'USAGE')", schema)
                ? null
                : new Missing(purpose, "GRANT USAGE ON SCHEMA " + schema + " TO " + role);
    }

    /** USAGE and CREATE on {@code schema}, or the grant of what is missing (null when none). */
    public Missing createInSchema(String schema, String purpose) throws SQLException {
        if (check("SELECT has_schema_privilege(?, 'USAGE')", schema)
                && check("SELECT has_schema_privilege(?, 'CREATE')", schema)) {
            return null;
        }
        return new Missing(purpose, "GRANT USAGE, CREATE ON SCHEMA " + schema + " TO " + role);
    }

    /** Whether {@code schema.relation} exists. */
    public boolean exists(String relation) throws SQLException {
        int dot = relation.indexOf('.');
        return check(
                "SELECT count(*) > 0 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                        + " WHERE n.nspname = ? AND c.relname = ?",
                relation.substring(0, dot),
                relation.substring(dot + 1));
    }

    private void addTableGrant(
            List<Missing> missing, String table, String privileges, String purpose)
            throws SQLException {
        if (!exists(table)) {
            return;
        }
        List<String> lacking = new ArrayList<>();
        for (String p : privileges.split(", ")) {
            if (!checkRelation("has_table_privilege(c.oid, '" + p + "')", table)) {
                lacking.add(p);
            }
        }
        if (!lacking.isEmpty()) {
            missing.add(
                    new Missing(
                            purpose,
                            "GRANT "
                                    + String.join(", ", lacking)
                                    + " ON "
                                    + table
                                    + " TO "
                                    + role));
        }
    }

    /**
     * {@code expression} over the relation's catalog row {@code c}. By OID, not by name: resolving
     * a name needs USAGE on its schema, which is one of the things being checked.
     */
    private boolean checkRelation(String expression, String relation) throws SQLException {
        int dot = relation.indexOf('.');
        return check(
                "SELECT "
                        + expression
                        + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE"
                        + " n.nspname = ? AND c.relname = ?",
                relation.substring(0, dot),
                relation.substring(dot + 1));
    }

    private boolean check(String sql, String... params) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                p.setString(i + 1, params[i]);
            }
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private String queryString(String sql, String... params) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                p.setString(i + 1, params[i]);
            }
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    /** A role or database name as it must appear in a statement. */
    static String identifier(String name) {
        return PLAIN_IDENTIFIER.matcher(name).matches()
                ? name
                : "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
