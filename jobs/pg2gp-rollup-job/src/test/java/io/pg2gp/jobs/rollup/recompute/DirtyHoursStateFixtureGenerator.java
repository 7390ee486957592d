package io.pg2gp.jobs.rollup.recompute;

import io.pg2gp.jobs.ingest.StateFixtures.Backend;
import io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.Subtask;
import io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.Warehouse;

import org.apache.flink.streaming.util.OperatorSnapshotUtil;

import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.H1;
import static io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.H2;
import static io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.H3;
import static io.pg2gp.jobs.rollup.recompute.DirtyHoursStateFixture.SNAPSHOT_TIME;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Writes the savepoint fixtures {@link DirtyHoursStateCompatibilityITCase} restores; runs only when
 * asked, on the build whose state layout they are to capture (the timer does not fire before the
 * savepoint, so the test warehouse it is given is never written):
 *
 * <pre>
 * mvn -B -ntp -o test -pl jobs/pg2gp-rollup-job -am -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dtest=DirtyHoursStateFixtureGenerator -Dpg2gp.regenerate-state-fixtures=true
 * </pre>
 */
class DirtyHoursStateFixtureGenerator {

    @ParameterizedTest
    @EnumSource(Backend.class)
    @EnabledIfSystemProperty(named = "pg2gp.regenerate-state-fixtures", matches = "true")
    void writeFixture(Backend backend) throws Exception {
        try (Subtask s = new Subtask(backend, new Warehouse())) {
            s.harness.open();
            s.harness.setProcessingTime(1_000);
            s.harness.processElement(H1, 0);
            s.harness.processElement(H2, 0);
            s.harness.processElement(H3, 0);
            s.harness.setProcessingTime(SNAPSHOT_TIME);
            s.harness.processElement(H1, 0);
            assertThat(s.harness.numProcessingTimeTimers()).isEqualTo(1);
            assertThat(s.metrics.count("pg2gpRecomputes")).isZero();

            Path path = DirtyHoursStateFixture.sourcePath(backend);
            Files.createDirectories(path.getParent());
            OperatorSnapshotUtil.writeStateHandle(s.savepoint(1), path.toString());
        }
    }
}
