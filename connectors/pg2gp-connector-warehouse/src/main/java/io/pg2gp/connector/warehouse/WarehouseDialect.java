package io.pg2gp.connector.warehouse;

import io.pg2gp.connector.warehouse.internal.sql.GreenplumDialect;
import io.pg2gp.connector.warehouse.internal.sql.PostgresDialect;

import org.apache.flink.annotation.PublicEvolving;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * What differs between the warehouses the sink writes to: PostgreSQL and Greenplum 6/7. Each
 * flavour owns its SQL differences here, so callers ask the dialect instead of branching on it.
 * Detected from {@code SELECT version()}.
 */
@PublicEvolving
public interface WarehouseDialect {

    WarehouseDialect POSTGRES = new PostgresDialect();
    WarehouseDialect GREENPLUM_6 = new GreenplumDialect(6);
    WarehouseDialect GREENPLUM_7 = new GreenplumDialect(7);

    static WarehouseDialect fromVersion(String version) {
        if (version.contains("Greenplum Database 6.")) {
            return GREENPLUM_6;
        }
        if (version.contains("Greenplum Database")) {
            return GREENPLUM_7;
        }
        return POSTGRES;
    }

    static WarehouseDialect detect(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT version()")) {
            rs.next();
            return fromVersion(rs.getString(1));
        }
    }

    /** A name for people: "PostgreSQL", "Greenplum 6". */
    String displayName();

    /**
     * The flavour's name in the shipped SQL ({@code sql/warehouse/<flavour>/}) and in {@code
     * ./pg2gp sql <flavour>}: "postgres" or "greenplum" (Greenplum 6 and 7 share their scripts).
     */
    String sqlFlavour();

    /** Who the flavour's scripts are for, in their header: "PostgreSQL", "Greenplum 6/7". */
    String sqlFlavourName();

    /** Whether tables are distributed over segments (their distribution key matters). */
    boolean distributesTables();

    /**
     * Whether ANALYZE computes statistics on one node from the segments' samples (Greenplum's
     * coordinator), so that a smaller statistics target saves that node's CPU.
     */
    boolean analyzesOnCoordinator();

    /**
     * Whether monthly partitions are split off a default partition by altering the table, which
     * needs its owner (see {@link #splitDefaultPartition}).
     */
    default boolean splitsPartitions() {
        return partitionsQuery() != null;
    }

    /** The distribution clause for a new table, empty on PostgreSQL. */
    String distributedBy(String columns);

    /** Distribution for small bookkeeping tables read by key, empty on PostgreSQL. */
    String distributedRandomly();

    /**
     * Session settings for the apply connection: the batch sort stays in memory up to {@code
     * memory} (a size such as {@code 256MB}).
     */
    List<String> applySessionSettings(String memory);

    /** Settings local to the apply's transaction that pick its planner. */
    List<String> applyPlannerSettings();

    /**
     * Settings for the statements that find batch keys in the target, given whether the target has
     * an index led by its key.
     */
    List<String> keyLookupSettings(boolean keyIndexed);

    /**
     * Settings local to a transaction that recomputes what is derived from a few keys' rows (the
     * feature store's recompute of a group of users), read through indexes led by the key.
     */
    default List<String> fewKeysRecomputeSettings() {
        return List.of();
    }

    /**
     * Whether the planner prunes a partitioned target's partitions per key of a join (PostgreSQL 11
     * and later do at run time). Where it does not, the apply finds and deletes keys one month at a
     * time, so each key probes the partition it is in rather than every partition in the bounds.
     */
    default boolean prunesPartitionsPerKey() {
        return true;
    }

    /**
     * Whether a LATERAL subquery correlated with each outer row gives exact results. Greenplum 6
     * returned wrong counts for the feature view's LATERAL form (1 instead of 302 requests), so
     * Greenplum's views use an IN form instead.
     */
    default boolean exactLateralJoins() {
        return true;
    }

    /**
     * Staging slots: staging is partitioned by checkpoint tag modulo this number, so the rows of an
     * applied checkpoint go with a {@code TRUNCATE} of their slot instead of a {@code DELETE} (no
     * dead rows, no VACUUM of staging, no autovacuum passes over it). 0 where staging is one plain
     * table (Greenplum: its own partitioning, kept to the tested form).
     */
    default int stagingSlots() {
        return 0;
    }

    /**
     * Settings for the count of keys staged twice, which groups a batch by its key: one group per
     * row. Undone by {@link #keyCountReset()} right after it.
     */
    default List<String> keyCountSettings() {
        return List.of();
    }

    /** Undoes {@link #keyCountSettings()} for the rest of the apply's transaction. */
    default List<String> keyCountReset() {
        return List.of();
    }

    /**
     * Storage options of an unslotted staging table, written between its columns and its
     * distribution; empty for the server's default (heap).
     */
    default String stagingStorage() {
        return "";
    }

    /**
     * Whether the server vacuums dead rows by itself (PostgreSQL's autovacuum): then the
     * housekeeping refreshes statistics only and leaves dead rows to it.
     */
    default boolean vacuumsByItself() {
        return false;
    }

    /**
     * Whether an {@code INSERT ... RETURNING} can feed another statement in one query (a writable
     * CTE): the insert-only apply then records the touched keys from the rows it inserts instead of
     * reading staging again.
     */
    default boolean writableCtes() {
        return false;
    }

    /**
     * Whether the general apply may update a replaced version in place instead of deleting it and
     * inserting the new one, where the target allows it (see {@code InPlaceUpdateStatements}). On
     * PostgreSQL an update writes one new row version, and no index entries when no indexed column
     * changed (HOT); delete plus insert writes the new row, an entry in every index and the
     * delete's marks. Greenplum keeps delete plus insert (its apply plans are measured that way).
     */
    default boolean updatesInPlace() {
        return false;
    }

    /** Whether {@code table} is partitioned (only then do literal hour bounds help the apply). */
    boolean isPartitioned(Connection c, String table) throws SQLException;

    /** {@code pg_class} as a FROM item whose statistics counters cover every segment. */
    String classCountersFrom(String alias);

    /** Whether the segments can pull rows through readable external tables (gpfdist). */
    boolean hasExternalTables();

    /**
     * The statement that splits {@code [from, to)} off a range-partitioned table's default
     * partition into a partition named {@code name}; null where tables have no such partitions.
     */
    String splitDefaultPartition(
            String table, String name, String from, String to, String defaultPartition);

    /**
     * A query for the partitions of {@code schema.table} (parameters: schema, table) returning the
     * range start expression, the partition's name and whether it is the default one; null where
     * tables have no such partitions.
     */
    String partitionsQuery();
}
