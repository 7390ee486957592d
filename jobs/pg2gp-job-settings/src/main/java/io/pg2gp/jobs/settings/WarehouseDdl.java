package io.pg2gp.jobs.settings;

import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.connector.warehouse.WarehouseDialect;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Creates the target tables from the DDL in {@code sql/warehouse/}, for the detected dialect. */
public final class WarehouseDdl {

    private WarehouseDdl() {}

    /** The DDL script for a dialect, with {@code {{schema}}} replaced. */
    public static String script(WarehouseDialect dialect, String schema) {
        String path = "/sql/warehouse/" + dialect.sqlFlavour() + "/01_tables.sql";
        try (InputStream in = WarehouseDdl.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .replace("{{schema}}", schema);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path, e);
        }
    }

    /**
     * Creates the tables unless both already exist (Greenplum 6 has no CREATE INDEX IF NOT EXISTS).
     */
    public static void createIfMissing(WarehouseConnectionOptions options, String schema) {
        Connection c;
        try {
            c = options.open("pg2gp ddl");
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot connect to the warehouse "
                            + options.url()
                            + " as "
                            + options.user()
                            + ": "
                            + e.getMessage(),
                    e);
        }
        try (c) {
            if (exists(c, schema, WarehouseTables.REQUESTS)
                    && exists(c, schema, WarehouseTables.USERS)) {
                return;
            }
            WarehouseDialect dialect = WarehouseDialect.detect(c);
            try (Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
                s.execute(script(dialect, schema));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot create the warehouse tables in schema "
                            + schema
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }

    private static boolean exists(Connection c, String schema, String table) throws SQLException {
        try (PreparedStatement p =
                c.prepareStatement(
                        // the catalog: information_schema hides tables the role may not read
                        "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                                + " WHERE n.nspname = ? AND c.relname = ?")) {
            p.setString(1, schema);
            p.setString(2, table);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next();
            }
        }
    }
}
