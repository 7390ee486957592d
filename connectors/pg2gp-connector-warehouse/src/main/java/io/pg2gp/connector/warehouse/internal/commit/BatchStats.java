package io.pg2gp.connector.warehouse.internal.commit;

import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.internal.sql.ApplyStatements;
import io.pg2gp.connector.warehouse.internal.sql.BatchBoundsStatements;
import io.pg2gp.connector.warehouse.internal.sql.HourRanges;

import org.apache.flink.annotation.Internal;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * One pass over a batch's staged rows ({@link BatchBoundsStatements#batchStats}): its lowest LSN,
 * snapshot reads, rows without a finite hour, the hours it touches and its rows that are not
 * inserts; what decides the path of its apply and the bounds on the target.
 */
@Internal
record BatchStats(
        WarehouseCommittable committable,
        long minLsn,
        long reads,
        long untimed,
        HourRanges hours,
        long notInserts,
        String newHours,
        String previousHours) {

    /** Reads the statistics; fails when staging does not hold the rows the writers staged. */
    static BatchStats read(
            Statement s,
            ApplyStatements sql,
            String job,
            WarehouseTable target,
            WarehouseCommittable committable)
            throws SQLException {
        long staged;
        BatchStats stats;
        try (ResultSet rs = s.executeQuery(sql.bounds().batchStats(job, committable.batchIds()))) {
            rs.next();
            staged = rs.getLong(1);
            stats =
                    new BatchStats(
                            committable,
                            rs.getLong(2),
                            rs.getLong(3),
                            rs.getLong(4),
                            HourRanges.of(rs.getString(7), rs.getString(8)),
                            rs.getLong(9),
                            rs.getString(7),
                            rs.getString(8));
        }
        if (staged != committable.rows()) {
            throw new IllegalStateException(
                    "staging lost rows of checkpoint "
                            + committable.checkpointId()
                            + " for "
                            + target.qualifiedName()
                            + ": expected "
                            + committable.rows()
                            + ", found "
                            + staged
                            + ". Someone truncated or purged the staging table; the"
                            + " missing changes must be re-read from the source (restart"
                            + " from an earlier savepoint or re-snapshot).");
        }
        return stats;
    }
}
