package io.pg2gp.connector.warehouse.internal.sql;

import io.pg2gp.connector.warehouse.WarehouseTable;

import org.apache.flink.annotation.Internal;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The readable external table through which Greenplum's segments pull one sink subtask's staged
 * rows from its gpfdist endpoint, and the statements that use it. One table per (pipeline, target
 * table, subtask), created when the writer opens and reused for every chunk: its LOCATION is the
 * subtask's fixed secret path, at which the endpoint serves the chunk being loaded.
 *
 * <p>The rows are the writer's COPY TEXT lines: Greenplum's TEXT format with tab delimiter, {@code
 * \N} for NULL and backslash escapes reads them exactly as {@code COPY ... FROM STDIN} does.
 */
@Internal
public final class ExternalTableStatements {

    /**
     * For the writer's session, which runs the load once per chunk. The Postgres planner: GPORCA
     * planned each {@code INSERT ... SELECT} from the external table in ~45 ms of coordinator CPU,
     * the Postgres planner in 1-3 ms, to the same plan (segments read, redistribute by staging's
     * key, insert). No automatic statistics: with GP6's default {@code on_no_stats} the first chunk
     * into an empty staging table ran an ANALYZE at the full statistics target inside the INSERT
     * (0.7-1.5 CPU-s on the coordinator, once per writer racing for it); staging gets its
     * statistics from the committer's housekeeping, right after the first apply.
     */
    public static final List<String> SESSION_SETTINGS =
            List.of("SET optimizer = off", "SET gp_autostats_mode = none");

    private final BookkeepingTables bookkeeping;
    private final WarehouseTable target;
    private final String name;

    public ExternalTableStatements(
            BookkeepingTables bookkeeping, WarehouseTable target, String job, int subtask) {
        this.bookkeeping = bookkeeping;
        this.target = target;
        CRC32 crc = new CRC32();
        crc.update((job + '/' + target.qualifiedName()).getBytes(StandardCharsets.UTF_8));
        // Short and stable: identifiers stop at 63 bytes, job and table names may be long.
        this.name =
                bookkeeping.schema()
                        + ".ext_"
                        + target.name().substring(0, Math.min(20, target.name().length()))
                        + "_"
                        + String.format("%08x", crc.getValue())
                        + "_"
                        + subtask;
    }

    /** The external table's qualified name. */
    public String name() {
        return name;
    }

    public String drop() {
        return "DROP EXTERNAL TABLE IF EXISTS " + name;
    }

    /** {@code url} is {@code gpfdist://host:port/path}; it reaches the table as a literal. */
    public String create(String url) {
        return "CREATE READABLE EXTERNAL TABLE "
                + name
                + " ("
                + BookkeepingTables.stagingColumnDefinitions(target, false)
                + ") LOCATION ("
                + SqlLiterals.string(url)
                + ") FORMAT 'TEXT' (DELIMITER E'\\t' NULL E'\\\\N' ESCAPE E'\\\\')"
                + " ENCODING 'UTF8'";
    }

    /** Every segment reads its share of the published chunk; the rows land in staging. */
    public String load() {
        String columns = BookkeepingTables.stagingColumnList(target);
        return "INSERT INTO "
                + bookkeeping.stagingTable(target)
                + " ("
                + columns
                + ") SELECT "
                + columns
                + " FROM "
                + name;
    }

    /** Reads an empty published batch: proves that the segments reach the endpoint. */
    public String probe() {
        return "SELECT count(*) FROM " + name;
    }
}
