package io.pg2gp.connector.warehouse.internal.sql;

import io.pg2gp.connector.warehouse.BookkeepingSchema;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseTable;

import org.apache.flink.annotation.Internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The pipeline's own tables in the warehouse: per-target staging, staged dead letters, the commit
 * ledger (exactly-once), the dead-letter table and the hours and keys touched by each commit (input
 * of the rollup job). All DDL is idempotent and accepted by PostgreSQL and Greenplum 6/7.
 */
@Internal
public final class BookkeepingTables {

    /** Staging columns that precede the target's data columns. */
    public static final String STAGE_PREFIX_COLUMNS =
            "_pg2gp_job, _pg2gp_batch, _pg2gp_tag, _pg2gp_seq";

    /** CDC metadata columns staged after the data columns. */
    public static final String STAGE_META_COLUMNS =
            "_cdc_lsn, _cdc_op, _cdc_committed_at, _cdc_prev_hour";

    /** Added to staging after the first release; {@link WarehouseSetup} adds it to old ones. */
    public static final String PREVIOUS_HOUR_COLUMN = "_cdc_prev_hour";

    /** Staging columns every row fills: the batch's bookkeeping and the change's LSN and op. */
    private static final Set<String> STAGE_NOT_NULL =
            Set.of("_pg2gp_job", "_pg2gp_batch", "_pg2gp_tag", "_pg2gp_seq", "_cdc_lsn", "_cdc_op");

    /**
     * Distribution of the ledger on Greenplum: the random commit id the apply looks it up by, so
     * the rows spread over every segment and each lookup reads one segment.
     */
    public static final String LEDGER_DISTRIBUTION = "commit_id";

    /**
     * Distribution of the touched hours on Greenplum: read and purged by commit ranges, so any key
     * spreading the commits evenly serves; by commit, one commit's hours stay together.
     */
    public static final String TOUCHED_HOURS_DISTRIBUTION = "commit_seq";

    /**
     * Distribution of the touched keys on Greenplum: the key itself (a user id spreads evenly), so
     * no commit's keys land on one segment and the feature recompute's reads spread too.
     */
    public static final String TOUCHED_KEYS_DISTRIBUTION = "key_value";

    private final String schema;
    private final BookkeepingSchema names;
    private final WarehouseDialect dialect;

    public BookkeepingTables(String schema, WarehouseDialect dialect) {
        this.schema = schema;
        this.names = new BookkeepingSchema(schema);
        this.dialect = dialect;
    }

    public String schema() {
        return schema;
    }

    public WarehouseDialect dialect() {
        return dialect;
    }

    public String ledger() {
        return names.ledger();
    }

    public String touchedHours() {
        return names.touchedHours();
    }

    public String touchedKeys() {
        return names.touchedKeys();
    }

    public String deadLetters() {
        return names.deadLetters();
    }

    public String stagedDeadLetters() {
        return schema + ".stage_dead_letters";
    }

    public String commitSequence() {
        return schema + ".commit_seq";
    }

    public String stagingTable(WarehouseTable target) {
        return schema + ".stage_" + target.schema() + "_" + target.name();
    }

    /**
     * Slot {@code i} of a partitioned staging table: the rows tagged {@code i} modulo the slots.
     */
    public String stagingSlot(WarehouseTable target, int i) {
        return stagingTable(target) + "_p" + i;
    }

    /**
     * The checkpoint tags writers stage into a partitioned staging table: a writer records (job,
     * table, tag) before the first rows of each tag and the committer truncates a slot only when
     * none of the slot's recorded tags is of another job or of a checkpoint not applied yet.
     */
    public String stagedTags() {
        return schema + ".stage_tags";
    }

    /**
     * Bookkeeping tables whose Greenplum distribution changed since the first release (both were
     * distributed by {@code job}, a single value that put every row on one segment), with the
     * distribution they have now; {@link WarehouseSetup} redistributes old ones.
     */
    public Map<String, String> redistributed() {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put(ledger(), LEDGER_DISTRIBUTION);
        keys.put(touchedHours(), TOUCHED_HOURS_DISTRIBUTION);
        return keys;
    }

    /** The apply's deduplicated batch of {@code target}: one row per key, emptied by each apply. */
    public String applyBatchTable(WarehouseTable target) {
        return schema + ".apply_batch_" + target.schema() + "_" + target.name();
    }

