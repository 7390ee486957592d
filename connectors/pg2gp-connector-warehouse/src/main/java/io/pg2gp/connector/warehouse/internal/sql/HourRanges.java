package io.pg2gp.connector.warehouse.internal.sql;

import org.apache.flink.annotation.Internal;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The hours a batch touches, as a few half-open ranges {@code [from, to)} of epoch seconds: the
 * literal bounds the apply puts on the target's partition column. One min–max range widens to every
 * partition between the oldest and the newest hour (a single late update of a year-old row makes
 * every key probe a year of partitions); separate ranges let the planner's constraint exclusion
 * skip the months in between. Gaps of up to a day are closed (partitions are far coarser), and at
 * most {@link #MAX_RANGES} ranges are kept, closing the smallest gaps first, so the OR stays cheap
 * to plan.
 */
@Internal
public record HourRanges(List<long[]> ranges) {

    static final int MAX_RANGES = 8;
    static final long HOUR = 3600;
    static final long MERGED_GAP = 24 * HOUR;

    /**
     * From comma-separated epoch seconds of whole hours (as {@link
     * BatchBoundsStatements#batchStats} returns them; null or blank parts are skipped). Empty when
     * there is no hour.
     */
    public static HourRanges of(String... epochHourLists) {
        TreeSet<Long> hours = new TreeSet<>();
        for (String list : epochHourLists) {
            if (list == null) {
                continue;
            }
            for (String h : list.split(",")) {
                if (!h.isBlank()) {
                    hours.add(Long.parseLong(h.trim()));
                }
            }
        }
        List<long[]> ranges = new ArrayList<>();
        for (long h : hours) {
            long[] last = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1);
            if (last != null && h - last[1] <= MERGED_GAP) {
                last[1] = Math.max(last[1], h + HOUR);
            } else {
                ranges.add(new long[] {h, h + HOUR});
            }
        }
        while (ranges.size() > MAX_RANGES) {
            int smallest = 1;
            for (int i = 2; i < ranges.size(); i++) {
                if (gap(ranges, i) < gap(ranges, smallest)) {
                    smallest = i;
                }
            }
            ranges.get(smallest - 1)[1] = ranges.get(smallest)[1];
            ranges.remove(smallest);
        }
        return new HourRanges(List.copyOf(ranges));
    }

    private static long gap(List<long[]> ranges, int i) {
        return ranges.get(i)[0] - ranges.get(i - 1)[1];
    }

    /** The months (UTC) the ranges overlap, in order. */
    public List<YearMonth> months() {
        TreeSet<YearMonth> months = new TreeSet<>();
        for (long[] r : ranges) {
            YearMonth last =
                    YearMonth.from(Instant.ofEpochSecond(r[1] - 1).atOffset(ZoneOffset.UTC));
            for (YearMonth m = YearMonth.from(Instant.ofEpochSecond(r[0]).atOffset(ZoneOffset.UTC));
                    !m.isAfter(last);
                    m = m.plusMonths(1)) {
                months.add(m);
            }
        }
        return List.copyOf(months);
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /**
     * The condition on {@code column}: {@code column >= from AND column < to} per range, ORed;
     * timestamps as ISO-8601 UTC literals.
     */
    String condition(String column) {
        List<String> parts = new ArrayList<>();
        for (long[] r : ranges) {
            parts.add(
                    column
                            + " >= timestamptz "
                            + SqlLiterals.string(Instant.ofEpochSecond(r[0]).toString())
                            + " AND "
                            + column
                            + " < timestamptz "
                            + SqlLiterals.string(Instant.ofEpochSecond(r[1]).toString()));
        }
        return parts.size() == 1 ? parts.get(0) : "((" + String.join(") OR (", parts) + "))";
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (long[] r : ranges) {
            parts.add("[" + Instant.ofEpochSecond(r[0]) + ", " + Instant.ofEpochSecond(r[1]) + ")");
        }
        return String.join(" ", parts);
    }
}
