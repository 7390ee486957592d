package io.pg2gp.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ./pg2gp sql-example} as a user runs it: sql/examples/replicate_orders.sql through Flink's
 * SQL client ({@code deploy/local-cluster/sql-client}, the SQL connector jar added with {@code
 * --jar}) on a real session cluster (JobManager and TaskManager in their own JVMs), from a
 * PostgreSQL source into a PostgreSQL warehouse; the warehouse table must equal the source row by
 * row after the snapshot and after streamed updates, deletes and inserts.
 */
class SqlExampleITCase {

    private static final Path REPO = Path.of("../..").toAbsolutePath().normalize();

    @TempDir Path tmp;

    @Test
    void theExampleScriptReplicatesThroughTheSqlClientOnASessionCluster() throws Exception {
        // The servers' data directories go below it and initdb may run as another user.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        int prom = freePort();
        SqlExample.Settings settings =
                new SqlExample.Settings(
                        tmp.resolve("example"),
                        500,
                        freePort(),
                        freePort(),
                        freePort(),
                        false,
                        Map.of(
                                "PG2GP_FLINK_RPC_PORT",
                                String.valueOf(freePort()),
                                "PG2GP_FLINK_PROMETHEUS_PORTS",
                                prom + "-" + prom,
                                "PG2GP_FLINK_TM_MEMORY",
                                "1536m"));

        SqlExample.Result result = SqlExample.run(REPO, settings);

        assertThat(result.jobId()).matches("[0-9a-f]{32}");
        assertThat(result.snapshot().equal()).as(result.snapshot().toString()).isTrue();
        assertThat(result.snapshot().compared()).isEqualTo(500);
        assertThat(result.streamed().equal()).as(result.streamed().toString()).isTrue();
        // 500 rows, 45 deleted (id % 11 = 0), 100 inserted.
        assertThat(result.streamed().compared()).isEqualTo(555);
        // The client ran the example with this run's ports and nothing else changed.
        String ran = Files.readString(tmp.resolve("example/replicate_orders.sql"));
        String original = Files.readString(REPO.resolve(SqlExample.SCRIPT));
        assertThat(
                        ran.replace(
                                        "'port' = '" + settings.sourcePort() + "'",
                                        "'port' = '" + SqlExample.SCRIPT_SOURCE_PORT + "'")
                                .replace(
                                        "127.0.0.1:" + settings.warehousePort() + "/",
                                        "127.0.0.1:" + SqlExample.SCRIPT_WAREHOUSE_PORT + "/"))
                .isEqualTo(original);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