    /** The batch keys that have a version in {@code target}: filled and emptied by each apply. */
    public String applyMatchTable(WarehouseTable target) {
        return schema + ".apply_match_" + target.schema() + "_" + target.name();
    }

    /**
     * The keys of {@code target}'s rows marked deleted (soft delete mode) and the hour each marked
     * row is in; only for targets with an hour column. A fresh batch reads the target within the
     * hours it touches, but a marked row stays in its own hour: when its key comes back, the apply
     * looks its hour up here and reads that hour too (see {@link
     * ApplyStatements#softDeletedHours}).
     */
    public String softDeletedTable(WarehouseTable target) {
        return schema + ".soft_deleted_" + target.schema() + "_" + target.name();
    }

    private void softDeletedTable(WarehouseTable target, List<Ddl> ddl) {
        if (target.hourColumn() == null) {
            return;
        }
        String keys = String.join(", ", target.keyColumns());
        // Distributed by key: the batch is joined with it by key, and a key's marked row may be
        // on another segment than its new version (the distribution column may have changed).
        ddl.add(
                new Ddl(
                        softDeletedTable(target),
                        "CREATE TABLE "
                                + softDeletedTable(target)
                                + " ("
                                + targetColumnDefinitions(target, target.keyColumns())
                                + ", hour timestamptz)"
                                + dialect.distributedBy(keys)));
        String index = "soft_deleted_" + target.schema() + "_" + target.name() + "_key";
        ddl.add(
                new Ddl(
                        schema + "." + index,
                        "CREATE INDEX "
                                + index
                                + " ON "
                                + softDeletedTable(target)
                                + " ("
                                + keys
                                + ")"));
    }

    /**
     * Fills a new {@link #softDeletedTable} from the target's marked rows (targets loaded in soft
     * mode before the table existed).
     */
    public String fillSoftDeleted(WarehouseTable target) {
        String keys = String.join(", ", target.keyColumns());
        return "INSERT INTO "
                + softDeletedTable(target)
                + " ("
                + keys
                + ", hour) SELECT "
                + keys
                + ", "
                + target.hourColumn()
                + " FROM "
                + target.qualifiedName()
                + " WHERE _deleted";
    }

    /**
     * Columns of the apply's batch table, in order: what the apply decides with (key, distribution
     * columns, hour, LSN, op) and the staged row's identity, not the row itself.
     */
    public static List<String> applyBatchColumns(WarehouseTable target) {
        List<String> columns = new ArrayList<>(target.keyColumns());
        for (String d : target.distributionColumns()) {
            if (!columns.contains(d)) {
                columns.add(d);
            }
        }
        if (target.hourColumn() != null && !columns.contains(target.hourColumn())) {
            columns.add(target.hourColumn());
        }
        if (target.touchedKeyColumn() != null && !columns.contains(target.touchedKeyColumn())) {
            columns.add(target.touchedKeyColumn());
        }
        columns.addAll(
                List.of("_pg2gp_batch", "_pg2gp_seq", "_cdc_lsn", "_cdc_op", "_cdc_committed_at"));
        return columns;
    }

    /** The target's distribution columns that are not key columns (carried by the match table). */
    public static List<String> extraDistributionColumns(WarehouseTable target) {
        return target.distributionColumns().stream()
                .filter(d -> !target.keyColumns().contains(d))
                .toList();
    }

    /**
     * Columns of the replaced version the match table carries besides the key: the extra
     * distribution columns (for the co-located delete) and the touched key column (its old value is
     * touched too), each once.
     */
    public static List<String> matchCarriedColumns(WarehouseTable target) {
        List<String> carried = new ArrayList<>(extraDistributionColumns(target));
        String touched = target.touchedKeyColumn();
        if (touched != null
                && !target.keyColumns().contains(touched)
                && !carried.contains(touched)) {
            carried.add(touched);
        }
        return carried;
    }

    private static String targetColumnDefinitions(WarehouseTable target, List<String> names) {
        return names.stream()
                .map(n -> n + " " + target.columns().get(target.indexOf(n)).type().sqlName())
                .collect(Collectors.joining(", "));
    }

    /** The distribution clause of a table distributed like {@code target}. */
    private String distributedLike(WarehouseTable target) {
        return dialect.distributedBy(String.join(", ", target.distributionColumns()));
    }

