package io.pg2gp.connector.warehouse;

import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SharedPostgres;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The client-side prepare on a real PostgreSQL warehouse with a least-privilege role: it says
 * exactly which statements the role lacks, running them is enough for prepare and for the sink
 * itself, and an unreachable warehouse is reported as such.
 */
class WarehouseSinkPrepareITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static final WarehouseTable TABLE =
            WarehouseTable.builder("public", "events")
                    .column("id", ColumnType.UUID)
                    .column("n", ColumnType.INT4)
                    .key("id")
                    .build();

    private static WarehouseSink<Integer> sink(String url, String user) {
        return WarehouseSink.<Integer>builder()
                .connection(new WarehouseConnectionOptions(url, user, null))
                .table(TABLE)
                .serializer(
                        i ->
                                new WarehouseRecord(
                                        WarehouseRecord.Op.INSERT,
                                        100 + i,
                                        0,
                                        new Object[] {new UUID(7, i).toString(), i}))
                .pipelineName("prepare-it")
                .build();
    }

    @Test
    void aLeastPrivilegeRoleGetsTheExactGrantsAndTheyAreEnough() throws Exception {
        PostgresServer server = SharedPostgres.warehouse();
        String db = server.createDatabase(SharedPostgres.uniqueDatabase("prepare"));
        String role = "pg2gp_loader_" + db;
        try (Connection admin = server.connect(db)) {
            exec(
                    admin,
                    "CREATE TABLE public.events (id uuid PRIMARY KEY, n integer, _cdc_lsn bigint NOT"
                            + " NULL, _cdc_op char(1) NOT NULL, _cdc_committed_at timestamptz,"
                            + " _synced_at timestamptz NOT NULL DEFAULT now())");
            exec(admin, "CREATE ROLE " + role + " LOGIN");
            exec(admin, "REVOKE TEMPORARY ON DATABASE " + db + " FROM PUBLIC");
            exec(admin, "REVOKE CREATE ON SCHEMA public FROM PUBLIC");
            WarehouseSink<Integer> sink = sink(server.jdbcUrl(db), role);

            List<String> granted = new ArrayList<>();
            assertThatThrownBy(sink::prepare)
                    .isInstanceOf(IllegalStateException.class)
                    .satisfies(
                            e -> {
                                for (String line : e.getMessage().split("\n")) {
                                    if (line.startsWith("  ")) {
                                        granted.add(line.substring(2, line.indexOf(";  --")));
                                    }
                                }
                            });
            assertThat(granted)
                    .containsExactly(
                            "CREATE SCHEMA pg2gp AUTHORIZATION " + role,
                            "GRANT SELECT, INSERT, DELETE ON public.events TO " + role);
            for (String grant : granted) {
                exec(admin, grant);
            }
            assertThat(sink.prepare()).isEmpty();
            assertThat(count(admin, "SELECT count(*) FROM pg_tables WHERE schemaname = 'pg2gp'"))
                    .as(
                            "bookkeeping tables created by prepare (with staging's four slots and stage_tags)")
                    .isEqualTo(13);

            Configuration conf = new Configuration();
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(conf);
            env.enableCheckpointing(200);
            env.fromData(IntStream.range(0, 50).boxed().toList())
                    .setParallelism(1)
                    .sinkTo(sink)
                    .uid("prepare-it-events")
                    .setParallelism(2);
            env.execute("prepare it");
            assertThat(count(admin, "SELECT count(*) FROM public.events")).isEqualTo(50);
        } finally {
            try (Connection admin = server.connect(db)) {
                exec(admin, "DROP OWNED BY " + role);
                exec(admin, "DROP ROLE IF EXISTS " + role);
            }
        }
    }

    @Test
    void aMissingTargetTableIsItsOwnException() {
        PostgresServer server = SharedPostgres.warehouse();
        String db = server.createDatabase(SharedPostgres.uniqueDatabase("prepare_missing"));
        assertThatThrownBy(() -> sink(server.jdbcUrl(db), server.user()).prepare())
                .isInstanceOf(MissingTableException.class)
                .hasMessage(
                        "warehouse table public.events does not exist: create it first (the DDL"
                                + " is in sql/warehouse/)");
    }

    @Test
    void anUnreachableWarehouseIsReportedAsSuch() {
        assertThatThrownBy(
                        () ->
                                sink("jdbc:postgresql://127.0.0.1:1/nowhere?connectTimeout=5", "x")
                                        .prepare())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith(
                        "cannot connect to the warehouse jdbc:postgresql://127.0.0.1:1/nowhere");
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
