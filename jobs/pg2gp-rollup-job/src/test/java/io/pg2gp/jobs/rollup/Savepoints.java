package io.pg2gp.jobs.rollup;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.CheckpointException;
import org.apache.flink.util.ExceptionUtils;

import java.nio.file.Path;
import java.util.concurrent.ExecutionException;

/** Stop-with-savepoint for jobs whose tests inject failures. */
public final class Savepoints {

    private Savepoints() {}

    /**
     * Stops with a savepoint, again while a task is still restarting after an injected failure: a
     * killed session is found dead at its next use, possibly after the test's last check, and Flink
     * refuses a savepoint until every task runs again.
     */
    public static String stopWithSavepoint(JobClient job, Path dir) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return job.stopWithSavepoint(
                                false, dir.toUri().toString(), SavepointFormatType.CANONICAL)
                        .get();
            } catch (ExecutionException e) {
                boolean restarting =
                        ExceptionUtils.findThrowable(e, CheckpointException.class).isPresent();
                if (!restarting || attempt >= 60) {
                    throw e;
                }
                Thread.sleep(1_000);
            }
        }
    }
}
