package io.pg2gp.jobs.ingest.enrich;

import io.pg2gp.connector.cdc.ChangeOp;
import io.pg2gp.jobs.ingest.StateFixtures.Backend;
import io.pg2gp.jobs.ingest.enrich.EnrichmentStateFixture.Subtask;
import io.pg2gp.jobs.ingest.model.EnrichedRequest;

import org.apache.flink.streaming.util.OperatorSnapshotUtil;

import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.pg2gp.jobs.ingest.enrich.EnrichmentStateFixture.DELETED;
import static io.pg2gp.jobs.ingest.enrich.EnrichmentStateFixture.KNOWN;
import static io.pg2gp.jobs.ingest.enrich.EnrichmentStateFixture.MISSED;
import static io.pg2gp.jobs.ingest.enrich.EnrichmentStateFixture.SETTINGS;
import static io.pg2gp.jobs.ingest.enrich.EnrichmentStateFixture.SNAPSHOT_TIME;
import static io.pg2gp.jobs.ingest.enrich.EnrichmentStateFixture.WAITING;
import static io.pg2gp.jobs.ingest.enrich.EnrichmentStateFixture.request;
import static io.pg2gp.jobs.ingest.enrich.EnrichmentStateFixture.user;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Writes the savepoint fixtures {@link RequestEnrichmentStateCompatibilityTest} restores. Not a
 * test: it runs only when asked, on the build whose state layout the fixtures are to capture (the
 * class name does not match surefire's includes and the method is disabled without the property):
 *
 * <pre>
 * mvn -B -ntp -o test -pl jobs/pg2gp-ingest-job -am -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dtest=RequestEnrichmentStateFixtureGenerator -Dpg2gp.regenerate-state-fixtures=true
 * </pre>
 *
 * A state change that is meant to be compatible must pass the restore test against the existing
 * fixtures first; only then add a version to {@link EnrichmentStateFixture#VERSIONS} and write its
 * fixtures (the older ones stay).
 */
class RequestEnrichmentStateFixtureGenerator {

    @ParameterizedTest
    @EnumSource(Backend.class)
    @EnabledIfSystemProperty(named = "pg2gp.regenerate-state-fixtures", matches = "true")
    void writeFixture(Backend backend) throws Exception {
        try (Subtask s = new Subtask(backend, SETTINGS, 1, 0)) {
            s.harness.open();
            s.setTime(0);
            s.harness.processElement(user(ChangeOp.INSERT, KNOWN, "known@x", 100), 0);
            s.harness.processElement(request(ChangeOp.INSERT, "r1", KNOWN, "pending", 101), 0);
            s.harness.processElement(request(ChangeOp.INSERT, "r3", MISSED, "pending", 102), 0);
            s.harness.processElement(user(ChangeOp.INSERT, DELETED, "deleted@x", 103), 0);
            s.harness.processElement(user(ChangeOp.DELETE, DELETED, "deleted@x", 104), 0);
            s.setTime(SNAPSHOT_TIME); // the wait for MISSED ends
            s.harness.processElement(request(ChangeOp.INSERT, "r2a", WAITING, "pending", 105), 0);
            s.harness.processElement(request(ChangeOp.UPDATE, "r2a", WAITING, "success", 106), 0);
            s.harness.processElement(request(ChangeOp.INSERT, "r2b", WAITING, "pending", 107), 0);

            List<EnrichedRequest> out = s.harness.extractOutputValues();
            assertThat(out)
                    .extracting(e -> e.request.id + "/" + e.userKnown)
                    .containsExactly("r1/true", "r3/false");
            assertThat(s.harness.numProcessingTimeTimers()).isEqualTo(1);

            Path path = EnrichmentStateFixture.sourcePath(backend);
            Files.createDirectories(path.getParent());
            OperatorSnapshotUtil.writeStateHandle(s.savepoint(1), path.toString());
        }
    }
}
