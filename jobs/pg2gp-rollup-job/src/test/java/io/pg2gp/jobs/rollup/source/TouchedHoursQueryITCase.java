package io.pg2gp.jobs.rollup.source;

import io.pg2gp.connector.warehouse.BookkeepingSchema;
import io.pg2gp.connector.warehouse.TouchedRowsQueries;
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
 * ±infinity} read (through the sink's {@link TouchedRowsQueries}) without an error, purges bound to
 * one job and table, and hour predicates valid past year 9999 and before year 1.
 */
class TouchedHoursQueryITCase {

    @Test
    void infiniteHoursReadAsTheLongBoundsAndExtremeLiteralsParse() throws Exception {
        var pg = SharedPostgres.warehouse();
        try (Connection c = pg.connect(pg.maintenanceDatabase());
                Statement s = c.createStatement()) {
            // the bookkeeping table's shape (the sink creates it), in a schema of this test
            s.execute("DROP SCHEMA IF EXISTS th_query_it CASCADE");
            s.execute("CREATE SCHEMA th_query_it");
            s.execute(
                    "CREATE TABLE th_query_it.touched_hours (job text NOT NULL, target_table text"
                            + " NOT NULL, commit_seq bigint NOT NULL, hour timestamptz NOT NULL)");
            s.execute(
                    "INSERT INTO th_query_it.touched_hours VALUES"
                            + " ('j''1', 'f', 1, '2025-03-01 10:00+00'), ('j''1', 'f', 2, 'infinity'),"
                            + " ('j''1', 'f', 3, '-infinity'), ('j''1', 'f', 4, '9999-12-31 23:00+00'),"
                            + " ('other', 'f', 5, '2025-03-01 11:00+00'),"
                            + " ('j''1', 'g', 6, '2025-03-01 12:00+00')");
            var queries = TouchedRowsQueries.hours(new BookkeepingSchema("th_query_it"));
            List<Long> millis = new ArrayList<>();
            for (var row : queries.readAfter(c, "f", 0, 100)) {
                if (row.job().equals("j'1")) {
                    millis.add(row.value());
                }
            }
            assertThat(queries.readAfter(c, "f", 3, 100))
                    .extracting(TouchedRowsQueries.Touched::commitSeq)
                    .containsExactly(4L, 5L);
            // a purge takes one job's commits of one table up to a commit, nothing else
            assertThat(queries.purge(c, "f", "j'1", 3)).isEqualTo(3);
            assertThat(queries.readAfter(c, "f", 0, 100))
                    .extracting(TouchedRowsQueries.Touched::commitSeq)
                    .containsExactly(4L, 5L);
            assertThat(queries.readAfter(c, "g", 0, 100)).hasSize(1);
            s.execute("DROP SCHEMA th_query_it CASCADE");
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
