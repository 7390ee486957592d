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
                        "((created_at >= timestamptz '2025-03-01 10:00:00+00' AND created_at <"
                                + " timestamptz '2025-03-01 12:00:00+00') OR (created_at >="
                                + " timestamptz '2025-03-01 14:00:00+00' AND created_at <"
                                + " timestamptz '2025-03-01 15:00:00+00'))");
    }

    @Test
    void literalsPastYear9999AndBeforeYear1AreOnesPostgresReads() {
        // Instant.toString() gives +10000-01-01T00:00:00Z and -0043-03-15T00:00:00Z
        assertThat(HourRanges.literal(Instant.parse("+10000-01-01T00:00:00Z")))
                .isEqualTo("timestamptz '10000-01-01 00:00:00+00'");
        assertThat(HourRanges.literal(Instant.parse("9999-12-31T23:00:00Z")))
                .isEqualTo("timestamptz '9999-12-31 23:00:00+00'");
        assertThat(HourRanges.literal(Instant.parse("0000-06-01T05:00:00Z")))
                .isEqualTo("timestamptz '0001-06-01 05:00:00+00 BC'");
        assertThat(HourRanges.literal(Instant.parse("-0043-03-15T00:00:00Z")))
                .isEqualTo("timestamptz '0044-03-15 00:00:00+00 BC'");
    }

    @Test
    void noHoursSelectNothing() {
        assertThat(HourRanges.of(List.of()).isEmpty()).isTrue();
        assertThat(HourRanges.of(List.of()).predicate("hour")).isEqualTo("false");
    }
}
