package io.pg2gp.testutils;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/** The shared Greenplum is a real Greenplum 6 with segments and GPORCA, as production runs. */
class GreenplumClusterITCase {

    @Test
    void isGreenplum6WithSegmentsAndGporca() throws Exception {
        GreenplumCluster gp = SharedGreenplum.cluster();
        String db = SharedGreenplum.createDatabase("gp_smoke");
        try (Connection c = gp.connect(db);
                Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT version()")) {
                rs.next();
                assertThat(rs.getString(1)).contains("Greenplum Database 6.");
            }
            try (ResultSet rs =
                    s.executeQuery(
                            "SELECT count(*) FROM gp_segment_configuration WHERE content >= 0"
                                    + " AND role = 'p' AND status = 'u'")) {
                rs.next();
                assertThat(rs.getInt(1)).isGreaterThanOrEqualTo(2);
            }
            try (ResultSet rs = s.executeQuery("SHOW optimizer")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("on");
            }
            // Rows really spread over the segments.
            s.execute("CREATE TABLE t (id int) DISTRIBUTED BY (id)");
            s.execute("INSERT INTO t SELECT generate_series(1, 1000)");
            try (ResultSet rs = s.executeQuery("SELECT count(DISTINCT gp_segment_id) FROM t")) {
                rs.next();
                assertThat(rs.getInt(1)).isGreaterThanOrEqualTo(2);
            }
        }
    }
}
