package io.pg2gp.jobs.rollup;

import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.jobs.settings.PipelineConfig;
import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.SharedGreenplum;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The rollup job's start-up on Greenplum 6 as a role that holds nothing: it fails listing exactly
 * the statements an administrator runs (grants on the touched hours, the facts and the rollup
 * tables; the views' ownership, since replacing a view takes its owner), and after running them it
 * starts.
 */
class RollupWarehouseSetupITCase {

    @Test
    void aRoleWithoutPrivilegesIsToldWhatToRunAndThenStarts() throws Exception {
        GreenplumCluster gp = SharedGreenplum.cluster();
        String db = SharedGreenplum.createDatabase("rollupsetup");
        String role = "rollup_" + ProcessHandle.current().pid();
        try (Connection admin = gp.connect(db);
                Statement s = admin.createStatement()) {
            s.execute(WarehouseScript.render(WarehouseDialect.GREENPLUM_6, "public", null));
            // as on a warehouse the feature store has not been set up on: its index on the facts
            // is for the job to create, which takes the fact table's owner
            s.execute("DROP INDEX public.requests_analytical_user_created");
            IngestBookkeeping.prepare(
                    new WarehouseConnectionOptions(
                            gp.jdbcUrl(db),
                            gp.user(),
                            WarehouseConnectionOptions.DEFAULT_PASSWORD_ENV));
            s.execute("DROP ROLE IF EXISTS " + role);
            s.execute("CREATE ROLE " + role + " LOGIN");
            try {
                PipelineConfig config =
                        PipelineConfig.fromMap(
                                Map.of(
                                        "pipeline.name", "setup-it",
                                        "source.database", "unused",
                                        "source.user", "unused",
                                        "warehouse.url", gp.jdbcUrl(db),
                                        "warehouse.user", role));
                List<String> toRun = new ArrayList<>();
                assertThatThrownBy(() -> RollupPipeline.prepare(config))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("lacks privileges the rollup job needs")
                        .satisfies(
                                e -> {
                                    for (String line : e.getMessage().split("\n")) {
                                        if (line.startsWith("  ")) {
                                            toRun.add(line.substring(2, line.indexOf(";  --")));
                                        }
                                    }
                                });
                List<String> expected =
                        new ArrayList<>(
                                List.of(
                                        "GRANT USAGE ON SCHEMA pg2gp TO " + role,
                                        "GRANT SELECT, DELETE ON pg2gp.touched_hours TO " + role,
                                        "GRANT SELECT, DELETE ON pg2gp.touched_keys TO " + role,
                                        "GRANT SELECT, INSERT, DELETE ON public.user_features TO "
                                                + role,
                                        "GRANT SELECT ON public.requests_analytical TO " + role,
                                        "ALTER TABLE public.requests_analytical OWNER TO " + role,
                                        "GRANT SELECT, INSERT, DELETE ON"
                                                + " public.rollup_hourly_agent_stats TO "
                                                + role,
                                        "GRANT SELECT, INSERT, DELETE ON"
                                                + " public.rollup_hourly_user_activity TO "
                                                + role));
                for (String view :
                        List.of(
                                "dashboard_daily_active_users",
                                "dashboard_user_usage_30d",
                                "dashboard_agent_usage_30d",
                                "user_features_v1")) {
                    expected.add("ALTER VIEW public." + view + " OWNER TO " + role);
                }
                assertThat(toRun).containsAll(expected);
                assertThat(toRun).allMatch(t -> t.startsWith("GRANT ") || t.startsWith("ALTER "));
                for (String statement : toRun) {
                    s.execute(statement);
                }
                RollupPipeline.prepare(config);
                try (var rs =
                        s.executeQuery(
                                "SELECT to_regclass('public.requests_analytical_user_created')"
                                        + " IS NOT NULL")) {
                    rs.next();
                    assertThat(rs.getBoolean(1)).isTrue();
                }
            } finally {
                s.execute("REASSIGN OWNED BY " + role + " TO " + gp.user());
                s.execute("DROP OWNED BY " + role);
                s.execute("DROP ROLE " + role);
            }
        }
    }
}
