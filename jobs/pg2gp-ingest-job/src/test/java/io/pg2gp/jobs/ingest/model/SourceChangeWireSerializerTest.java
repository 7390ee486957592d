package io.pg2gp.jobs.ingest.model;

import io.pg2gp.connector.cdc.ChangeOp;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SourceChangeWireSerializerTest {

    private static List<SourceChange> samples() {
        List<SourceChange> out = new ArrayList<>();
        out.add(SourceChange.ofUser(ChangeOp.READ, 0, 0, new UserRow("u1", "a@b.c", "admin", 1L)));
        out.add(SourceChange.ofUser(ChangeOp.DELETE, 7, 9, new UserRow("u2", null, null, null)));
        RequestRow full = new RequestRow();
        full.id = "r1";
        full.userId = "u1";
        full.query = "Как настроить репликацию? \t\n\\ \u0000 😀";
        full.response = "{\"agent_used\": \"Architect\"}";
        full.model = "gpt";
        full.tokensUsed = 12;
        full.executionTimeMs = -3;
        full.status = "";
        full.createdAtMicros = Long.MIN_VALUE;
        SourceChange update = SourceChange.ofRequest(ChangeOp.UPDATE, Long.MAX_VALUE, 5, full);
        update.previousCreatedAtMicros = 42L;
        out.add(update);
        RequestRow surrogate = new RequestRow();
        surrogate.id = "r2";
        surrogate.query = "unpaired \uD800 high and \uDC00 low";
        out.add(SourceChange.ofRequest(ChangeOp.INSERT, 1, 2, surrogate));
        SourceChange unknown = SourceChange.ofRequest(ChangeOp.UNKNOWN, 3, 4, new RequestRow());
        unknown.rawOp = "t";
        out.add(unknown);
        SourceChange rejected =
                SourceChange.rejected(
                        SourceTable.REQUESTS,
                        ChangeOp.UPDATE,
                        "u",
                        5,
                        6,
                        "out of range",
                        "{\"after\":{\"q\":\"Кириллица 😀\"}}");
        rejected.missingColumns = "model,status";
        rejected.readBack = true;
        out.add(rejected);
        out.add(SourceChange.ofUser(ChangeOp.TRUNCATE, 9, 9, new UserRow()));
        SourceChange empty = new SourceChange(); // nothing set at all
        out.add(empty);
        StringBuilder longText = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            longText.append((char) ('a' + i % 26));
        }
        RequestRow big = new RequestRow();
        big.response = longText.toString();
        out.add(SourceChange.ofRequest(ChangeOp.INSERT, 8, 8, big));
        return out;
    }

    @Test
    void everyFieldAndEveryStringSurvivesTheRoundTrip() throws Exception {
        SourceChangeWireSerializer serializer = new SourceChangeWireSerializer();
        DataOutputSerializer out = new DataOutputSerializer(64);
        List<SourceChange> sent = samples();
        for (SourceChange c : sent) {
            serializer.serialize(c, out);
        }
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        SourceChangeWireSerializer reader = (SourceChangeWireSerializer) serializer.duplicate();
        for (SourceChange c : sent) {
            assertThat(reader.deserialize(in)).usingRecursiveComparison().isEqualTo(c);
        }
        assertThat(in.available()).isZero();
    }

    @Test
    void copiesAreDeepAndEqual() throws Exception {
        SourceChangeWireSerializer serializer = new SourceChangeWireSerializer();
        for (SourceChange c : samples()) {
            SourceChange copy = serializer.copy(c);
            assertThat(copy).usingRecursiveComparison().isEqualTo(c);
            if (c.request != null) {
                assertThat(copy.request).isNotSameAs(c.request);
            }
            if (c.user != null) {
                assertThat(copy.user).isNotSameAs(c.user);
            }
        }
        DataOutputSerializer out = new DataOutputSerializer(64);
        DataOutputSerializer copied = new DataOutputSerializer(64);
        for (SourceChange c : samples()) {
            serializer.serialize(c, out);
        }
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        for (int i = 0; i < samples().size(); i++) {
            serializer.copy(in, copied);
        }
        assertThat(copied.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
    }

    @Test
    void itsSnapshotRestoresACompatibleSerializer() throws Exception {
        TypeSerializerSnapshot<SourceChange> snapshot =
                new SourceChangeWireSerializer().snapshotConfiguration();
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
        TypeSerializerSnapshot<SourceChange> restored =
                TypeSerializerSnapshot.readVersionedSnapshot(
                        new DataInputDeserializer(out.getCopyOfBuffer()),
                        getClass().getClassLoader());
        assertThat(restored.restoreSerializer()).isEqualTo(new SourceChangeWireSerializer());
        TypeSerializerSchemaCompatibility<SourceChange> compatibility =
                new SourceChangeWireSerializer()
                        .snapshotConfiguration()
                        .resolveSchemaCompatibility(restored);
        assertThat(compatibility.isCompatibleAsIs()).isTrue();
    }

    @Test
    void onlyTheStreamUsesItStateKeepsThePojoType() {
        assertThat(
                        SourceChangeWireTypeInfo.INSTANCE.createSerializer(
                                new org.apache.flink.api.common.ExecutionConfig()
                                        .getSerializerConfig()))
                .isInstanceOf(SourceChangeWireSerializer.class);
        assertThat(TypeInformation.of(SourceChange.class))
                .isNotInstanceOf(SourceChangeWireTypeInfo.class);
    }
}
