package io.pg2gp.jobs.ingest.enrich;

import io.pg2gp.connector.cdc.ChangeOp;
import io.pg2gp.jobs.ingest.model.EnrichedRequest;
import io.pg2gp.jobs.ingest.model.RequestRow;
import io.pg2gp.jobs.ingest.model.SourceChange;
import io.pg2gp.jobs.ingest.model.UserRow;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RequestEnrichmentFunctionTest {

    private static final String U1 = "00000000-0000-0000-0000-000000000001";
    private static final EnrichmentSettings SETTINGS =
            new EnrichmentSettings(Duration.ofSeconds(10), 5, Duration.ofDays(1), ZoneOffset.UTC);

    private KeyedOneInputStreamOperatorTestHarness<String, SourceChange, EnrichedRequest> harness;
    private long lsn = 100;

    private static KeyedOneInputStreamOperatorTestHarness<String, SourceChange, EnrichedRequest>
            newHarness() throws Exception {
        var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new RequestEnrichmentFunction(SETTINGS)),
                        SourceChange::userKey,
                        Types.STRING);
        h.getExecutionConfig().disableGenericTypes();
        return h;
    }

    @BeforeEach
    void open() throws Exception {
        harness = newHarness();
        harness.open();
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private SourceChange user(String id, String email) {
        return SourceChange.ofUser(ChangeOp.INSERT, lsn++, 0, new UserRow(id, email, "admin", 0L));
    }

    private SourceChange request(ChangeOp op, String id, String userId, String status) {
        RequestRow r = new RequestRow();
        r.id = id;
        r.userId = userId;
        r.status = status;
        r.response = "{\"agent_used\": \"QA\"}";
        r.createdAtMicros = 1_740_823_200_000_000L;
        return SourceChange.ofRequest(op, lsn++, 0, r);
    }

    private void push(SourceChange c) throws Exception {
        harness.processElement(c, 0);
    }

    private List<EnrichedRequest> drain() {
        List<EnrichedRequest> out = harness.extractOutputValues();
        harness.getOutput().clear();
        return out;
    }

    @Test
    void aKnownUsersRequestIsEnrichedAtOnce() throws Exception {
        push(user(U1, "a@x"));
        assertThat(drain()).isEmpty(); // users go to users_dim directly
        push(request(ChangeOp.INSERT, "r1", U1, "pending"));
        List<EnrichedRequest> out = drain();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).userEmail).isEqualTo("a@x");
        assertThat(out.get(0).agentUsed).isEqualTo("QA");
        assertThat(out.get(0).hourOfDay).isEqualTo(10);
    }

    @Test
    void aRequestBeforeItsUserWaitsAndLeavesEnrichedInOrder() throws Exception {
        push(request(ChangeOp.INSERT, "r1", U1, "pending"));
        push(request(ChangeOp.UPDATE, "r1", U1, "success"));
        push(request(ChangeOp.INSERT, "r2", U1, "pending"));
        assertThat(drain()).isEmpty();
        push(user(U1, "a@x"));
        List<EnrichedRequest> out = drain();
        assertThat(out)
                .extracting(e -> e.request.id + "/" + e.request.status)
                .containsExactly("r1/pending", "r1/success", "r2/pending");
        assertThat(out).allMatch(e -> e.userKnown && "a@x".equals(e.userEmail));
        assertThat(out).extracting(e -> e.lsn).isSorted();
    }

    @Test
    void aDeleteNeverOvertakesTheWaitingInsertItDeletes() throws Exception {
        push(request(ChangeOp.INSERT, "r1", U1, "pending"));
        push(request(ChangeOp.DELETE, "r1", U1, "pending"));
        assertThat(drain()).isEmpty();
        harness.setProcessingTime(10_001);
        assertThat(drain()).extracting(e -> e.op).containsExactly(ChangeOp.INSERT, ChangeOp.DELETE);
    }

    @Test
    void afterMaxWaitTheRequestIsWrittenWithoutUserAndRepairedWhenTheUserComes() throws Exception {
        SourceChange r1 = request(ChangeOp.INSERT, "r1", U1, "pending");
        push(r1);
        harness.setProcessingTime(9_999);
        assertThat(drain()).isEmpty();
        harness.setProcessingTime(10_000);
        List<EnrichedRequest> early = drain();
        assertThat(early).hasSize(1);
        assertThat(early.get(0).userKnown).isFalse();
        assertThat(early.get(0).userEmail).isNull();
        // once the user is overdue, later changes go out at once instead of waiting again
        push(request(ChangeOp.UPDATE, "r1", U1, "success"));
        assertThat(drain()).extracting(e -> e.request.status).containsExactly("success");
        push(user(U1, "late@x"));
        List<EnrichedRequest> repaired = drain();
        assertThat(repaired).hasSize(1);
        assertThat(repaired.get(0).request.status).isEqualTo("success");
        assertThat(repaired.get(0).userEmail).isEqualTo("late@x");
        assertThat(repaired.get(0).lsn).isEqualTo(r1.lsn + 1); // the version's own LSN
    }

    @Test
    void waitingIsBoundedPerUser() throws Exception {
        for (int i = 0; i < 4; i++) {
            push(request(ChangeOp.INSERT, "r" + i, U1, "pending"));
        }
        assertThat(drain()).isEmpty();
        push(request(ChangeOp.INSERT, "r4", U1, "pending"));
        assertThat(drain()).hasSize(5).allMatch(e -> !e.userKnown);
    }

    @Test
    void aRequestWithoutUserIsWrittenAtOnce() throws Exception {
        push(request(ChangeOp.INSERT, "r1", null, "pending"));
        assertThat(drain()).hasSize(1);
    }

    @Test
    void waitingAndRepairStateSurviveASnapshotAndRestore() throws Exception {
        push(request(ChangeOp.INSERT, "r1", U1, "pending"));
        OperatorSubtaskState snapshot = harness.snapshot(1, 1);
        harness.close();
        harness = newHarness();
        harness.initializeState(snapshot);
        harness.open();
        push(user(U1, "a@x"));
        assertThat(drain())
                .extracting(e -> e.request.id + "/" + e.userEmail)
                .containsExactly("r1/a@x");
    }

    @Test
    void anUnknownOpPassesThroughToBeDeadLettered() throws Exception {
        SourceChange t = request(ChangeOp.UNKNOWN, "r1", U1, "pending");
        t.rawOp = "t";
        push(t);
        assertThat(drain()).extracting(e -> e.op).containsExactly(ChangeOp.UNKNOWN);
    }
}
