package io.pg2gp.benchmarks;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.dag.Pipeline;
import org.apache.flink.client.deployment.executors.PipelineExecutorUtils;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.PipelineExecutor;
import org.apache.flink.core.execution.PipelineExecutorFactory;
import org.apache.flink.core.execution.PipelineExecutorServiceLoader;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionJobVertex;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.runtime.jobgraph.JobVertexID;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.minicluster.MiniClusterJobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One MiniCluster for the benchmark JVM, so a bounded job's final checkpoint can be triggered the
 * moment its sources finish ({@link #checkpointWhenSourcesFinish}), and no job's measurement
 * carries a MiniCluster's start-up. Without the trigger, the commit of a job's last rows waited on
 * checkpoint timing: `bench sql` on PostgreSQL, three runs each, took 6.5–9.1 s per 1M rows through
 * the SQL sink without it and 5.3–6.5 s with it (docs/benchmarks.md). A stream that keeps running
 * commits its rows at its next checkpoint anyway; only a benchmark's bounded input ends.
 */
final class BenchCluster {

    private static final String TARGET = "pg2gp-bench-minicluster";
    private static final int SLOTS = 8;
    private static BenchCluster shared;

    private final MiniCluster cluster;

    /**
     * The input (source) vertices of each checkpointed job submitted here and not yet awaited, to
     * see when they finish.
     */
    private final Map<JobID, Set<JobVertexID>> sources = new ConcurrentHashMap<>();

    private BenchCluster(MiniCluster cluster) {
        this.cluster = cluster;
    }

    /** Started on first use; lives as long as the benchmark JVM. */
    static synchronized BenchCluster get() throws Exception {
        if (shared == null) {
            MiniCluster cluster =
                    new MiniCluster(
                            new MiniClusterConfiguration.Builder()
                                    .setNumTaskManagers(1)
                                    .setNumSlotsPerTaskManager(SLOTS)
                                    .build());
            cluster.start();
            shared = new BenchCluster(cluster);
        }
        return shared;
    }

    /**
     * An environment submitting to this cluster, with the default parallelism a local environment
     * has (the number of cores), so planner-chosen operators run as they did on a per-job cluster.
     */
    StreamExecutionEnvironment environment(Configuration jobConfiguration) {
        Configuration c = new Configuration(jobConfiguration);
        c.set(DeploymentOptions.TARGET, TARGET);
        c.set(DeploymentOptions.ATTACHED, true);
        StreamExecutionEnvironment env =
                new StreamExecutionEnvironment(
                        new Executors(), c, Thread.currentThread().getContextClassLoader());
        env.setParallelism(Runtime.getRuntime().availableProcessors());
        return env;
    }

    /**
     * Polls until every source of {@code job} has finished, then triggers a checkpoint: the final
     * one, which commits the sink's last rows. Returns whether one completed (false when the job
     * has no checkpoints or ended first).
     */
    boolean checkpointWhenSourcesFinish(JobID job, long timeoutNanos) throws Exception {
        Set<JobVertexID> inputs = sources.remove(job);
        if (inputs == null) {
            return false;
        }
        long deadline = System.nanoTime() + timeoutNanos;
        // Never blocks on the trigger: its future may still be open when the job has ended (a
        // first version that waited on it idled 60 s in one Greenplum load), so the job's state
        // is polled alongside.
        CompletableFuture<?> pending = null;
        while (System.nanoTime() < deadline) {
            var graph = cluster.getExecutionGraph(job).get(10, TimeUnit.SECONDS);
            if (graph.getState().isGloballyTerminalState()) {
                return completed(pending);
            }
            if (pending != null && pending.isDone()) {
                if (completed(pending)) {
                    return true;
                }
                // Declined while a task was finishing (the coordinator still counted a source as
                // running, or a writer was closing): try again.
                pending = null;
            }
            if (pending == null && sourcesFinished(graph, inputs)) {
                pending = cluster.triggerCheckpoint(job);
            }
            Thread.sleep(20);
        }
        return false;
    }

    private static boolean completed(CompletableFuture<?> f) {
        return f != null && f.isDone() && !f.isCompletedExceptionally();
    }

    private static boolean sourcesFinished(AccessExecutionGraph graph, Set<JobVertexID> inputs) {
        for (JobVertexID id : inputs) {
            AccessExecutionJobVertex v = graph.getJobVertex(id);
            if (v == null || v.getAggregateState() != ExecutionState.FINISHED) {
                return false;
            }
        }
        return true;
    }

    private final class Executors implements PipelineExecutorServiceLoader {
        @Override
        public PipelineExecutorFactory getExecutorFactory(Configuration configuration) {
            return new PipelineExecutorFactory() {
                @Override
                public String getName() {
                    return TARGET;
                }

                @Override
                public boolean isCompatibleWith(Configuration c) {
                    return true;
                }

                @Override
                public PipelineExecutor getExecutor(Configuration c) {
                    return BenchCluster.this::submit;
                }
            };
        }

        @Override
        public Stream<String> getExecutorNames() {
            return Stream.of(TARGET);
        }
    }

    private CompletableFuture<JobClient> submit(
            Pipeline pipeline, Configuration configuration, ClassLoader classLoader)
            throws Exception {
        JobGraph graph = PipelineExecutorUtils.getJobGraph(pipeline, configuration, classLoader);
        if (graph.isCheckpointingEnabled()) {
            sources.put(
                    graph.getJobID(),
                    graph.getVerticesSortedTopologicallyFromSources().stream()
                            .filter(JobVertex::isInputVertex)
                            .map(JobVertex::getID)
                            .collect(Collectors.toSet()));
        }
        return cluster.submitJob(graph)
                .thenApply(
                        r ->
                                new MiniClusterJobClient(
                                        r.getJobID(),
                                        cluster,
                                        classLoader,
                                        MiniClusterJobClient.JobFinalizationBehavior.NOTHING));
    }
}
