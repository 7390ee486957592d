package io.pg2gp.jobs.rollup.source;

import io.pg2gp.jobs.rollup.recompute.HourRanges;
import io.pg2gp.testutils.SharedPostgres;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SQL the rollup job runs on extreme hours, on a real PostgreSQL: touched hours of {@code
 * ±infinity} read without an error, and hour predicates valid past year 9999 and before year 1.
 */
class TouchedHoursQueryITCase {

    @Test
    void infiniteHoursReadAsTheLongBoundsAndExtremeLiteralsParse() throws Exception {
        var pg = SharedPostgres.warehouse();
        try (Connection c = pg.connect(pg.maintenanceDatabase());
                Statement s = c.createStatement()) {
            s.execute("CREATE TEMP TABLE th (seq int, hour timestamptz)");
            s.execute(
                    "INSERT INTO th VALUES (1, '2025-03-01 10:00+00'), (2, 'infinity'),"
                            + " (3, '-infinity'), (4, '9999-12-31 23:00+00')");
            List<Long> millis = new ArrayList<>();
            try (ResultSet rs =
                    s.executeQuery(
                            "SELECT " + TouchedHoursSource.HOUR_MILLIS + " FROM th ORDER BY seq")) {
                while (rs.next()) {
                    millis.add(rs.getLong(1));
                }
            }
            assertThat(millis)
                    .containsExactly(
                            Instant.parse("2025-03-01T10:00:00Z").toEpochMilli(),
                            Long.MAX_VALUE,
                            Long.MIN_VALUE,
                            Instant.parse("9999-12-31T23:00:00Z").toEpochMilli());

            // each predicate selects exactly its own hour: PostgreSQL read the literals right
            List<Instant> hours =
                    List.of(
                            Instant.parse("+10000-01-01T00:00:00Z"),
                            Instant.parse("9999-12-31T23:00:00Z"),
                            Instant.parse("-0043-03-15T00:00:00Z"),
                            Instant.parse("0000-06-01T05:00:00Z"));
            for (Instant h : hours) {
                String predicate = HourRanges.of(List.of(h.toEpochMilli())).predicate("hour");
                String at = "to_timestamp(" + h.getEpochSecond() + ")";
                String before = "to_timestamp(" + (h.getEpochSecond() - 1) + ")";
                try (ResultSet rs =
                        s.executeQuery(
                                "SELECT (SELECT "
                                        + predicate
                                        + " FROM (SELECT "
                                        + at
                                        + " AS hour) x), (SELECT "
                                        + predicate
                                        + " FROM (SELECT "
                                        + before
                                        + " AS hour) y)")) {
                    rs.next();
                    assertThat(rs.getBoolean(1)).as("%s in its own range", h).isTrue();
                    assertThat(rs.getBoolean(2)).as("a second before %s", h).isFalse();
                }
            }
        }
    }
}
