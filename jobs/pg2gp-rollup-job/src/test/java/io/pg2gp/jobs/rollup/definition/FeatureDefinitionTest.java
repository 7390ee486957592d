package io.pg2gp.jobs.rollup.definition;

import io.pg2gp.connector.warehouse.WarehouseDialect;

import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FeatureDefinitionTest {

    @Test
    void theShippedFeatureFileParsesIntoTableSelectValidityAndView() {
        List<FeatureDefinition> features = FeatureDefinitions.load(null);
        assertThat(features).extracting(FeatureDefinition::name).containsExactly("user_features");
        FeatureDefinition f = features.get(0);
        assertThat(f.table("wh")).isEqualTo("wh.user_features");
        assertThat(f.keyColumn()).isEqualTo("user_id");
        assertThat(f.dayTable("wh")).isEqualTo("wh.user_feature_days");
        assertThat(f.timeColumn()).isEqualTo("created_at");
        assertThat(f.days("wh", "user_id = 'a'"))
                .contains("FROM wh.requests_analytical")
                .contains("WHERE (user_id = 'a')")
                .contains("GROUP BY user_id, (created_at AT TIME ZONE 'UTC')::date")
                .doesNotContain("{{");
        // the window: stored whole days, and the year's first day from the facts of those keys
        assertThat(f.window("wh", "user_id IN ('a')"))
                .contains("FROM wh.user_feature_days d")
                .contains("WHERE (user_id IN ('a') AND created_at >= now() - interval '1 year'")
                .doesNotContain("{{");
        assertThat(f.ddl("wh", WarehouseDialect.GREENPLUM_6))
                .contains("CREATE TABLE IF NOT EXISTS wh.user_features (")
                .contains("CREATE TABLE IF NOT EXISTS wh.user_feature_days (")
                .contains("DISTRIBUTED BY (user_id)")
                .endsWith("$$;");
        assertThat(f.ddl("wh", WarehouseDialect.POSTGRES)).doesNotContain("DISTRIBUTED");
        String select = f.select("wh", "user_id IN ('a')");
        assertThat(select)
                .contains("FROM wh.requests_analytical")
                .contains("FROM wh.user_feature_days d")
                .contains("user_id IN ('a')")
                .contains("row_number() OVER")
                .doesNotContain("{{")
                .doesNotContain("LIMIT")
                // no bound computed: none
                .contains("created_at >= TIMESTAMPTZ '-infinity'");
        // a recompute's bound: a constant, which Greenplum prunes partitions by
        assertThat(f.select("wh", "user_id IN ('a')", "TIMESTAMPTZ '2026-10-28 00:00:00+00'"))
                .contains("created_at >= TIMESTAMPTZ '2026-10-28 00:00:00+00'")
                .doesNotContain("TIMESTAMPTZ '-infinity'");
        assertThat(f.since("wh", "user_id IN ('a')"))
                .startsWith("SELECT min(s.bound)::text FROM (SELECT c.user_id,")
                .contains("FROM wh.user_feature_days d")
                .contains("user_id IN ('a')")
                .endsWith(") s(k, bound)")
                .doesNotContain("{{");
        assertThat(f.view("wh", WarehouseDialect.GREENPLUM_6))
                .contains(
                        "user_id IN (SELECT f.user_id FROM wh.user_features f WHERE NOT"
                                + " (f.oldest_request_at")
                .doesNotContain("LATERAL");
        String view = f.view("wh", WarehouseDialect.POSTGRES);
        assertThat(view)
                .startsWith(
                        "CREATE OR REPLACE FUNCTION wh.user_features_recompute(feature_key"
                                + " wh.user_features.user_id%TYPE) RETURNS SETOF wh.user_features")
                .contains("RETURN QUERY SELECT")
                .contains("user_id = feature_key")
                .contains("CREATE OR REPLACE VIEW wh.user_features_v1 AS")
                .contains("FROM wh.user_features f WHERE (f.oldest_request_at")
                .contains(
                        "SELECT r.* FROM wh.user_features f CROSS JOIN LATERAL"
                                + " wh.user_features_recompute(f.user_id) r WHERE r.user_id ="
                                + " f.user_id AND NOT (f.oldest_request_at")
                .doesNotContain("{{");
        assertThat(f.foreignIndexes("wh"))
                .containsExactly(
                        new FeatureDefinition.ForeignIndex(
                                "wh.requests_analytical_user_created",
                                "wh.requests_analytical",
                                List.of(
                                        "wh.requests_analytical_user",
                                        "wh.requests_analytical_user_created")));
        assertThat(f.staleKeys("wh"))
                .startsWith("SELECT f.user_id::text || '|' FROM wh.user_features f WHERE NOT (");
    }

    @Test
    void aFileWithoutItsSectionsIsRejectedWithWhatIsMissing() {
        assertThatThrownBy(
                        () ->
                                FeatureDefinition.parse(
                                        "x",
                                        "CREATE TABLE IF NOT EXISTS {{schema}}.x (k int);\n"
                                                + "-- @recompute\nSELECT 1 WHERE {{keys}}\n"))
                .hasMessageContaining("-- @days");
        assertThatThrownBy(
                        () ->
                                FeatureDefinition.parse(
                                        "x",
                                        "CREATE TABLE IF NOT EXISTS {{schema}}.x (k int);\n"
                                                + "-- @days d t\nSELECT 1 WHERE {{facts}}\n"
                                                + "-- @window\nSELECT 1 WHERE {{keys}}\n"
                                                + "-- @recompute\nSELECT 1\n-- @valid\ntrue\n"
                                                + "-- @view\nCREATE VIEW v AS {{recompute}}"
                                                + " {{valid}}\n"))
                .hasMessageContaining("{{keys}}");
    }

    @Test
    void aSinceSectionIsOptionalButGoesWithItsPlaceholders() {
        String head =
                "CREATE TABLE IF NOT EXISTS {{schema}}.x (k int);\n"
                        + "-- @days d t\nSELECT 1 WHERE {{facts}}\n"
                        + "-- @window\nSELECT k, t FROM w WHERE {{keys}}\n";
        String tail = "-- @valid\ntrue\n-- @view\nCREATE VIEW v AS {{recompute}} {{valid}}\n";
        FeatureDefinition without =
                FeatureDefinition.parse("x", head + "-- @recompute\nSELECT {{keys}}\n" + tail);
        assertThat(without.since("s", "true")).isNull();
        assertThat(without.select("s", "true", "TIMESTAMPTZ '2026-01-01 00:00:00+00'"))
                .isEqualTo("SELECT true");
        FeatureDefinition with =
                FeatureDefinition.parse(
                        "x",
                        head
                                + "-- @recompute\nSELECT * FROM f JOIN {{since_by_key}} b USING (k)"
                                + " WHERE {{keys}} AND t >= {{since}}\n"
                                + "-- @since\nSELECT k, min(t) FROM {{window}} w GROUP BY k\n"
                                + tail);
        assertThat(with.since("s", "k = 1"))
                .isEqualTo(
                        "SELECT min(s.bound)::text FROM (SELECT k, min(t) FROM (SELECT k, t FROM w"
                                + " WHERE k = 1) w GROUP BY k) s(k, bound)");
        assertThat(with.select("s", "k = 1", "TIMESTAMPTZ '2026-01-01 00:00:00+00'"))
                .isEqualTo(
                        "SELECT * FROM f JOIN (SELECT k, min(t) FROM (SELECT k, t FROM w WHERE k ="
                                + " 1) w GROUP BY k) b USING (k) WHERE k = 1 AND t >= TIMESTAMPTZ"
                                + " '2026-01-01 00:00:00+00'");
        assertThat(with.select("s", "k = 1")).endsWith("t >= TIMESTAMPTZ '-infinity'");
        rejected(head + "-- @recompute\nSELECT {{keys}}\n-- @since\nSELECT now()\n" + tail)
                .hasMessageContaining("{{since}}");
        rejected(head + "-- @recompute\nSELECT {{since_by_key}} WHERE {{keys}}\n" + tail)
                .hasMessageContaining("{{since}}");
        rejected(
                        head
                                + "-- @recompute\nSELECT {{keys}}\n"
                                + tail.replace("-- @valid", "-- @since\nSELECT 1\n-- @valid")
                                        .replace("-- @view", "-- @since\nx\n-- @view"))
                .hasMessageContaining("in this order");
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> rejected(String file) {
        return assertThatThrownBy(() -> FeatureDefinition.parse("x", file))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
