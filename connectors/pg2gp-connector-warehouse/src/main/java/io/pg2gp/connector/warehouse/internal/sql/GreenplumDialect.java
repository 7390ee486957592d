package io.pg2gp.connector.warehouse.internal.sql;

import io.pg2gp.connector.warehouse.WarehouseDialect;

import org.apache.flink.annotation.Internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** Greenplum 6 or 7 as the warehouse: a coordinator and segments, distribution, no autovacuum. */
@Internal
public final class GreenplumDialect implements WarehouseDialect {

    private final int major;

    public GreenplumDialect(int major) {
        this.major = major;
    }

    @Override
    public String displayName() {
        return "Greenplum " + major;
    }

    @Override
    public String sqlFlavour() {
        return "greenplum";
    }

    @Override
    public String sqlFlavourName() {
        return "Greenplum 6/7";
    }

    @Override
    public boolean distributesTables() {
        return true;
    }

    @Override
    public boolean analyzesOnCoordinator() {
        return true;
    }

    @Override
    public String distributedBy(String columns) {
        return " DISTRIBUTED BY (" + columns + ")";
    }

    @Override
    public String distributedRandomly() {
        return " DISTRIBUTED RANDOMLY";
    }

    /** Greenplum budgets a statement's memory with {@code statement_mem}, not {@code work_mem}. */
    @Override
    public List<String> applySessionSettings(String memory) {
        return List.of("SET statement_mem = " + SqlLiterals.string(memory));
    }

    /**
     * The Postgres planner, local to the apply's transaction. Measured on GP6: GPORCA spent 190-410
     * ms planning each apply (as long as running it) and probed the key index 10x slower than the
     * Postgres planner's nested loop; the apply's statements are simple joins that gain nothing
     * from GPORCA.
     */
    @Override
    public List<String> applyPlannerSettings() {
        return List.of("SET LOCAL optimizer = off");
    }

    /**
     * An index nested loop (the batch broadcast, one probe of the key index per key and partition)
     * instead of Greenplum's default hash join, which reads every row of every partition within the
     * bounds. Only with an index on the key: without one a nested loop would scan the target per
     * key.
     */
    @Override
    public List<String> keyLookupSettings(boolean keyIndexed) {
        if (!keyIndexed) {
            return List.of();
        }
        // No sequential scans either: a partition never analysed (reltuples 0) looks so small that
        // the planner scans it once per batch key instead of probing the index, which the e2e
        // benchmark on Greenplum met as a DELETE of ~80k keys still running after 3 minutes.
        return List.of(
                "SET LOCAL enable_nestloop = on",
                "SET LOCAL enable_hashjoin = off",
                "SET LOCAL enable_seqscan = off");
    }

    /**
     * Measured on GP6 (100 users on 4 days, 1M requests; `./pg2gp bench features --warehouse
     * greenplum`): 1.75 s per recompute with GPORCA, which spent 150-630 ms planning each of its
     * statements; 0.22 s with the Postgres planner, no hash aggregation (its HashAgg over the day
     * rows' aggregates failed with "insufficient memory reserved for statement" at the default
     * statement_mem) and PostgreSQL's default random_page_cost: Greenplum's 100 made it read the
     * whole day table (1M rows, ~0.5 s) instead of the 100 users' rows by index.
     */
    @Override
    public List<String> fewKeysRecomputeSettings() {
        return List.of(
                "SET LOCAL optimizer = off",
                "SET LOCAL enable_hashagg = off",
                "SET LOCAL random_page_cost = 4");
    }

    /**
     * Grouping in one phase: staging is distributed by the target's distribution column, not the
     * key, and the planner's default first groups each segment's rows by key, which reduces nothing
     * (every key is there once) and cost as much as the grouping after the motion. On GP6, 1M
     * staged rows: 1.04-1.32 s with two phases, 0.71-0.88 s with one.
     */
    @Override
    public List<String> keyCountSettings() {
        return List.of("SET LOCAL gp_enable_multiphase_agg = off");
    }

    @Override
    public List<String> keyCountReset() {
        return List.of("SET LOCAL gp_enable_multiphase_agg = on");
    }

    /**
     * Append-optimized rows, uncompressed: staging is written once, read by the apply and deleted
     * by it, which an AO table does without a tuple header per row or a rewrite of each deleted
     * tuple (a visibility-map entry instead). Measured on GP6 with 1M staged rows: the load from
     * gpfdist 4.2 s against 6.1-6.2 s for heap, the purge's DELETE 0.26 s against 1.0-1.6 s, the
     * batch statistics 0.34 s against 0.6-1.2 s. Explicit, so a cluster's {@code
     * gp_default_storage_options} (e.g. compressed column orientation) does not apply to it.
     */
    @Override
    public String stagingStorage() {
        return " WITH (appendonly=true, orientation=row, compresstype=none)";
    }

    /**
     * No: GP6's Postgres planner prunes partitions from literals only, so a nested loop probes
     * every partition within the bounds for every key (measured: ~10 index probes per key of a
     * 10k-change batch over 3 months; the probes of the wrong partitions read index pages that grow
     * with the table). GPORCA prunes joined partitions but the apply plans with the Postgres
     * planner (see {@link #applyPlannerSettings}); GP7 not measured.
     */
    @Override
    public boolean prunesPartitionsPerKey() {
        return false;
    }

    @Override
    public boolean exactLateralJoins() {
        return false;
    }

    @Override
    public boolean isPartitioned(Connection c, String table) throws SQLException {
        String sql =
                major == 6
                        ? "SELECT count(*) > 0 FROM pg_partition WHERE parrelid = ?::regclass"
                        : "SELECT relkind = 'p' FROM pg_class WHERE oid = ?::regclass";
        try (PreparedStatement p = c.prepareStatement(sql)) {
            p.setString(1, table);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** The counters live on each segment (the coordinator's stay 0 for partitions). */
    @Override
    public String classCountersFrom(String alias) {
        return "gp_dist_random('pg_class') " + alias;
    }

    @Override
    public boolean hasExternalTables() {
        return true;
    }

    /**
     * GP6 wants the default partition named as an ordinary one in the INTO list (it rejects {@code
     * DEFAULT PARTITION} there: "cannot specify a name, rank, or value for a DEFAULT partition in
     * this context"); GP7's legacy syntax takes the form documented for it.
     */
    @Override
    public String splitDefaultPartition(
            String table, String name, String from, String to, String defaultPartition) {
        return "ALTER TABLE "
                + table
                + " SPLIT DEFAULT PARTITION START ("
                + SqlLiterals.string(from)
                + "::timestamptz) INCLUSIVE END ("
                + SqlLiterals.string(to)
                + "::timestamptz) EXCLUSIVE INTO (PARTITION "
                + name
                + (major == 6 ? ", PARTITION " : ", DEFAULT PARTITION ")
                + defaultPartition
                + ")";
    }

    /** GP6 lists partitions in {@code pg_partitions}, GP7 in the partition bounds. */
    @Override
    public String partitionsQuery() {
        if (major == 6) {
            return "SELECT partitionrangestart, partitionname, partitionisdefault FROM"
                    + " pg_partitions WHERE schemaname = ? AND tablename = ?";
        }
        return "SELECT pg_get_expr(c.relpartbound, c.oid), c.relname,"
                + " pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT' FROM pg_inherits i JOIN"
                + " pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent JOIN"
                + " pg_namespace n ON n.oid = p.relnamespace WHERE n.nspname = ? AND p.relname"
                + " = ?";
    }

    @Override
    public String toString() {
        return "GREENPLUM_" + major;
    }
}
