package io.pg2gp.connector.warehouse;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A warehouse target table: its data columns, primary key, the column whose hour the rollup job
 * tracks and the column whose values per-key recomputes track (e.g. the user of a request). The
 * sink adds the CDC metadata columns {@code _cdc_lsn}, {@code _cdc_op}, {@code _cdc_committed_at},
 * {@code _synced_at} (and {@code _deleted} for soft deletes) itself.
 */
@PublicEvolving
public final class WarehouseTable implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,40}");

    private final String schema;
    private final String name;
    private final List<Column> columns;
    private final List<String> keyColumns;
    private final String hourColumn;
    private final String touchedKeyColumn;
    private final List<String> distributionColumns;

    private WarehouseTable(Builder b) {
        this.schema = checkIdentifier(b.schema, "schema");
        this.name = checkIdentifier(b.name, "table name");
        this.columns = List.copyOf(b.columns.values());
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("table " + name + " has no columns");
        }
        if (b.keyColumns.isEmpty()) {
            throw new IllegalArgumentException("table " + name + " has no key columns");
        }
        for (String k : b.keyColumns) {
            if (!b.columns.containsKey(k)) {
                throw new IllegalArgumentException(
                        "key column " + k + " is not a column of " + name);
            }
        }
        this.keyColumns = List.copyOf(b.keyColumns);
        if (b.hourColumn != null
                && (!b.columns.containsKey(b.hourColumn)
                        || b.columns.get(b.hourColumn).type() != ColumnType.TIMESTAMPTZ)) {
            throw new IllegalArgumentException(
                    "hour column " + b.hourColumn + " must be a timestamptz column of " + name);
        }
        this.hourColumn = b.hourColumn;
        if (b.touchedKeyColumn != null && !b.columns.containsKey(b.touchedKeyColumn)) {
            throw new IllegalArgumentException(
                    "touched key column " + b.touchedKeyColumn + " is not a column of " + name);
        }
        this.touchedKeyColumn = b.touchedKeyColumn;
        for (String d : b.distributionColumns) {
            if (!b.columns.containsKey(d)) {
                throw new IllegalArgumentException(
                        "distribution column " + d + " is not a column of " + name);
            }
        }
        this.distributionColumns =
                b.distributionColumns.isEmpty() ? keyColumns : List.copyOf(b.distributionColumns);
    }

    /**
     * Greenplum distribution key of the target (default: the key). Staging is distributed the same
     * way, so moving a batch from staging into the target stays on each segment.
     */
    public List<String> distributionColumns() {
        return distributionColumns;
    }

    public static Builder builder(String schema, String name) {
        return new Builder(schema, name);
    }

    public String schema() {
        return schema;
    }

    public String name() {
        return name;
    }

    /** {@code schema.name}. */
    public String qualifiedName() {
        return schema + "." + name;
    }

    public List<Column> columns() {
        return columns;
    }

    public List<String> keyColumns() {
        return keyColumns;
    }

    /** The timestamptz column whose hour a change touches, or {@code null}. */
    public String hourColumn() {
        return hourColumn;
    }

    /**
     * The column whose values each commit records, for the old and the new version of every row it
     * changes (so a row moving between two values touches both), or {@code null}.
     */
    public String touchedKeyColumn() {
        return touchedKeyColumn;
    }

    public int indexOf(String column) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(column)) {
                return i;
            }
        }
        return -1;
    }

    static String checkIdentifier(String s, String what) {
        if (s == null || !IDENTIFIER.matcher(s).matches()) {
            throw new IllegalArgumentException(
                    what + " '" + s + "' must be a lower-case SQL identifier ([a-z_][a-z0-9_]*)");
        }
        return s;
    }

    @Override
    public String toString() {
        return qualifiedName() + columns;
    }

    /** A data column. */
    public record Column(String name, ColumnType type) implements Serializable {
        public Column {
            checkIdentifier(name, "column name");
            Objects.requireNonNull(type, "type");
        }
    }

    /** Builds a {@link WarehouseTable}. */
    public static final class Builder {
        private final String schema;
        private final String name;
        private final Map<String, Column> columns = new LinkedHashMap<>();
        private final List<String> keyColumns = new ArrayList<>();
        private String hourColumn;
        private String touchedKeyColumn;
        private final List<String> distributionColumns = new ArrayList<>();

        private Builder(String schema, String name) {
            this.schema = schema;
            this.name = name;
        }

        public Builder column(String column, ColumnType type) {
            if (columns.put(column, new Column(column, type)) != null) {
                throw new IllegalArgumentException("duplicate column " + column);
            }
            return this;
        }

        public Builder key(String... key) {
            Collections.addAll(keyColumns, key);
            return this;
        }

        public Builder hourColumn(String column) {
            this.hourColumn = column;
            return this;
        }

        /**
         * Records the values of {@code column} each commit touches (old and new versions) in the
         * bookkeeping's {@code touched_keys}, for per-key recomputes such as per-user features.
         */
        public Builder touchedKeyColumn(String column) {
            this.touchedKeyColumn = column;
            return this;
        }

        /** The target's Greenplum distribution key, when it is not the key. */
        public Builder distributedBy(String... columns) {
            Collections.addAll(distributionColumns, columns);
            return this;
        }

        public WarehouseTable build() {
            return new WarehouseTable(this);
        }
    }
}
