package io.pg2gp.jobs.settings;

import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.LoaderKind;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Every setting of the ingest pipeline, with its type, default and meaning. */
public final class Pg2gpOptions {

    private Pg2gpOptions() {}

    // ---- pipeline ----
    public static final ConfigOption<String> NAME =
            ConfigOptions.key("pipeline.name")
                    .stringType()
                    .defaultValue("pg2gp")
                    .withDescription(
                            "Job name; also names this pipeline's rows in the warehouse"
                                    + " bookkeeping. Keep it stable across redeploys.");
    public static final ConfigOption<Integer> PARALLELISM =
            ConfigOptions.key("pipeline.parallelism")
                    .intType()
                    .defaultValue(2)
                    .withDescription("Parallelism of enrichment and sink writers.");
    public static final ConfigOption<Integer> MAX_PARALLELISM =
            ConfigOptions.key("pipeline.max-parallelism")
                    .intType()
                    .defaultValue(128)
                    .withDescription(
                            "Key groups of the keyed state; fixed for the life of the state.");
    public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
            ConfigOptions.key("pipeline.checkpoint-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDescription(
                            "Micro-batch window: each completed checkpoint is one batch. A"
                                    + " checkpoint starts at least this long after the previous"
                                    + " one completed, and the first this long after the job"
                                    + " started.");
    public static final ConfigOption<String> CHECKPOINT_DIR =
            ConfigOptions.key("pipeline.checkpoint-dir")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Durable checkpoint directory (file://, s3://, ...); retained"
                                    + " on cancel so a crashed job can be restored.");
    // Restarts: Flink's exponential-delay strategy. A failure after the job ran reset-after since
    // its last restart starts over (first delay, full budget), so a day of separate outages never
    // adds up; a source that fails on every start runs out of attempts and the job FAILS.
    public static final ConfigOption<Integer> RESTART_ATTEMPTS =
            ConfigOptions.key("pipeline.restart.attempts")
                    .intType()
                    .defaultValue(20)
                    .withDescription(
                            "Restarts in a row (each failure within pipeline.restart.reset-after"
                                    + " of the last restart) before the job fails for good."
                                    + " Bounded on purpose:"
                                    + " endless restarts hide a broken source. With the default"
                                    + " delays, about an hour of nothing but failures.");
    public static final ConfigOption<Duration> RESTART_DELAY =
            ConfigOptions.key("pipeline.restart.initial-delay")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDeprecatedKeys("pipeline.restart.delay")
                    .withDescription(
                            "Delay before the first restart after a failure; each further"
                                    + " restart in a row waits pipeline.restart.delay-multiplier"
                                    + " times longer, up to pipeline.restart.max-delay."
                                    + " (Formerly pipeline.restart.delay.)");
    public static final ConfigOption<Duration> RESTART_MAX_DELAY =
            ConfigOptions.key("pipeline.restart.max-delay")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDescription(
                            "Longest delay between restarts: a job waiting for a lost"
                                    + " TaskManager or a database outage retries at least this"
                                    + " often.");
    public static final ConfigOption<Double> RESTART_DELAY_MULTIPLIER =
            ConfigOptions.key("pipeline.restart.delay-multiplier")
                    .doubleType()
                    .defaultValue(2.0)
                    .withDescription("Growth of the delay from one restart in a row to the next.");
    public static final ConfigOption<Duration> RESTART_RESET_AFTER =
            ConfigOptions.key("pipeline.restart.reset-after")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(15))
                    .withDescription(
                            "A job that ran this long since its last restart without failing"
                                    + " has recovered: its next failure starts over at"
                                    + " pipeline.restart.initial-delay with the full"
                                    + " pipeline.restart.attempts.");

    // ---- source ----
    public static final ConfigOption<String> SOURCE_HOST =
            ConfigOptions.key("source.host")
                    .stringType()
                    .defaultValue("localhost")
                    .withDescription("Source PostgreSQL host.");
    public static final ConfigOption<Integer> SOURCE_PORT =
            ConfigOptions.key("source.port")
                    .intType()
                    .defaultValue(5432)
                    .withDescription("Source PostgreSQL port.");
    public static final ConfigOption<String> SOURCE_DATABASE =
            ConfigOptions.key("source.database")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Source database.");
    public static final ConfigOption<String> SOURCE_USER =
            ConfigOptions.key("source.user")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Source role with REPLICATION and SELECT on the tables.");
    public static final ConfigOption<String> SOURCE_PASSWORD_ENV =
            ConfigOptions.key("source.password-env")
                    .stringType()
                    .defaultValue("PG2GP_SOURCE_PASSWORD")
                    .withDescription("Environment variable holding the source password.");
    public static final ConfigOption<String> SOURCE_USERS_TABLE =
            ConfigOptions.key("source.users-table")
                    .stringType()
                    .defaultValue("public.users")
                    .withDescription("The users table, schema.table.");
    public static final ConfigOption<String> SOURCE_REQUESTS_TABLE =
            ConfigOptions.key("source.requests-table")
                    .stringType()
                    .defaultValue("public.requests")
                    .withDescription("The requests table, schema.table.");
    public static final ConfigOption<String> SOURCE_SLOT =
            ConfigOptions.key("source.slot-name")
                    .stringType()
                    .defaultValue("pg2gp")
                    .withDescription("Replication slot; one per pipeline.");
    public static final ConfigOption<String> SOURCE_PUBLICATION =
            ConfigOptions.key("source.publication")
                    .stringType()
                    .defaultValue("pg2gp")
                    .withDescription("Publication carrying the captured tables.");
    public static final ConfigOption<Boolean> SOURCE_CREATE_PUBLICATION =
            ConfigOptions.key("source.publication-create")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Let the pipeline create/alter the publication (needs table"
                                    + " ownership); off: a pre-created publication (least privilege).");
    public static final ConfigOption<SourceStartupMode> SOURCE_STARTUP_MODE =
            ConfigOptions.key("source.startup-mode")
                    .enumType(SourceStartupMode.class)
                    .defaultValue(SourceStartupMode.INITIAL)
                    .withDescription(
                            "initial (snapshot, then stream), latest, or committed (the"
                                    + " slot's position). Ignored when restoring from a savepoint.");
    public static final ConfigOption<Integer> SOURCE_SPLIT_SIZE =
            ConfigOptions.key("source.snapshot.split-size")
                    .intType()
                    .defaultValue(100_000)
                    .withDescription(
                            "Rows per snapshot chunk. Each chunk opens and drops a"
                                    + " temporary slot, so small chunks are slow (8096 gave 0.034x of a"
                                    + " plain COPY here).");
    public static final ConfigOption<Integer> SOURCE_FETCH_SIZE =
            ConfigOptions.key("source.snapshot.fetch-size")
                    .intType()
                    .defaultValue(10_000)
                    .withDescription("JDBC fetch size of snapshot reads.");
    public static final ConfigOption<Boolean> SOURCE_SKIP_BACKFILL =
            ConfigOptions.key("source.snapshot.skip-backfill")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Skip the per-chunk backfill of changes made while a chunk was read"
                                    + " (saves a temporary replication slot per chunk). Those"
                                    + " changes arrive again from the stream; the sink keeps the"
                                    + " latest version per key by LSN, so the warehouse converges"
                                    + " to the same rows, briefly older for rows changed during"
                                    + " the snapshot.");
    public static final ConfigOption<Integer> SOURCE_PARALLELISM =
            ConfigOptions.key("source.parallelism")
                    .intType()
                    .defaultValue(2)
                    .withDescription("Snapshot readers; streaming runs on one of them.");
    public static final ConfigOption<Duration> SOURCE_HEARTBEAT_INTERVAL =
            ConfigOptions.key("source.heartbeat.interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription("Heartbeat interval; keeps the slot moving when idle.");
    public static final ConfigOption<String> SOURCE_HEARTBEAT_TABLE =
            ConfigOptions.key("source.heartbeat.table")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Captured table the heartbeat updates (column beat_at), so"
                                    + " an idle publication still advances the slot.");
    public static final ConfigOption<Boolean> SOURCE_REQUIRE_FULL_IDENTITY =
            ConfigOptions.key("source.require-replica-identity-full")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Refuse to start unless captured tables have REPLICA IDENTITY"
                                    + " FULL (needed to carry updates that leave TOASTed values alone).");
    public static final ConfigOption<Duration> SOURCE_SLOT_LAG_INTERVAL =
            ConfigOptions.key("source.slot-lag.interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(15))
                    .withDescription(
                            "How often the replication slot's lag is read from"
                                    + " pg_replication_slots for the pg2gpSlotLagBytes metric; 0 turns"
                                    + " the probe off.");
    public static final ConfigOption<SourceTruncate> SOURCE_TRUNCATE =
            ConfigOptions.key("source.truncate")
                    .enumType(SourceTruncate.class)
                    .defaultValue(SourceTruncate.IGNORE)
                    .withDescription(
                            "What a TRUNCATE of a captured source table does. ignore: the warehouse"
                                    + " keeps its rows; the truncate is recorded in the dead-letter"
                                    + " table with its LSN and counted (pg2gpSourceTruncates), the"
                                    + " pipeline goes on. fail: the job fails at the truncate (after"
                                    + " every restart too) until the operator re-snapshots or"
                                    + " switches to ignore.");
    public static final ConfigOption<Boolean> SOURCE_PREFLIGHT =
            ConfigOptions.key("source.preflight")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription("Check the source at start-up and explain what is missing.");

    // ---- warehouse ----
    public static final ConfigOption<String> WAREHOUSE_URL =
            ConfigOptions.key("warehouse.url")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("JDBC URL of the warehouse (PostgreSQL or Greenplum).");
    public static final ConfigOption<String> WAREHOUSE_USER =
            ConfigOptions.key("warehouse.user")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Warehouse role.");
    public static final ConfigOption<String> WAREHOUSE_PASSWORD_ENV =
            ConfigOptions.key("warehouse.password-env")
                    .stringType()
                    .defaultValue("PG2GP_WAREHOUSE_PASSWORD")
                    .withDescription("Environment variable holding the warehouse password.");
    public static final ConfigOption<String> WAREHOUSE_SCHEMA =
            ConfigOptions.key("warehouse.schema")
                    .stringType()
                    .defaultValue("public")
                    .withDescription("Schema of requests_analytical and users_dim.");
    public static final ConfigOption<String> WAREHOUSE_BOOKKEEPING_SCHEMA =
            ConfigOptions.key("warehouse.bookkeeping-schema")
                    .stringType()
                    .defaultValue("pg2gp")
                    .withDescription("Schema of staging, ledger, dead letters, touched hours.");
    public static final ConfigOption<Boolean> WAREHOUSE_CREATE_TABLES =
            ConfigOptions.key("warehouse.create-tables")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription("Create the target tables from sql/warehouse/ at start-up.");
    public static final ConfigOption<DeleteMode> WAREHOUSE_DELETE_MODE =
            ConfigOptions.key("warehouse.delete-mode")
                    .enumType(DeleteMode.class)
                    .defaultValue(DeleteMode.MIRROR)
                    .withDescription("mirror: delete the row; soft: keep it with _deleted = true.");
    public static final ConfigOption<MemorySize> WAREHOUSE_STAGE_CHUNK =
            ConfigOptions.key("warehouse.stage-chunk-size")
                    .memoryType()
                    .defaultValue(MemorySize.parse("8mb"))
                    .withDescription("Encoded rows a writer buffers before staging them.");
    public static final ConfigOption<LoaderKind> WAREHOUSE_LOADER =
            ConfigOptions.key("warehouse.loader")
                    .enumType(LoaderKind.class)
                    .defaultValue(LoaderKind.AUTO)
                    .withDescription(
                            "auto: gpfdist on Greenplum when the segments reach the workers (checked"
                                    + " when each writer opens), else COPY; gpfdist: Greenplum"
                                    + " only, fail when unreachable; copy: COPY through the"
                                    + " coordinator.");
    public static final ConfigOption<String> WAREHOUSE_GPFDIST_BIND =
            ConfigOptions.key("warehouse.gpfdist.bind-address")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Address the writers' gpfdist endpoints listen on. Default: the"
                                    + " address warehouse.gpfdist.advertised-host resolves to on"
                                    + " the worker, i.e. only the interface the segments are told"
                                    + " to use; '*' = every interface.");
    public static final ConfigOption<String> WAREHOUSE_GPFDIST_HOST =
            ConfigOptions.key("warehouse.gpfdist.advertised-host")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Host name or address Greenplum segments connect to (default: the"
                                    + " worker's host name).");
    public static final ConfigOption<String> WAREHOUSE_GPFDIST_PORTS =
            ConfigOptions.key("warehouse.gpfdist.port-range")
                    .stringType()
                    .defaultValue("0")
                    .withDescription(
                            "Port or range the endpoints bind, e.g. 41000-41099, at least as many"
                                    + " ports as writer subtasks per worker; 0 = any free port.");
    public static final ConfigOption<Integer> WAREHOUSE_GPFDIST_MAX_PER_PEER =
            ConfigOptions.key("warehouse.gpfdist.max-connections-per-peer")
                    .intType()
                    .defaultValue(32)
                    .withDescription(
                            "Connections one IP address may hold open on an endpoint; more are"
                                    + " closed at once (counted). At least the primary segments"
                                    + " of one Greenplum host.");
    public static final ConfigOption<Duration> WAREHOUSE_GPFDIST_HEAD_TIMEOUT =
            ConfigOptions.key("warehouse.gpfdist.request-head-timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDescription(
                            "Time a connection has to send its whole request head (a segment"
                                    + " sends it at once); slower ones get 408 and are closed"
                                    + " before their path is looked at.");
    public static final ConfigOption<MemorySize> WAREHOUSE_GPFDIST_BLOCK =
            ConfigOptions.key("warehouse.gpfdist.block-size")
                    .memoryType()
                    .defaultValue(MemorySize.parse("1mb"))
                    .withDescription(
                            "Rows go to the segments in blocks of about this size, first come"
                                    + " first served (64kb..16mb).");
    public static final ConfigOption<Integer> WAREHOUSE_PARTITIONS_AHEAD =
            ConfigOptions.key("warehouse.partitions-ahead")
                    .intType()
                    .defaultValue(3)
                    .withDescription(
                            "Greenplum: at start-up, split this month and the next N off the"
                                    + " default partition of requests_analytical when missing.");
    public static final ConfigOption<MemorySize> WAREHOUSE_APPLY_MEMORY =
            ConfigOptions.key("warehouse.apply-memory")
                    .memoryType()
                    .defaultValue(MemorySize.parse("256mb"))
                    .withDescription(
                            "Memory an apply session may use to deduplicate a batch (work_mem on"
                                    + " PostgreSQL, statement_mem on Greenplum).");
    public static final ConfigOption<Boolean> WAREHOUSE_HOUSEKEEPING =
            ConfigOptions.key("warehouse.housekeeping.enabled")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Let the committer VACUUM staging and VACUUM ANALYZE changed partitions of"
                                    + " the target between applies (Greenplum has no"
                                    + " autovacuum); false leaves both to the operator.");
    public static final ConfigOption<Integer> WAREHOUSE_VACUUM_EVERY =
            ConfigOptions.key("warehouse.housekeeping.vacuum-every-applies")
                    .intType()
                    .defaultValue(20)
                    .withDescription(
                            "VACUUM the staging, staged dead-letter and touched-hours tables after"
                                    + " this many applies of a table.");
    public static final ConfigOption<Long> WAREHOUSE_VACUUM_ROWS =
            ConfigOptions.key("warehouse.housekeeping.vacuum-after-rows")
                    .longType()
                    .defaultValue(100_000L)
                    .withDescription(
                            "... or sooner, once the applies since the last VACUUM removed this"
                                    + " many staged rows.");
    public static final ConfigOption<Integer> WAREHOUSE_ANALYZE_EVERY =
            ConfigOptions.key("warehouse.housekeeping.analyze-every-applies")
                    .intType()
                    .defaultValue(60)
                    .withDescription(
                            "Every this many applies, ANALYZE staging and VACUUM ANALYZE every"
                                    + " partition of the target whose changed rows exceed the"
                                    + " fraction below.");
    public static final ConfigOption<Double> WAREHOUSE_ANALYZE_FRACTION =
            ConfigOptions.key("warehouse.housekeeping.analyze-changed-fraction")
                    .doubleType()
                    .defaultValue(0.1)
                    .withDescription(
                            "A partition is vacuumed and analysed once the rows inserted, updated or deleted"
                                    + " since its last ANALYZE exceed this fraction of its"
                                    + " counted rows (always when it was never analysed).");

    // ---- rollup job (reads the same file) ----
    public static final ConfigOption<Duration> ROLLUP_POLL_INTERVAL =
            ConfigOptions.key("rollup.poll-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDescription(
                            "How often the rollup job reads the hours touched by new commits, and"
                                    + " how long dirty hours gather before they are recomputed.");
    public static final ConfigOption<Integer> ROLLUP_MAX_HOURS =
            ConfigOptions.key("rollup.max-hours-per-transaction")
                    .intType()
                    .defaultValue(168)
                    .withDescription("Dirty hours recomputed together in one transaction.");
    public static final ConfigOption<String> ROLLUP_DEFINITIONS_DIR =
            ConfigOptions.key("rollup.definitions-dir")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Directory of rollup definitions (*.sql); default: sql/rollups/ as"
                                    + " shipped in the job jar.");
    public static final ConfigOption<Integer> ROLLUP_MAX_USERS =
            ConfigOptions.key("rollup.max-users-per-transaction")
                    .intType()
                    .defaultValue(500)
                    .withDescription(
                            "Touched users whose features are recomputed together in one"
                                    + " transaction.");
    public static final ConfigOption<String> ROLLUP_FEATURE_DEFINITIONS_DIR =
            ConfigOptions.key("rollup.feature-definitions-dir")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Directory of per-user feature definitions (*.sql); default:"
                                    + " sql/features/ as shipped in the job jar.");
    public static final ConfigOption<String> ROLLUP_HOUR_RANGE_FROM =
            ConfigOptions.key("rollup.hour-range.from")
                    .stringType()
                    .defaultValue("1970-01-01T00:00:00Z")
                    .withDescription(
                            "First hour (ISO-8601 instant) the rollups are kept for. Hours of"
                                    + " fact rows before it (e.g. -infinity) are not rolled up:"
                                    + " counted in pg2gpHoursOutOfRange and logged.");
    public static final ConfigOption<String> ROLLUP_HOUR_RANGE_TO =
            ConfigOptions.key("rollup.hour-range.to")
                    .stringType()
                    .defaultValue("2100-01-01T00:00:00Z")
                    .withDescription(
                            "End (exclusive, ISO-8601 instant) of the hours the rollups are kept"
                                    + " for. Hours of fact rows from it on (year 9999, infinity)"
                                    + " are not rolled up: counted in pg2gpHoursOutOfRange and"
                                    + " logged.");

    // ---- enrichment ----
    public static final ConfigOption<Duration> ENRICH_MAX_WAIT =
            ConfigOptions.key("enrichment.max-wait")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription(
                            "How long a request waits for an unknown user before it is"
                                    + " written without user fields (repaired when the user comes).");
    public static final ConfigOption<Integer> ENRICH_MAX_WAITING =
            ConfigOptions.key("enrichment.max-waiting-per-user")
                    .intType()
                    .defaultValue(10_000)
                    .withDescription("Changes that may wait for one user.");
    public static final ConfigOption<Duration> ENRICH_REPAIR_RETENTION =
            ConfigOptions.key("enrichment.repair-retention")
                    .durationType()
                    .defaultValue(Duration.ofDays(7))
                    .withDescription(
                            "How long a request written without user fields is kept for"
                                    + " repair.");
    public static final ConfigOption<String> ENRICH_TIME_ZONE =
            ConfigOptions.key("enrichment.time-zone")
                    .stringType()
                    .defaultValue("UTC")
                    .withDescription("Zone of hour_of_day, day_of_week, is_weekend, created_date.");

    /** All options, for validation of unknown keys and for documentation. */
    public static List<ConfigOption<?>> all() {
        List<ConfigOption<?>> all = new ArrayList<>();
        for (Field f : Pg2gpOptions.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == ConfigOption.class) {
                try {
                    all.add((ConfigOption<?>) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return all;
    }
}
