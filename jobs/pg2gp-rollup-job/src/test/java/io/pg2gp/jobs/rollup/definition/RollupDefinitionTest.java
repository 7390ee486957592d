package io.pg2gp.jobs.rollup.definition;

import io.pg2gp.connector.warehouse.WarehouseDialect;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RollupDefinitionTest {

    @Test
    void theShippedRollupsParseWithTheirTablesAndHourFilters() {
        List<RollupDefinition> rollups = RollupDefinitions.load(null);
        assertThat(rollups)
                .extracting(RollupDefinition::name)
                .containsExactly("hourly_agent_stats", "hourly_user_activity");
        RollupDefinition agents = rollups.get(0);
        assertThat(agents.table("analytics")).isEqualTo("analytics.rollup_hourly_agent_stats");
        assertThat(agents.ddl("analytics", WarehouseDialect.GREENPLUM_6))
                .contains("CREATE TABLE IF NOT EXISTS analytics.rollup_hourly_agent_stats")
                .contains("DISTRIBUTED BY (hour);")
                .contains("CREATE INDEX rollup_hourly_agent_stats_hour");
        assertThat(agents.ddl("analytics", WarehouseDialect.POSTGRES))
                .doesNotContain("DISTRIBUTED")
                .doesNotContain("{{");
        assertThat(agents.select("analytics", "created_at >= x"))
                .contains("FROM analytics.requests_analytical")
                .contains("WHERE created_at >= x AND NOT _deleted")
                .contains("percentile_cont(0.95) WITHIN GROUP (ORDER BY execution_time_ms)")
                .doesNotContain("--");
        assertThat(RollupDefinitions.views("analytics")).containsOnlyKeys("01_dashboard");
        assertThat(RollupDefinitions.views("analytics").get("01_dashboard"))
                .contains("CREATE OR REPLACE VIEW analytics.dashboard_daily_active_users")
                .doesNotContain("{{");
    }

    @Test
    void aDefinitionWithoutItsPartsIsRefusedByName() {
        assertThatThrownBy(() -> RollupDefinition.parse("broken", "SELECT 1"))
                .hasMessageContaining("rollup broken")
                .hasMessageContaining("-- @recompute");
        assertThatThrownBy(
                        () ->
                                RollupDefinition.parse(
                                        "nohours",
                                        "CREATE TABLE IF NOT EXISTS {{schema}}.r (hour"
                                                + " timestamptz);\n-- @recompute\nSELECT 1"))
                .hasMessageContaining("{{hours}}");
    }
}