    private void applyWorkTables(WarehouseTable target, List<Ddl> ddl) {
        List<String> dataColumns =
                applyBatchColumns(target).stream().filter(n -> target.indexOf(n) >= 0).toList();
        String distribution = distributedLike(target);
        ddl.add(
                new Ddl(
                        applyBatchTable(target),
                        "CREATE TABLE "
                                + applyBatchTable(target)
                                + " ("
                                + targetColumnDefinitions(target, dataColumns)
                                + ", _pg2gp_batch bigint NOT NULL, _pg2gp_seq bigint NOT NULL,"
                                + " _cdc_lsn bigint NOT NULL, _cdc_op char(1) NOT NULL,"
                                + " _cdc_committed_at timestamptz)"
                                + distribution));
        List<String> matchColumns = new ArrayList<>(target.keyColumns());
        matchColumns.addAll(matchCarriedColumns(target));
        ddl.add(
                new Ddl(
                        applyMatchTable(target),
                        "CREATE TABLE "
                                + applyMatchTable(target)
                                + " ("
                                + targetColumnDefinitions(target, matchColumns)
                                + ", op char(1) NOT NULL, replaces boolean NOT NULL"
                                + (target.hourColumn() == null ? "" : ", old_hour timestamptz")
                                + ")"
                                + distribution));
    }

    /** Column list of the staging table as COPY names it. */
    public static String stagingColumnList(WarehouseTable target) {
        return STAGE_PREFIX_COLUMNS
                + ", "
                + target.columns().stream()
                        .map(WarehouseTable.Column::name)
                        .collect(Collectors.joining(", "))
                + ", "
                + STAGE_META_COLUMNS;
    }

    /**
     * One object the sink needs and the statement that creates it; {@code relation} is null for the
     * schema itself.
     */
    public record Ddl(String relation, String statement) {}

