package io.pg2gp.jobs.rollup.recompute;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RollupHourRangeTest {

    private static long at(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    @Test
    void defaultsKeepRealHoursAndDropYear9999AndInfinity() {
        RollupHourRange r = RollupHourRange.defaults();
        assertThat(r.contains(at("2025-03-01T10:00:00Z"))).isTrue();
        assertThat(r.contains(at("1970-01-01T00:00:00Z"))).isTrue();
        assertThat(r.contains(at("2099-12-31T23:00:00Z"))).isTrue();
        assertThat(r.contains(at("2100-01-01T00:00:00Z"))).isFalse();
        assertThat(r.contains(at("9999-12-31T23:00:00Z"))).isFalse();
        assertThat(r.contains(at("1969-12-31T23:00:00Z"))).isFalse();
        assertThat(r.contains(Long.MAX_VALUE)).isFalse(); // infinity, as the reader maps it
        assertThat(r.contains(Long.MIN_VALUE)).isFalse();
        assertThat(RollupHourRange.describe(Long.MAX_VALUE)).isEqualTo("infinity");
        assertThat(RollupHourRange.describe(Long.MIN_VALUE)).isEqualTo("-infinity");
    }

    @Test
    void configuredRangeIsValidatedWithTheSettingsName() {
        RollupHourRange r =
                RollupHourRange.parse("f", "2020-01-01T00:30:00Z", "t", "2021-01-01T00:00:00Z");
        assertThat(r.contains(at("2020-01-01T00:00:00Z"))).isTrue(); // from rounds down
        assertThatThrownBy(() -> RollupHourRange.parse("f", "2020", "t", "2021-01-01T00:00:00Z"))
                .hasMessageContaining("f must be an ISO-8601 instant");
        assertThatThrownBy(
                        () ->
                                RollupHourRange.parse(
                                        "f", "2021-01-01T00:00:00Z", "t", "2020-01-01T00:00:00Z"))
                .hasMessageContaining("empty");
    }
}
