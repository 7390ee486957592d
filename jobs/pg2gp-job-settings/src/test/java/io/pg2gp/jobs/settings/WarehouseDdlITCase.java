package io.pg2gp.jobs.settings;

import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SharedPostgres;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The DDL in sql/warehouse/ and the sink's table definitions must agree, column for column. */
class WarehouseDdlITCase {

    private static final List<String> METADATA =
            List.of("_cdc_lsn", "_cdc_op", "_cdc_committed_at", "_synced_at", "_deleted");

    private static List<String> expected(WarehouseTable t) {
        List<String> cols = new ArrayList<>();
        t.columns().forEach(c -> cols.add(c.name() + " " + c.type().sqlName()));
        return cols;
    }

    @Test
    void postgresDdlCreatesExactlyTheColumnsTheSinkWrites() throws Exception {
        PostgresServer pg = SharedPostgres.warehouse();
        String db = pg.createDatabase(SharedPostgres.uniqueDatabase("ddl"));
        pg.execute(db, WarehouseDdl.script(WarehouseDialect.POSTGRES, "public"));
        pg.execute(db, WarehouseDdl.script(WarehouseDialect.POSTGRES, "public")); // idempotent
        try (Connection c = pg.connect(db)) {
            for (WarehouseTable t :
                    List.of(
                            WarehouseTables.requestsAnalytical("public"),
                            WarehouseTables.usersDim("public"))) {
                List<String> actual = new ArrayList<>();
                try (PreparedStatement p =
                        c.prepareStatement(
                                "SELECT column_name, format_type(a.atttypid, a.atttypmod) FROM information_schema.columns i"
                                        + " JOIN pg_attribute a ON a.attrelid = (i.table_schema || '.' || i.table_name)::regclass"
                                        + " AND a.attname = i.column_name WHERE table_schema = 'public' AND table_name = ?"
                                        + " ORDER BY ordinal_position")) {
                    p.setString(1, t.name());
                    try (ResultSet rs = p.executeQuery()) {
                        while (rs.next()) {
                            actual.add(
                                    rs.getString(1)
                                            + " "
                                            + rs.getString(2)
                                                    .replace(
                                                            "timestamp with time zone",
                                                            "timestamptz")
                                                    .replace("character(1)", "char(1)"));
                        }
                    }
                }
                List<String> data = actual.subList(0, t.columns().size());
                assertThat(data).as(t.name()).containsExactlyElementsOf(expected(t));
                assertThat(actual.subList(t.columns().size(), actual.size()))
                        .extracting(s -> s.split(" ")[0])
                        .containsExactlyElementsOf(METADATA);
            }
        }
    }

    @Test
    void greenplumDdlDeclaresTheSameColumnsAndGreenplumLayout() {
        String gp = WarehouseDdl.script(WarehouseDialect.GREENPLUM_6, "analytics");
        for (WarehouseTable t :
                List.of(
                        WarehouseTables.requestsAnalytical("analytics"),
                        WarehouseTables.usersDim("analytics"))) {
            Matcher m =
                    Pattern.compile(
                                    "CREATE TABLE IF NOT EXISTS analytics\\."
                                            + t.name()
                                            + " \\((.*?)\\n\\)",
                                    Pattern.DOTALL)
                            .matcher(gp);
            assertThat(m.find()).as(t.name()).isTrue();
            List<String> declared = new ArrayList<>();
            for (String line : m.group(1).split("\n")) {
                String l = line.trim();
                if (l.isEmpty() || l.startsWith("--")) {
                    continue;
                }
                String[] parts = l.replaceAll(",$", "").split("\\s+");
                declared.add(parts[0] + " " + parts[1]);
            }
            List<String> want = new ArrayList<>();
            t.columns().forEach(c -> want.add(c.name() + " " + c.type().sqlName().split(" ")[0]));
            assertThat(declared.subList(0, want.size())).containsExactlyElementsOf(want);
        }
        assertThat(gp)
                .contains(
                        "DISTRIBUTED BY (user_id)",
                        "PARTITION BY RANGE (created_at)",
                        "DEFAULT PARTITION",
                        "DISTRIBUTED REPLICATED");
        assertThat(gp).doesNotContain("ON CONFLICT", "MERGE", "RETURNING");
    }
}
