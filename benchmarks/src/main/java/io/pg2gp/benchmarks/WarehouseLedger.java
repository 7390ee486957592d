package io.pg2gp.benchmarks;

import io.pg2gp.testutils.DatabaseServer;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Reads the pipeline's progress from the warehouse: the commit ledger says how many changes were
 * applied per table (cheap to poll), counts confirm what is visible.
 */
final class WarehouseLedger implements AutoCloseable {

    private final Connection c;

    WarehouseLedger(DatabaseServer wh, String db) throws SQLException {
        this.c = wh.connect(db);
    }

    /** Changes applied to {@code public.<table>} so far (each staged change counts once). */
    long applied(String table) throws SQLException {
        try {
            return BenchServers.queryLong(
                    c,
                    "SELECT coalesce(sum(rows_staged), 0) FROM pg2gp.commit_ledger"
                            + " WHERE target_table = 'public."
                            + table
                            + "'");
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return 0; // the sink has not created its bookkeeping yet
            }
            throw e;
        }
    }

    /** Commits to {@code public.<table>} and the time they spent applying, from the ledger. */
    String applySummary(String table) throws SQLException {
        try (var st = c.createStatement();
                var rs =
                        st.executeQuery(
                                "SELECT count(*), coalesce(sum(apply_millis), 0),"
                                        + " coalesce(max(rows_staged), 0) FROM pg2gp.commit_ledger"
                                        + " WHERE target_table = 'public."
                                        + table
                                        + "' AND rows_staged > 0")) {
            rs.next();
            return String.format(
                    "%d commits to %s applying %.1f s in all, largest %,d rows",
                    rs.getLong(1), table, rs.getLong(2) / 1e3, rs.getLong(3));
        }
    }

    long count(String sql) throws SQLException {
        return BenchServers.queryLong(c, sql);
    }

    @Override
    public void close() throws SQLException {
        c.close();
    }
}
