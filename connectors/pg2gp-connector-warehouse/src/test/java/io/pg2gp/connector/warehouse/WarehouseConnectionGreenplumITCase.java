package io.pg2gp.connector.warehouse;

import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.SharedGreenplum;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Connections the pipeline opens to Greenplum take every value a source can hold through
 * statistics: Greenplum 6's ANALYZE, run by housekeeping or by {@code gp_autostats_mode} inside the
 * apply's first INSERT into a table without statistics, failed on the largest double precision
 * unless the session SETs {@code extra_float_digits} (a start-up parameter, as pgjdbc sends it,
 * does not reach the segments).
 */
class WarehouseConnectionGreenplumITCase {

    private static final String MAX_DOUBLE = "1.7976931348623157e308";

    private static GreenplumCluster cluster;
    private static String db;

    @BeforeAll
    static void createDatabase() {
        cluster = SharedGreenplum.cluster();
        db = SharedGreenplum.createDatabase("connection");
    }

    private Connection open() throws SQLException {
        return new WarehouseConnectionOptions(
                        cluster.jdbcUrl(db), cluster.user(), GreenplumCluster.ENV_PASSWORD)
                .open("connection test");
    }

    @Test
    void extremeFloatsLandAndAreAnalysed() throws SQLException {
        try (Connection c = open();
                Statement s = c.createStatement()) {
            s.execute(
                    "CREATE TABLE extremes (id bigint, d double precision, r real)"
                            + " DISTRIBUTED BY (id)");
            // The table has no statistics: Greenplum's default gp_autostats_mode analyses it
            // within this INSERT.
            s.execute(
                    "INSERT INTO extremes VALUES (1, "
                            + MAX_DOUBLE
                            + ", 3.4028235e38), (2, -"
                            + MAX_DOUBLE
                            + ", -3.4028235e38), (3, 4.9e-324, 1.4e-45)");
            s.execute("ANALYZE extremes");
            try (ResultSet rs =
                    s.executeQuery(
                            "SELECT count(*) FROM pg_stats WHERE tablename = 'extremes'"
                                    + " AND attname IN ('d', 'r')")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(2);
            }
            try (ResultSet rs = s.executeQuery("SELECT d FROM extremes WHERE id = 1")) {
                rs.next();
                assertThat(rs.getDouble(1)).isEqualTo(Double.MAX_VALUE);
            }
        }
    }

    /** What the SET guards against: without it, the same ANALYZE fails on Greenplum 6. */
    @Test
    void withoutTheSettingGreenplum6FailsToAnalyseTheLargestDouble() throws SQLException {
        try (Connection c = cluster.connect(db);
                Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT version()")) {
                rs.next();
                assumeTrue(
                        rs.getString(1).contains("Greenplum Database 6."),
                        "the defect is Greenplum 6's");
            }
            s.execute("SET gp_autostats_mode = none");
            s.execute("CREATE TABLE plain_session (id bigint, d double precision)");
            s.execute("INSERT INTO plain_session VALUES (1, " + MAX_DOUBLE + ")");
            assertThatThrownBy(() -> s.execute("ANALYZE plain_session"))
                    .hasMessageContaining("value out of range: overflow");
        }
    }
}
