package io.pg2gp.jobs.rollup.recompute;

import java.io.Serializable;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * The hours rollups are kept for, {@code [from, to)}. A fact row outside it (a request dated year
 * 9999, {@code ±infinity}) stays in the fact table, but its hour is never recomputed: it would only
 * add a rollup row nobody charts, and hours far outside are where literals and partitions stop
 * behaving.
 */
public final class RollupHourRange implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Default lower bound: nothing in a request log is older than the Unix epoch. */
    public static final String DEFAULT_FROM = "1970-01-01T00:00:00Z";

    /** Default upper bound: far beyond any real request, well inside every type's range. */
    public static final String DEFAULT_TO = "2100-01-01T00:00:00Z";

    private final long fromMillis;
    private final long toMillis;

    private RollupHourRange(long fromMillis, long toMillis) {
        this.fromMillis = fromMillis;
        this.toMillis = toMillis;
    }

    public static RollupHourRange of(Instant from, Instant to) {
        Instant f = from.truncatedTo(ChronoUnit.HOURS);
        if (!to.isAfter(f)) {
            throw new IllegalArgumentException(
                    "rollup hour range is empty: [" + from + ", " + to + ")");
        }
        return new RollupHourRange(f.toEpochMilli(), to.toEpochMilli());
    }

    /** Parses the two settings (ISO-8601 instants), naming the setting in the error. */
    public static RollupHourRange parse(String fromKey, String from, String toKey, String to) {
        return of(instant(fromKey, from), instant(toKey, to));
    }

    private static Instant instant(String key, String value) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    key + " must be an ISO-8601 instant such as 2100-01-01T00:00:00Z: " + value, e);
        }
    }

    public static RollupHourRange defaults() {
        return of(Instant.parse(DEFAULT_FROM), Instant.parse(DEFAULT_TO));
    }

    /** Whether the hour starting at {@code hourMillis} (epoch millis) is kept. */
    public boolean contains(long hourMillis) {
        return hourMillis >= fromMillis && hourMillis < toMillis;
    }

    /** An hour for a log line: {@code ±infinity} as PostgreSQL writes them. */
    public static String describe(long hourMillis) {
        if (hourMillis == Long.MAX_VALUE) {
            return "infinity";
        }
        if (hourMillis == Long.MIN_VALUE) {
            return "-infinity";
        }
        return Instant.ofEpochMilli(hourMillis).toString();
    }

    @Override
    public String toString() {
        return "[" + Instant.ofEpochMilli(fromMillis) + ", " + Instant.ofEpochMilli(toMillis) + ")";
    }
}
