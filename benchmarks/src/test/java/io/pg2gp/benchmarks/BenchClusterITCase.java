package io.pg2gp.benchmarks;

import io.pg2gp.connector.warehouse.WarehouseRowData;
import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SharedPostgres;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class BenchClusterITCase {

    private static final long ROWS = 1_000;

    /**
     * A checkpoint triggered when the sources finish neither fails nor holds up a bounded job, and
     * every row lands once. Whether it or the job's own end of input commits the last rows is
     * Flink's race to decide (with an hour between checkpoints this job ends in seconds either
     * way), so the test does not ask which won.
     */
    @Test
    void aCheckpointTriggeredAtEndOfInputLeavesEveryRowLandedOnce() throws Exception {
        PostgresServer wh = SharedPostgres.warehouse();
        String db = SharedPostgres.uniqueDatabase("bench_cluster");
        wh.createDatabase(db);
        wh.execute(db, SqlSinkBenchmark.createTable(true, false));
        StreamExecutionEnvironment env =
                FlinkJobs.environment(FlinkJobs.configuration(Duration.ofHours(1)));
        env.fromSequence(0, ROWS - 1)
                .map(new SqlSinkBenchmark.Generate())
                .returns(InternalTypeInfo.of(SqlSinkBenchmark.ROW_TYPE))
                .keyBy(
                        WarehouseRowData.keySelector(
                                SqlSinkBenchmark.ROW_TYPE, SqlSinkBenchmark.KEY))
                .sinkTo(SqlSinkBenchmark.dataStreamSink(wh, db, null, "bench-cluster-it"))
                .uid("bench-cluster-it-sink");
        JobClient job = FlinkJobs.submit(env, "bench cluster IT");

        BenchCluster.get().checkpointWhenSourcesFinish(job.getJobID(), TimeUnit.MINUTES.toNanos(5));
        job.getJobExecutionResult().get(5, TimeUnit.MINUTES);
        try (Connection c = wh.connect(db)) {
            // every row, and with the primary key on id each key once
            assertThat(
                            BenchServers.queryLong(
                                    c, "SELECT count(*) FROM public." + SqlSinkBenchmark.TABLE))
                    .isEqualTo(ROWS);
        }
    }
}
