package io.pg2gp.jobs.ingest;

import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup;
import org.apache.flink.runtime.metrics.groups.UnregisteredMetricGroups;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.runtime.operators.testutils.MockInputSplitProvider;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * What the savepoint fixtures of keyed operators share (the enrichment here, the rollup's dirty
 * hours in the rollup job): the backends they are written on, their file names, a metric group that
 * keeps what the operator registers, the task environment of one subtask, canonical savepoints.
 */
public final class StateFixtures {

    private StateFixtures() {}

    public enum Backend {
        /** The harness's default heap backend. */
        HEAP,
        /** What production runs with large state (full, non-incremental snapshots). */
        ROCKSDB;

        /**
         * The fixture's resource path, e.g. {@code state-fixtures/dirty-hours-heap-v1.snapshot}.
         */
        public String fixture(String name, String version) {
            return "state-fixtures/%s-%s-%s.snapshot"
                    .formatted(name, name().toLowerCase(Locale.ROOT), version);
        }

        /** Puts the harness on this backend. */
        public void applyTo(AbstractStreamOperatorTestHarness<?> harness) {
            if (this == ROCKSDB) {
                harness.setStateBackend(new EmbeddedRocksDBStateBackend(false));
            }
        }
    }

    /** One fixture file: the version of the build that wrote it and the backend it ran on. */
    public record Fixture(String name, String version, Backend backend) {

        /** Every version on every backend. */
        public static Stream<Fixture> all(String name, List<String> versions) {
            return versions.stream()
                    .flatMap(v -> Stream.of(Backend.values()).map(b -> new Fixture(name, v, b)));
        }

        public String resource() {
            return backend.fixture(name, version);
        }

        @Override
        public String toString() {
            return version + " " + backend;
        }
    }

    /** Where a generator writes: the module's test resources, not target/. */
    public static Path sourcePath(String name, Backend backend, String version) {
        return Path.of(System.getProperty("basedir", "."), "src", "test", "resources")
                .resolve(backend.fixture(name, version));
    }

    /** A task metric group whose operator group keeps the metrics registered on it. */
    public static final class Metrics extends UnregisteredMetricGroups.UnregisteredTaskMetricGroup {
        private final InterceptingOperatorMetricGroup operator =
                new InterceptingOperatorMetricGroup();

        @Override
        public InternalOperatorMetricGroup getOrAddOperator(OperatorID id, String name) {
            return operator;
        }

        public Metric get(String name) {
            return operator.get(name);
        }

        public long count(String name) {
            return ((Counter) operator.get(name)).getCount();
        }

        public long gauge(String name) {
            return ((Number) ((Gauge<?>) operator.get(name)).getValue()).longValue();
        }
    }

    /** The task environment of subtask {@code index} of {@code parallelism}. */
    public static MockEnvironment environment(
            int maxParallelism, int parallelism, int index, Metrics metrics) {
        return new MockEnvironmentBuilder()
                .setTaskName("MockTask")
                .setManagedMemorySize(3 * 1024 * 1024)
                .setInputSplitProvider(new MockInputSplitProvider())
                .setBufferSize(1024)
                .setMaxParallelism(maxParallelism)
                .setParallelism(parallelism)
                .setSubtaskIndex(index)
                .setMetricGroup(metrics)
                .build();
    }

    /** A canonical savepoint: the format operators redeploy from. */
    public static OperatorSubtaskState savepoint(
            AbstractStreamOperatorTestHarness<?> harness, long id) throws Exception {
        return harness.snapshotWithLocalState(
                        id, id, SavepointType.savepoint(SavepointFormatType.CANONICAL))
                .getJobManagerOwnedState();
    }
}
