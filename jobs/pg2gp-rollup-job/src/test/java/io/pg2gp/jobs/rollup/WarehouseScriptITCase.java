package io.pg2gp.jobs.rollup;

import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SharedGreenplum;
import io.pg2gp.testutils.SharedPostgres;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every SQL file of {@code sql/} runs as a DBA runs it: the warehouse script ({@code ./pg2gp sql})
 * with Greenplum's own psql on Greenplum 6 and with PostgreSQL's psql on PostgreSQL, the source
 * files as shipped on PostgreSQL; each in a fresh database, twice (a second run changes nothing and
 * fails on nothing), with {@code ON_ERROR_STOP}.
 */
class WarehouseScriptITCase {

    private static final String SCHEMA = "analytics";

    /** Relation, kind and Greenplum distribution of the objects the script creates. */
    private static final String GREENPLUM_OBJECTS =
            "SELECT c.relname, c.relkind, coalesce(pg_get_table_distributedby(c.oid), '')"
                    + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE n.nspname = '"
                    + SCHEMA
                    + "' AND c.relname NOT LIKE 'requests_analytical_1_prt_%' ORDER BY 1";

    @Test
    void theGreenplumScriptRunsTwiceWithGreenplumsPsql(@TempDir Path dir) throws Exception {
        GreenplumCluster gp = SharedGreenplum.cluster();
        String db = SharedGreenplum.createDatabase("script");
        Path file = write(dir, WarehouseDialect.GREENPLUM_6);
        psql(gp.psql(db), file);
        List<String> objects = rows(gp.connect(db), GREENPLUM_OBJECTS);
        assertThat(objects)
                .containsExactly(
                        "dashboard_agent_performance v ",
                        "dashboard_agent_usage_30d v ",
                        "dashboard_daily_active_users v ",
                        "dashboard_errors_daily v ",
                        "dashboard_user_usage_30d v ",
                        "requests_analytical r DISTRIBUTED BY (user_id)",
                        "requests_analytical_id i ",
                        "requests_analytical_user_created i ",
                        "rollup_hourly_agent_stats r DISTRIBUTED BY (hour)",
                        "rollup_hourly_agent_stats_hour i ",
                        "rollup_hourly_user_activity r DISTRIBUTED BY (user_id)",
                        "rollup_hourly_user_activity_hour i ",
                        "user_feature_days r DISTRIBUTED BY (user_id)",
                        "user_feature_days_user_day i ",
                        "user_features r DISTRIBUTED BY (user_id)",
                        "user_features_user i ",
                        "user_features_v1 v ",
                        "users_dim r DISTRIBUTED REPLICATED");
        List<String> partitions =
                rows(
                        gp.connect(db),
                        "SELECT count(*), count(*) FILTER (WHERE partitionisdefault)"
                                + " FROM pg_partitions WHERE schemaname = '"
                                + SCHEMA
                                + "' AND tablename = 'requests_analytical'");
        assertThat(partitions).containsExactly("37 1"); // 2024-01 .. 2026-12 and the default

        psql(gp.psql(db), file); // again over the existing warehouse
        assertThat(rows(gp.connect(db), GREENPLUM_OBJECTS)).isEqualTo(objects);
    }

    @Test
    void thePostgresScriptsRunTwiceWithPostgresPsql(@TempDir Path dir) throws Exception {
        PostgresServer warehouse = SharedPostgres.warehouse();
        String db = warehouse.createDatabase(SharedPostgres.uniqueDatabase("script"));
        Path file = write(dir, WarehouseDialect.POSTGRES);
        for (int run = 0; run < 2; run++) {
            psql(psql(warehouse, db), file);
        }
        assertThat(
                        rows(
                                warehouse.connect(db),
                                "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n"
                                        + " ON n.oid = c.relnamespace WHERE n.nspname = '"
                                        + SCHEMA
                                        + "' AND c.relkind IN ('r', 'v') ORDER BY 1"))
                .containsExactly(
                        "dashboard_agent_performance v",
                        "dashboard_agent_usage_30d v",
                        "dashboard_daily_active_users v",
                        "dashboard_errors_daily v",
                        "dashboard_user_usage_30d v",
                        "requests_analytical r",
                        "rollup_hourly_agent_stats r",
                        "rollup_hourly_user_activity r",
                        "user_feature_days r",
                        "user_features r",
                        "user_features_v1 v",
                        "users_dim r");

        // The source files have no placeholders: they run as shipped.
        PostgresServer source = SharedPostgres.source();
        String app = source.createDatabase(SharedPostgres.uniqueDatabase("source_script"));
        Path sources = repositoryFile("sql/source");
        List<Path> files;
        try (var list = Files.list(sources)) {
            files = list.filter(f -> f.toString().endsWith(".sql")).sorted().toList();
        }
        assertThat(files).hasSize(3);
        for (int run = 0; run < 2; run++) {
            for (Path f : files) {
                psql(psql(source, app), f);
            }
        }
        assertThat(
                        rows(
                                source.connect(app),
                                "SELECT pubname, count(*) FROM pg_publication_tables GROUP BY 1"))
                .containsExactly("pg2gp 3");
    }

    private static Path write(Path dir, WarehouseDialect dialect) throws IOException {
        Path file = dir.resolve(dialect + ".sql");
        Files.writeString(file, WarehouseScript.render(dialect, SCHEMA, null));
        return file;
    }

    private static List<String> psql(PostgresServer server, String db) {
        return List.of(
                server.bin("psql"),
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                server.host(),
                "-p",
                String.valueOf(server.port()),
                "-U",
                PostgresServer.SUPERUSER,
                "-d",
                db);
    }

    /** Runs {@code psql -f file}; fails with psql's output unless it exits 0. */
    private static void psql(List<String> command, Path file) throws Exception {
        List<String> cmd = new ArrayList<>(command);
        cmd.addAll(List.of("-f", file.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s\n%s", String.join(" ", cmd), out).isZero();
        assertThat(out).as("psql output").doesNotContain("ERROR");
    }

    private static List<String> rows(Connection connection, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = connection;
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    row.append(i > 1 ? " " : "").append(rs.getString(i));
                }
                out.add(row.toString());
            }
        }
        return out;
    }

    /** A file of the repository (the module's tests run in jobs/pg2gp-rollup-job). */
    private static Path repositoryFile(String path) {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("pg2gp")) && Files.isDirectory(d.resolve(path))) {
                return d.resolve(path);
            }
        }
        throw new IllegalStateException("no " + path + " above " + Path.of("").toAbsolutePath());
    }
}