    /**
     * Everything the sink needs for {@code target}, in creation order. The statements carry no
     * {@code IF NOT EXISTS} (GP6 has none for sequences): {@link WarehouseSetup} asks the catalog
     * first. In the ledger, {@code rows_deleted} counts target rows removed by the apply: versions
     * replaced by a newer one as well as deleted rows. The apply's work tables are permanent, not
     * created per apply: a temporary table per commit leaves dead rows in {@code pg_class}, {@code
     * pg_attribute} and {@code pg_type} on the coordinator and every segment, which Greenplum never
     * vacuums by itself. They are distributed like the target.
     */
    public List<Ddl> createStatements(WarehouseTable target) {
        List<Ddl> ddl = new ArrayList<>();
        ddl.add(new Ddl(null, "CREATE SCHEMA " + schema));
        ddl.add(new Ddl(commitSequence(), "CREATE SEQUENCE " + commitSequence()));
        ddl.add(
                new Ddl(
                        ledger(),
                        "CREATE TABLE "
                                + ledger()
                                + " (job text NOT NULL, target_table text NOT NULL, commit_id"
                                + " bigint NOT NULL, checkpoint_id bigint NOT NULL, commit_seq"
                                + " bigint NOT NULL, batches integer NOT NULL, rows_staged bigint"
                                + " NOT NULL, rows_upserted bigint NOT NULL, rows_deleted bigint"
                                + " NOT NULL, dead_letters bigint NOT NULL, max_lsn bigint,"
                                + " apply_millis bigint, committed_at timestamptz NOT NULL"
                                + " DEFAULT now())"
                                + dialect.distributedBy(LEDGER_DISTRIBUTION)));
        // Every apply looks its commit up and reads the table's last applied LSN (its job's and
        // any job's): without these both scan the whole ledger, which grows by a row per apply
        // and table (measured on GP6 at 1M rows: 5-12 ms and 7-10 ms per apply, 0.5-1 ms with
        // the indexes).
        ddl.add(
                new Ddl(
                        schema + ".commit_ledger_commit_id",
                        "CREATE INDEX commit_ledger_commit_id ON " + ledger() + " (commit_id)"));
        ddl.add(
                new Ddl(
                        schema + ".commit_ledger_last_lsn",
                        "CREATE INDEX commit_ledger_last_lsn ON "
                                + ledger()
                                + " (target_table, max_lsn)"));
        ddl.add(
                new Ddl(
                        touchedHours(),
                        "CREATE TABLE "
                                + touchedHours()
                                + " (job text NOT NULL, target_table text NOT NULL, commit_seq"
                                + " bigint NOT NULL, hour timestamptz NOT NULL)"
                                + dialect.distributedBy(TOUCHED_HOURS_DISTRIBUTION)));
        ddl.add(
                new Ddl(
                        touchedKeys(),
                        "CREATE TABLE "
                                + touchedKeys()
                                + " (job text NOT NULL, target_table text NOT NULL, commit_seq"
                                + " bigint NOT NULL, key_value text NOT NULL)"
                                + dialect.distributedBy(TOUCHED_KEYS_DISTRIBUTION)));
        ddl.add(
                new Ddl(
                        deadLetters(),
                        "CREATE TABLE "
                                + deadLetters()
                                + " (job text NOT NULL, target_table text NOT NULL, commit_seq"
                                + " bigint NOT NULL, reason text NOT NULL, cdc_lsn bigint, cdc_op"
                                + " text, payload text, staged_at timestamptz, committed_at"
                                + " timestamptz NOT NULL DEFAULT now())"
                                + dialect.distributedRandomly()));
        ddl.add(
                new Ddl(
                        stagedDeadLetters(),
                        "CREATE TABLE "
                                + stagedDeadLetters()
                                + " (_pg2gp_job text NOT NULL, _pg2gp_batch bigint NOT NULL,"
                                + " _pg2gp_tag bigint NOT NULL, target_table text NOT NULL, reason"
                                + " text NOT NULL, cdc_lsn bigint, cdc_op text, payload text,"
                                + " staged_at timestamptz NOT NULL DEFAULT now())"
                                + dialect.distributedRandomly()));
        int slots = dialect.stagingSlots();
        ddl.add(
                new Ddl(
                        stagingTable(target),
                        "CREATE TABLE "
                                + stagingTable(target)
                                + " ("
                                + stagingColumnDefinitions(target, true)
                                + ")"
                                + (slots > 0
                                        ? " PARTITION BY LIST ((_pg2gp_tag % " + slots + "))"
                                        : dialect.stagingStorage() + distributedLike(target))));
        if (slots > 0) {
            // Slots are truncated, so they hold no dead rows; their statistics come from the
            // housekeeping (autovacuum's ANALYZE of these wide rows cost up to 3 CPU-s per 1M).
            for (int i = 0; i < slots; i++) {
                ddl.add(
                        new Ddl(
                                stagingSlot(target, i),
                                "CREATE TABLE "
                                        + stagingSlot(target, i)
                                        + " PARTITION OF "
                                        + stagingTable(target)
                                        + " FOR VALUES IN ("
                                        + i
                                        + ") WITH (autovacuum_enabled = false)"));
            }
            ddl.add(
                    new Ddl(
                            stagedTags(),
                            "CREATE TABLE "
                                    + stagedTags()
                                    + " (job text NOT NULL, target_table text NOT NULL, tag bigint"
                                    + " NOT NULL)"));
        }
        applyWorkTables(target, ddl);
        softDeletedTable(target, ddl);
        return ddl;
    }

    /**
     * Column definitions of the staging table, in {@link #stagingColumnList} order; without
     * constraints for an external table that reads the same rows.
     */
    public static String stagingColumnDefinitions(WarehouseTable target, boolean constraints) {
        return stagingColumnTypes(target).entrySet().stream()
                .map(
                        c ->
                                c.getKey()
                                        + ' '
                                        + c.getValue()
                                        + (constraints && STAGE_NOT_NULL.contains(c.getKey())
                                                ? " NOT NULL"
                                                : ""))
                .collect(Collectors.joining(", "));
    }

    /** The staging table's columns and their types, in {@link #stagingColumnList} order. */
    public static Map<String, String> stagingColumnTypes(WarehouseTable target) {
        Map<String, String> types = new LinkedHashMap<>();
        types.put("_pg2gp_job", "text");
        types.put("_pg2gp_batch", "bigint");
        types.put("_pg2gp_tag", "bigint");
        types.put("_pg2gp_seq", "bigint");
        for (WarehouseTable.Column c : target.columns()) {
            types.put(c.name(), c.type().sqlName());
        }
        types.put("_cdc_lsn", "bigint");
        types.put("_cdc_op", "char(1)");
        types.put("_cdc_committed_at", "timestamptz");
        types.put(PREVIOUS_HOUR_COLUMN, "timestamptz");
        return types;
    }
}
