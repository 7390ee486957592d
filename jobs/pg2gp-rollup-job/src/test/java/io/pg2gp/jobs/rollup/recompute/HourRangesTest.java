package io.pg2gp.jobs.rollup.recompute;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class HourRangesTest {

    private static long at(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    @Test
    void consecutiveHoursBecomeOneRangeAndDuplicatesVanish() {
        HourRanges r =
                HourRanges.of(
                        List.of(
                                at("2025-03-01T11:00:00Z"),
                                at("2025-03-01T10:15:00Z"), // same hour as 10:00
                                at("2025-03-01T10:00:00Z"),
                                at("2025-03-01T14:00:00Z")));
        assertThat(r.ranges())
                .containsExactly(
                        new HourRanges.Range(
                                Instant.parse("2025-03-01T10:00:00Z"),
                                Instant.parse("2025-03-01T12:00:00Z")),
                        new HourRanges.Range(
                                Instant.parse("2025-03-01T14:00:00Z"),
                                Instant.parse("2025-03-01T15:00:00Z")));
        assertThat(r.predicate("created_at"))
                .isEqualTo(
                        "((created_at >= timestamptz '2025-03-01T10:00:00Z' AND created_at <"
                                + " timestamptz '2025-03-01T12:00:00Z') OR (created_at >="
                                + " timestamptz '2025-03-01T14:00:00Z' AND created_at <"
                                + " timestamptz '2025-03-01T15:00:00Z'))");
    }

    @Test
    void noHoursSelectNothing() {
        assertThat(HourRanges.of(List.of()).isEmpty()).isTrue();
        assertThat(HourRanges.of(List.of()).predicate("hour")).isEqualTo("false");
    }
}
