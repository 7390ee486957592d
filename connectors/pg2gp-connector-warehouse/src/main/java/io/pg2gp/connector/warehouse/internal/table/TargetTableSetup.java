package io.pg2gp.connector.warehouse.internal.table;

import io.pg2gp.connector.warehouse.ColumnType;
import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseTable;

import org.apache.flink.annotation.Internal;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The warehouse side of a SQL sink at planning time: the {@link WarehouseTable} for a Flink row
 * type, the target's existing column types (a string column lands in json, jsonb or uuid when the
 * target column is one), and {@code sink.create-table}'s DDL.
 */
@Internal
public final class TargetTableSetup {

    /** Key of append-mode tables: one fresh value per row (see {@link RowDataRecordSerializer}). */
    public static final String ROW_ID_COLUMN = "_pg2gp_row_id";

    private TargetTableSetup() {}

    /** The sink's table; {@code key} empty = append mode, keyed by {@link #ROW_ID_COLUMN}. */
    public static WarehouseTable table(
            String schema,
            String name,
            RowType rowType,
            List<String> key,
            Map<String, String> targetTypes) {
        WarehouseTable.Builder b = WarehouseTable.builder(schema, name);
        for (RowType.RowField f : rowType.getFields()) {
            checkColumnName(f.getName());
            b.column(
                    f.getName(),
                    RowDataTypeMapping.columnType(
                            f.getName(), f.getType(), targetTypes.get(f.getName())));
        }
        if (key.isEmpty()) {
            b.column(ROW_ID_COLUMN, ColumnType.UUID).key(ROW_ID_COLUMN);
        } else {
            b.key(key.toArray(new String[0]));
        }
        return b.build();
    }

    private static void checkColumnName(String column) {
        if (!column.matches("[a-z_][a-z0-9_]{0,40}")) {
            throw new org.apache.flink.table.api.ValidationException(
                    "column '"
                            + column
                            + "' is not a lower-case SQL identifier ([a-z_][a-z0-9_]*), which the"
                            + " greenplum connector needs");
        }
    }

    /** Column name to {@code format_type} of the existing target; empty when it does not exist. */
    public static Map<String, String> targetTypes(Connection c, String schema, String name)
            throws SQLException {
        Map<String, String> types = new HashMap<>();
        try (PreparedStatement p =
                c.prepareStatement(
                        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute"
                                + " a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n"
                                + " ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname"
                                + " = ? AND a.attnum > 0 AND NOT a.attisdropped")) {
            p.setString(1, schema);
            p.setString(2, name);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    types.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return types;
    }

    /** Creates the target when missing: data columns, the sink's metadata, key, distribution. */
    public static void createIfMissing(
            Connection c, WarehouseTable table, RowType rowType, DeleteMode deleteMode)
            throws SQLException {
        if (!targetTypes(c, table.schema(), table.name()).isEmpty()) {
            return;
        }
        String sql = createStatement(table, rowType, deleteMode, WarehouseDialect.detect(c));
        try (Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS " + table.schema());
            s.execute(sql);
        }
    }

    static String createStatement(
            WarehouseTable table, RowType rowType, DeleteMode deleteMode, WarehouseDialect d) {
        StringBuilder sql =
                new StringBuilder("CREATE TABLE IF NOT EXISTS ")
                        .append(table.qualifiedName())
                        .append(" (");
        for (WarehouseTable.Column col : table.columns()) {
            int field = rowType.getFieldNames().indexOf(col.name());
            LogicalType type = field < 0 ? null : rowType.getTypeAt(field);
            sql.append(col.name())
                    .append(' ')
                    .append(type == null ? col.type().sqlName() : ddlType(col.type(), type))
                    .append(table.keyColumns().contains(col.name()) ? " NOT NULL" : "")
                    .append(", ");
        }
        sql.append(
                "_cdc_lsn bigint NOT NULL, _cdc_op char(1) NOT NULL, _cdc_committed_at"
                        + " timestamptz, _synced_at timestamptz NOT NULL DEFAULT now()");
        if (deleteMode == DeleteMode.SOFT) {
            sql.append(", _deleted boolean NOT NULL DEFAULT false");
        }
        String key = String.join(", ", table.keyColumns());
        sql.append(", PRIMARY KEY (").append(key).append("))").append(d.distributedBy(key));
        return sql.toString();
    }

    private static String ddlType(ColumnType columnType, LogicalType type) {
        return RowDataTypeMapping.ddlType(columnType, type);
    }
}
