package io.pg2gp.jobs.ingest.enrich;

import io.pg2gp.connector.cdc.ChangeOp;
import io.pg2gp.jobs.ingest.StateFixtures;
import io.pg2gp.jobs.ingest.StateFixtures.Backend;
import io.pg2gp.jobs.ingest.StateFixtures.Fixture;
import io.pg2gp.jobs.ingest.StateFixtures.Metrics;
import io.pg2gp.jobs.ingest.model.EnrichedRequest;
import io.pg2gp.jobs.ingest.model.RequestRow;
import io.pg2gp.jobs.ingest.model.SourceChange;
import io.pg2gp.jobs.ingest.model.UserRow;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;

/**
 * The state the enrichment fixtures hold, shared by the generator and the restore test so both
 * agree on the scenario. Add a version to {@link #VERSIONS} only with a deliberate state change
 * (and a state migration); the older fixtures stay in the resources and keep being restored.
 *
 * <p>At processing time 0: user {@link #KNOWN} arrives, request {@code r1} of it is enriched at
 * once, request {@code r3} of {@link #MISSED} starts waiting, user {@link #DELETED} arrives (LSN
 * 103) and is deleted (LSN 104). At 10 000 the wait for {@link #MISSED} ends: {@code r3} is written
 * without user fields, remembered for repair and the user marked overdue. Then three changes of
 * {@link #WAITING} (r2a insert, r2a update to success, r2b insert; LSN 105-107) wait for their
 * unknown user, with a timer at 20 000. The savepoint is taken there.
 */
final class EnrichmentStateFixture {

    /** The fixture versions the restore test restores: every release's layout still loads. */
    static final List<String> VERSIONS = List.of("v1");

    /** The version the generator writes. */
    static final String VERSION = VERSIONS.get(VERSIONS.size() - 1);

    /** Flink's default for a job of parallelism up to 128; the fixture is restored at 1 and 2. */
    static final int MAX_PARALLELISM = 128;

    static final EnrichmentSettings SETTINGS =
            new EnrichmentSettings(Duration.ofSeconds(10), 5, Duration.ofDays(1), ZoneOffset.UTC);

    static final String KNOWN = "00000000-0000-0000-0000-000000000001";
    static final String WAITING = "00000000-0000-0000-0000-000000000002";
    static final String MISSED = "00000000-0000-0000-0000-000000000003";
    static final String DELETED = "00000000-0000-0000-0000-000000000004";

    /** When the snapshot was taken, in processing time and state-TTL time. */
    static final long SNAPSHOT_TIME = 10_000;

    /** The timer of {@link #WAITING}'s wait. */
    static final long WAITING_TIMER = 20_000;

    static final long CREATED_AT_MICROS = 1_740_823_200_000_000L; // 2025-03-01T10:00Z

    /** The fixtures' name in their file names. */
    static final String NAME = "request-enrichment";

    /** Every fixture the restore test restores. */
    static Stream<Fixture> all() {
        return Fixture.all(NAME, VERSIONS);
    }

    private EnrichmentStateFixture() {}

    /** One subtask of the enrichment on the current code. */
    static final class Subtask implements AutoCloseable {
        final KeyedOneInputStreamOperatorTestHarness<String, SourceChange, EnrichedRequest> harness;
        final Metrics metrics = new Metrics();
        private final MockEnvironment env;

        Subtask(Backend backend, EnrichmentSettings settings, int parallelism, int index)
                throws Exception {
            env = StateFixtures.environment(MAX_PARALLELISM, parallelism, index, metrics);
            harness =
                    new KeyedOneInputStreamOperatorTestHarness<>(
                            new RequestEnrichmentFunction.Operator(
                                    new RequestEnrichmentFunction(settings)),
                            SourceChange::userKey,
                            Types.STRING,
                            env);
            harness.getExecutionConfig().disableGenericTypes();
            backend.applyTo(harness);
        }

        /** Processing time and state-TTL time together, as on a real task. */
        void setTime(long millis) throws Exception {
            harness.setStateTtlProcessingTime(millis);
            harness.setProcessingTime(millis);
        }

        /** A canonical savepoint: the format operators redeploy from. */
        OperatorSubtaskState savepoint(long id) throws Exception {
            return StateFixtures.savepoint(harness, id);
        }

        @Override
        public void close() throws Exception {
            try {
                harness.close();
            } finally {
                env.close();
            }
        }
    }

    static SourceChange user(ChangeOp op, String id, String email, long lsn) {
        return SourceChange.ofUser(op, lsn, 0, new UserRow(id, email, "admin", 0L));
    }

    static SourceChange request(ChangeOp op, String id, String userId, String status, long lsn) {
        RequestRow r = new RequestRow();
        r.id = id;
        r.userId = userId;
        r.status = status;
        r.response = "{\"agent_used\": \"QA\"}";
        r.createdAtMicros = CREATED_AT_MICROS;
        return SourceChange.ofRequest(op, lsn, 0, r);
    }

    /** Where the generator writes: the module's test resources, not target/. */
    static Path sourcePath(Backend backend) {
        return StateFixtures.sourcePath(NAME, backend, VERSION);
    }
}
