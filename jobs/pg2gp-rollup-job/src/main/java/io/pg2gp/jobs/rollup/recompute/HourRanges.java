package io.pg2gp.jobs.rollup.recompute;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Dirty hours coalesced into half-open ranges of consecutive hours, rendered as literal predicates
 * so the planner can use the index or prune partitions on the hour column.
 */
public final class HourRanges {

    /** {@code [from, to)}, both on an hour boundary. */
    public record Range(Instant from, Instant to) {}

    private final List<Range> ranges;

    private HourRanges(List<Range> ranges) {
        this.ranges = ranges;
    }

    /** Hours as epoch milliseconds, truncated to the hour; duplicates and order do not matter. */
    public static HourRanges of(Collection<Long> hourMillis) {
        TreeSet<Instant> hours = new TreeSet<>();
        for (long h : hourMillis) {
            hours.add(Instant.ofEpochMilli(h).truncatedTo(ChronoUnit.HOURS));
        }
        List<Range> out = new ArrayList<>();
        Instant start = null;
        Instant end = null;
        for (Instant h : hours) {
            if (start != null && h.equals(end)) {
                end = h.plus(1, ChronoUnit.HOURS);
                continue;
            }
            if (start != null) {
                out.add(new Range(start, end));
            }
            start = h;
            end = h.plus(1, ChronoUnit.HOURS);
        }
        if (start != null) {
            out.add(new Range(start, end));
        }
        return new HourRanges(out);
    }

    public List<Range> ranges() {
        return ranges;
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** {@code (column >= 'a' AND column < 'b') OR ...} with timestamptz literals. */
    public String predicate(String column) {
        if (ranges.isEmpty()) {
            return "false";
        }
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < ranges.size(); i++) {
            Range r = ranges.get(i);
            if (i > 0) {
                sb.append(" OR ");
            }
            sb.append('(')
                    .append(column)
                    .append(" >= ")
                    .append(literal(r.from()))
                    .append(" AND ")
                    .append(column)
                    .append(" < ")
                    .append(literal(r.to()))
                    .append(')');
        }
        return sb.append(')').toString();
    }

    /**
     * A timestamptz literal PostgreSQL and Greenplum read for every hour an {@link Instant} holds
     * within their range: not {@link Instant#toString()}, which writes {@code +10000-01-01T...Z}
     * past year 9999 and year 0 for 1 BC, neither of which they accept.
     */
    static String literal(Instant hour) {
        ZonedDateTime t = hour.atZone(ZoneOffset.UTC);
        int year = t.getYear();
        boolean bc = year <= 0;
        return String.format(
                Locale.ROOT,
                "timestamptz '%04d-%02d-%02d %02d:%02d:%02d+00%s'",
                bc ? 1 - year : year,
                t.getMonthValue(),
                t.getDayOfMonth(),
                t.getHour(),
                t.getMinute(),
                t.getSecond(),
                bc ? " BC" : "");
    }
}
