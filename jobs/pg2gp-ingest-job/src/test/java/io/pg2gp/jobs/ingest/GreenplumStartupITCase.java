package io.pg2gp.jobs.ingest;

import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.jobs.settings.FlinkSettings;
import io.pg2gp.jobs.settings.Pg2gpOptions;
import io.pg2gp.jobs.settings.PipelineConfig;
import io.pg2gp.jobs.settings.WarehouseDdl;
import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.SeedWorkload;
import io.pg2gp.testutils.SharedGreenplum;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Start-up of the ingest job on a real Greenplum 6 as a least-privilege loader role: the client's
 * prepare names the exact statements the role lacks (and running them is enough), keeps monthly
 * partitions ahead once the role owns the fact table (rows already in the default partition move
 * with their month), creates the bookkeeping once, and the whole job then runs through gpfdist
 * without a single ERROR in the warehouse's log for its database.
 */
class GreenplumStartupITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    @Test
    void aLoaderRoleGetsExactGrantsAndTheJobStartsWithoutWarehouseErrors() throws Exception {
        GreenplumCluster gp = SharedGreenplum.cluster();
        Assumptions.assumeTrue(
                gp.password() == null, "the test's loader role logs in by trust authentication");
        String db = SharedGreenplum.createDatabase("startup");
        String role = "pg2gp_loader_" + db;
        try (PipelineTestEnvironment env = new PipelineTestEnvironment();
                Connection admin = gp.connect(db)) {
            exec(admin, "CREATE ROLE " + role + " LOGIN");
            // Least privilege: nothing through PUBLIC but CONNECT and USAGE on public.
            exec(admin, "REVOKE TEMPORARY ON DATABASE " + db + " FROM PUBLIC");
            exec(admin, "REVOKE CREATE ON SCHEMA public FROM PUBLIC");
            WarehouseDdl.createIfMissing(
                    new WarehouseConnectionOptions(gp.jdbcUrl(db), gp.user(), null), "public");

            // Next month has no partition of its own and already holds a row in the default one.
            YearMonth next = YearMonth.now(ZoneOffset.UTC).plusMonths(1);
            String nextStart = "'" + next.atDay(1) + " 00:00:00+00'::timestamptz";
            if (count(
                            admin,
                            "SELECT count(*) FROM pg_partitions WHERE schemaname = 'public' AND"
                                    + " tablename = 'requests_analytical' AND NOT"
                                    + " partitionisdefault AND partitionrangestart LIKE '%"
                                    + next.atDay(1)
                                    + " %'")
                    > 0) {
                exec(
                        admin,
                        "ALTER TABLE public.requests_analytical DROP PARTITION FOR ("
                                + nextStart
                                + ")");
            }
            exec(
                    admin,
                    "INSERT INTO public.requests_analytical (id, user_id, query, created_at,"
                            + " _cdc_lsn, _cdc_op) VALUES ('00000000-0000-0000-0000-0000000000aa',"
                            + " '00000000-0000-0000-0000-0000000000bb', 'early', "
                            + nextStart
                            + " + interval '3 days', 1, 'c')");
            assertThat(partitionOfEarlyRow(admin)).isEqualTo("requests_analytical_1_prt_other");

            env.settings.put("warehouse.url", gp.jdbcUrl(db));
            env.settings.put("warehouse.user", role);
            env.settings.put("warehouse.create-tables", "false");
            env.settings.put("warehouse.loader", "gpfdist");
            env.settings.put("warehouse.gpfdist.advertised-host", "127.0.0.1");
            env.settings.put("warehouse.partitions-ahead", "1");
            PipelineConfig config = env.config();
            String started = queryString(admin, "SELECT now()::text");

            // Each failing prepare lists what is missing; running exactly that is enough.
            List<String> granted = new ArrayList<>();
            List<String> warnings = null;
            for (int attempt = 0; attempt < 4 && warnings == null; attempt++) {
                try {
                    warnings = IngestJob.prepare(config);
                } catch (IllegalStateException e) {
                    assertThat(e.getMessage()).contains("lacks privileges").doesNotContain("reach");
                    for (String line : e.getMessage().split("\n")) {
                        if (line.startsWith("  ")) {
                            String grant = line.substring(2, line.indexOf(";  --"));
                            exec(admin, grant);
                            granted.add(grant);
                        }
                    }
                }
            }
            assertThat(granted)
                    .containsExactlyInAnyOrder(
                            "CREATE SCHEMA pg2gp AUTHORIZATION " + role,
                            "ALTER ROLE "
                                    + role
                                    + " CREATEEXTTABLE (type='readable', protocol='gpfdist')",
                            "GRANT SELECT, INSERT, DELETE ON public.users_dim TO " + role,
                            "GRANT SELECT, INSERT, DELETE ON public.requests_analytical TO "
                                    + role);
            // The role may not split partitions of a table it does not own: a warning, no split.
            assertThat(warnings).hasSize(1);
            String warning = warnings.get(0);
            String toRun =
                    warning.substring(
                            warning.indexOf("run as an administrator: ") + 25,
                            warning.indexOf(" (instead of"));
            assertThat(toRun.split("; "))
                    .containsExactly(
                            "ALTER TABLE public.requests_analytical OWNER TO " + role,
                            "GRANT CREATE ON SCHEMA public TO " + role);
            assertThat(partitionOfEarlyRow(admin)).isEqualTo("requests_analytical_1_prt_other");

            for (String grant : toRun.split("; ")) {
                exec(admin, grant);
            }
            assertThat(IngestJob.prepare(config)).isEmpty();
            assertThat(partitionOfEarlyRow(admin))
                    .isEqualTo(
                            String.format(
                                    "requests_analytical_1_prt_p_%04d_%02d",
                                    next.getYear(), next.getMonthValue()));

            try (Connection src = env.sourceConnection()) {
                SeedWorkload w = new SeedWorkload(src, 7);
                for (int i = 0; i < 5; i++) {
                    w.addUser();
                }
                for (int i = 0; i < 30; i++) {
                    w.addRequest();
                }
            }
            StreamExecutionEnvironment see =
                    StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.of(config));
            IngestPipeline.build(see, config);
            JobClient job = see.executeAsync(config.get(Pg2gpOptions.NAME));
            try {
                PipelineTestEnvironment.await(
                        "the snapshot in Greenplum",
                        Duration.ofSeconds(180),
                        () ->
                                count(admin, "SELECT count(*) FROM public.users_dim") == 5
                                        && count(
                                                        admin,
                                                        "SELECT count(*) FROM"
                                                                + " public.requests_analytical")
                                                == 31);
                assertThat(
                                count(
                                        admin,
                                        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON"
                                                + " n.oid = c.relnamespace WHERE n.nspname ="
                                                + " 'pg2gp' AND c.relname LIKE 'ext\\_%'"))
                        .as("the writers' gpfdist external tables")
                        .isPositive();
                List<String> errors =
                        PipelineTestEnvironment.rows(
                                gp.connect(db),
                                "SELECT logseverity || ': ' || logmessage || ' [' ||"
                                        + " coalesce(logquery, '') || ']' FROM"
                                        + " gp_toolkit.gp_log_database WHERE logseverity IN"
                                        + " ('ERROR', 'FATAL', 'PANIC') AND logdatabase ="
                                        + " current_database() AND logtime >= '"
                                        + started
                                        + "'::timestamptz");
                assertThat(errors).as("warehouse errors since the first prepare").isEmpty();
            } finally {
                job.cancel().get();
            }
        } finally {
            try (Connection admin = gp.connect(db)) {
                exec(admin, "REASSIGN OWNED BY " + role + " TO " + gp.user());
                exec(admin, "DROP OWNED BY " + role);
                exec(admin, "DROP ROLE IF EXISTS " + role);
            }
        }
    }

    private static String partitionOfEarlyRow(Connection c) throws SQLException {
        return queryString(
                c,
                "SELECT tableoid::regclass::text FROM public.requests_analytical WHERE query ="
                        + " 'early'");
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String queryString(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static long count(Connection c, String sql) {
        try {
            return Long.parseLong(queryString(c, sql));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
