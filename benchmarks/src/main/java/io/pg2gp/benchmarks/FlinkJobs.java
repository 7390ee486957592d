package io.pg2gp.benchmarks;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Runs the benchmark jobs on one local MiniCluster ({@link BenchCluster}). Times start when the job
 * has been submitted (the cluster is up), so MiniCluster start-up is not counted against pg2gp; a
 * bounded job's final checkpoint is triggered as soon as its sources finish.
 */
final class FlinkJobs {

    private FlinkJobs() {}

    /** A job without restarts (a benchmark must fail loudly); checkpoints when interval != null. */
    static Configuration configuration(Duration checkpointInterval) {
        Configuration c = new Configuration();
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        if (checkpointInterval != null) {
            c.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, checkpointInterval);
            c.set(
                    CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE,
                    CheckpointingMode.EXACTLY_ONCE);
            c.set(CheckpointingOptions.ENABLE_UNALIGNED, false);
        }
        return c;
    }

    static StreamExecutionEnvironment environment(Configuration c) throws Exception {
        return BenchCluster.get().environment(c);
    }

    static JobClient submit(StreamExecutionEnvironment env, String name) throws Exception {
        return env.executeAsync(name);
    }

    /**
     * Waits for a bounded job to finish, triggering its final checkpoint when its sources have
     * finished; returns nanoseconds since {@code startNanos}.
     */
    static long awaitFinished(JobClient job, long startNanos, Duration timeout) throws Exception {
        try {
            BenchCluster.get().checkpointWhenSourcesFinish(job.getJobID(), timeout.toNanos());
            job.getJobExecutionResult().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            cancel(job);
            throw new IllegalStateException("job did not finish within " + timeout, e);
        }
        return System.nanoTime() - startNanos;
    }

    /**
     * Polls {@code done} every {@code every} until it holds; fails when the job stops first or the
     * timeout passes. Returns {@link System#nanoTime()} of the poll that saw it done.
     */
    static long awaitCondition(
            String what, JobClient job, Duration timeout, Duration every, Callable<Boolean> done)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long polls = 0;
        while (true) {
            if (done.call()) {
                return System.nanoTime();
            }
            if (++polls % 20 == 0 && job != null) {
                JobStatus status = job.getJobStatus().get(10, TimeUnit.SECONDS);
                if (status.isGloballyTerminalState()) {
                    job.getJobExecutionResult().get(); // throws the job's failure, if any
                    throw new IllegalStateException("job ended (" + status + ") before " + what);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(every.toMillis());
        }
    }

    static void cancel(JobClient job) {
        try {
            if (!job.getJobStatus().get(10, TimeUnit.SECONDS).isGloballyTerminalState()) {
                job.cancel().get(60, TimeUnit.SECONDS);
            }
            job.getJobExecutionResult().handle((r, e) -> null).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (!clusterGone(e)) {
                System.err.println("could not cancel job " + job.getJobID() + ": " + e);
            }
        }
    }

    /** A job's own MiniCluster shuts down with it: cancelling it again finds nothing to cancel. */
    private static boolean clusterGone(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IllegalStateException
                    && String.valueOf(t.getMessage()).contains("already been shut down")) {
                return true;
            }
        }
        return false;
    }
}
