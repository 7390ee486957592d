package io.pg2gp.connector.warehouse.internal.sql;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class HourRangesTest {

    private static long at(String instant) {
        return Instant.parse(instant).getEpochSecond();
    }

    @Test
    void closeHoursFormOneRangeAndALateUpdateItsOwn() {
        String fresh =
                at("2026-11-30T10:00:00Z")
                        + ","
                        + at("2026-12-01T09:00:00Z")
                        + ",,"
                        + at("2026-11-30T11:00:00Z");
        String previous = String.valueOf(at("2025-12-24T07:00:00Z"));
        HourRanges hours = HourRanges.of(fresh, previous, null);
        assertThat(hours)
                .hasToString(
                        "[2025-12-24T07:00:00Z, 2025-12-24T08:00:00Z)"
                                + " [2026-11-30T10:00:00Z, 2026-12-01T10:00:00Z)");
        assertThat(hours.condition("t.h"))
                .isEqualTo(
                        "((t.h >= timestamptz '2025-12-24T07:00:00Z' AND t.h < timestamptz"
                                + " '2025-12-24T08:00:00Z') OR (t.h >= timestamptz"
                                + " '2026-11-30T10:00:00Z' AND t.h < timestamptz"
                                + " '2026-12-01T10:00:00Z'))");
    }

    @Test
    void monthsAreThoseTheRangesOverlap() {
        HourRanges hours =
                HourRanges.of(
                        at("2025-12-24T07:00:00Z")
                                + ","
                                + at("2026-09-30T23:00:00Z")
                                + ","
                                + at("2026-10-01T00:00:00Z")
                                + ","
                                + at("2026-12-01T09:00:00Z"));
        assertThat(hours.months())
                .containsExactly(
                        YearMonth.of(2025, 12),
                        YearMonth.of(2026, 9),
                        YearMonth.of(2026, 10),
                        YearMonth.of(2026, 12));
        assertThat(HourRanges.of(String.valueOf(at("2026-10-31T23:00:00Z"))).months())
                .containsExactly(YearMonth.of(2026, 10));
        assertThat(HourRanges.of().months()).isEmpty();
    }

    @Test
    void oneRangeIsAPlainConditionAndNoHoursNone() {
        HourRanges one = HourRanges.of(String.valueOf(at("2024-02-03T04:00:00Z")));
        assertThat(one.condition("t.h"))
                .isEqualTo(
                        "t.h >= timestamptz '2024-02-03T04:00:00Z' AND t.h < timestamptz"
                                + " '2024-02-03T05:00:00Z'");
        assertThat(HourRanges.of(null, "").isEmpty()).isTrue();
    }

    /** Scattered hours: the smallest gaps close first, and every hour stays covered. */
    @Test
    void atMostEightRangesThatStillCoverEveryHour() {
        List<Long> hours = new ArrayList<>();
        long start = at("2025-01-01T00:00:00Z");
        for (int i = 0; i < 20; i++) {
            hours.add(start + (long) i * i * 5 * 86_400);
        }
        HourRanges ranges =
                HourRanges.of(String.join(",", hours.stream().map(String::valueOf).toList()));
        assertThat(ranges.ranges()).hasSize(HourRanges.MAX_RANGES);
        for (long h : hours) {
            assertThat(ranges.ranges()).anyMatch(r -> r[0] <= h && h + 3600 <= r[1]);
        }
        // The widest gap (between the last two hours) is kept.
        long[] last = ranges.ranges().get(HourRanges.MAX_RANGES - 1);
        assertThat(last[0]).isEqualTo(hours.get(19));
    }
}
