package io.pg2gp.jobs.ingest.cdc;

import io.pg2gp.connector.cdc.ChangeOp;
import io.pg2gp.connector.cdc.SourceSchemaException;
import io.pg2gp.connector.cdc.StructValues;
import io.pg2gp.jobs.ingest.model.SourceChange;
import io.pg2gp.jobs.ingest.model.SourceTable;

import org.apache.flink.util.Collector;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Debezium envelopes as the PostgreSQL connector builds them, mapped to typed changes. */
class SourceChangeDeserializerTest {

    private static final Schema SOURCE =
            SchemaBuilder.struct()
                    .field("schema", Schema.STRING_SCHEMA)
                    .field("table", Schema.STRING_SCHEMA)
                    .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
                    .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
                    .build();
    private static final Schema REQUEST =
            SchemaBuilder.struct()
                    .optional()
                    .field("id", Schema.STRING_SCHEMA)
                    .field("user_id", Schema.OPTIONAL_STRING_SCHEMA)
                    .field("query", Schema.OPTIONAL_STRING_SCHEMA)
                    .field("response", Schema.OPTIONAL_STRING_SCHEMA)
                    .field("model", Schema.OPTIONAL_STRING_SCHEMA)
                    .field("tokens_used", Schema.OPTIONAL_INT32_SCHEMA)
                    .field("execution_time_ms", Schema.OPTIONAL_INT32_SCHEMA)
                    .field("status", Schema.OPTIONAL_STRING_SCHEMA)
                    .field("created_at", Schema.OPTIONAL_STRING_SCHEMA)
                    .build();
    private static final Schema ENVELOPE =
            SchemaBuilder.struct()
                    .field("before", REQUEST)
                    .field("after", REQUEST)
                    .field("source", SOURCE)
                    .field("op", Schema.STRING_SCHEMA)
                    .build();

    private final SourceChangeDeserializer deserializer =
            new SourceChangeDeserializer("public.users", "public.requests");

    private static Struct request(String id, String response, String status) {
        return new Struct(REQUEST)
                .put("id", id)
                .put("user_id", "u1")
                .put("query", "q")
                .put("response", response)
                .put("model", "m")
                .put("tokens_used", 12)
                .put("execution_time_ms", 340)
                .put("status", status)
                .put("created_at", "2025-03-01T10:00:00.123456Z");
    }

    private List<SourceChange> deserialize(String op, Struct before, Struct after, String table)
            throws Exception {
        Struct source =
                new Struct(SOURCE)
                        .put("schema", "public")
                        .put("table", table)
                        .put("lsn", 4242L)
                        .put("ts_ms", 1_740_823_200_000L);
        Struct value =
                new Struct(ENVELOPE)
                        .put("before", before)
                        .put("after", after)
                        .put("source", source)
                        .put("op", op);
        List<SourceChange> out = new ArrayList<>();
        deserializer.deserialize(
                new SourceRecord(Map.of(), Map.of(), "t", null, null, ENVELOPE, value),
                collector(out));
        return out;
    }

    private static Collector<SourceChange> collector(List<SourceChange> out) {
        return new Collector<>() {
            @Override
            public void collect(SourceChange record) {
                out.add(record);
            }

            @Override
            public void close() {}
        };
    }

    @Test
    void anUpdateBecomesATypedChangeWithLsnAndCommitTime() throws Exception {
        SourceChange c =
                deserialize(
                                "u",
                                request("r1", null, "pending"),
                                request("r1", "{\"a\": 1}", "success"),
                                "requests")
                        .get(0);
        assertThat(c.table).isEqualTo(SourceTable.REQUESTS);
        assertThat(c.op).isEqualTo(ChangeOp.UPDATE);
        assertThat(c.lsn).isEqualTo(4242L);
        assertThat(c.commitMicros).isEqualTo(1_740_823_200_000_000L);
        assertThat(c.request.status).isEqualTo("success");
        assertThat(c.request.tokensUsed).isEqualTo(12);
        assertThat(c.request.createdAtMicros).isEqualTo(1_740_823_200_123_456L);
        assertThat(c.userKey()).isEqualTo("u1");
        assertThat(c.previousCreatedAtMicros)
                .as("created_at before the update, to find the old partition")
                .isEqualTo(1_740_823_200_123_456L);
    }

    @Test
    void anUpdateThatMovesCreatedAtCarriesTheOldValue() throws Exception {
        Struct after = request("r1", null, "pending").put("created_at", "2025-04-02T00:00:00Z");
        SourceChange c = deserialize("u", request("r1", null, "pending"), after, "requests").get(0);
        assertThat(c.request.createdAtMicros).isEqualTo(1_743_552_000_000_000L);
        assertThat(c.previousCreatedAtMicros).isEqualTo(1_740_823_200_123_456L);
        SourceChange insert = deserialize("c", null, after, "requests").get(0);
        assertThat(insert.previousCreatedAtMicros).isNull();
    }

    @Test
    void aDeleteCarriesTheBeforeImage() throws Exception {
        SourceChange c = deserialize("d", request("r1", "{}", "success"), null, "requests").get(0);
        assertThat(c.op).isEqualTo(ChangeOp.DELETE);
        assertThat(c.request.id).isEqualTo("r1");
        assertThat(c.request.status).isEqualTo("success");
    }

    @Test
    void anUnchangedToastedValueIsTakenFromTheBeforeImage() throws Exception {
        String big = "{\"answer\": \"" + "x".repeat(5000) + "\"}";
        SourceChange c =
                deserialize(
                                "u",
                                request("r1", big, "pending"),
                                request("r1", StructValues.UNAVAILABLE, "success"),
                                "requests")
                        .get(0);
        assertThat(c.request.response).isEqualTo(big);
    }

    @Test
    void anUnchangedToastedValueWithoutBeforeImageIsRejectedWithItsRawRow() throws Exception {
        SourceChange c =
                deserialize(
                                "u",
                                null,
                                request("r1", StructValues.UNAVAILABLE, "success"),
                                "requests")
                        .get(0);
        assertThat(c.rejectReason).contains("REPLICA IDENTITY FULL").contains("public.requests");
        assertThat(c.lsn).isEqualTo(4242L);
        assertThat(c.op).isEqualTo(ChangeOp.UPDATE);
        assertThat(c.rawRow)
                .contains("\"before\":null")
                .contains("\"id\":\"r1\"")
                .contains(StructValues.UNAVAILABLE);
    }

    @Test
    void aTruncateIsATruncateChangeOfItsTable() throws Exception {
        SourceChange c = deserialize("t", null, null, "requests").get(0);
        assertThat(c.op).isEqualTo(ChangeOp.TRUNCATE);
        assertThat(c.table).isEqualTo(SourceTable.REQUESTS);
        assertThat(c.rejectReason).isNull();
        assertThat(c.userKey()).isEmpty();
        SourceChange u = deserialize("t", null, null, "users").get(0);
        assertThat(u.op).isEqualTo(ChangeOp.TRUNCATE);
        assertThat(u.table).isEqualTo(SourceTable.USERS);
    }

    @Test
    void anUnknownOpIsKeptAsUnknownNotDropped() throws Exception {
        SourceChange c = deserialize("x", null, request("r1", null, "pending"), "requests").get(0);
        assertThat(c.op).isEqualTo(ChangeOp.UNKNOWN);
        assertThat(c.rawOp).isEqualTo("x");
    }

    @Test
    void infiniteTimestampsAreCarriedAsPostgresSentinels() throws Exception {
        SourceChange plus =
                deserialize(
                                "c",
                                null,
                                request("r1", null, "pending").put("created_at", "infinity"),
                                "requests")
                        .get(0);
        assertThat(plus.rejectReason).isNull();
        assertThat(plus.request.createdAtMicros).isEqualTo(StructValues.POSITIVE_INFINITY_MICROS);
        SourceChange minus =
                deserialize(
                                "u",
                                request("r1", null, "pending").put("created_at", "infinity"),
                                request("r1", null, "pending").put("created_at", "-infinity"),
                                "requests")
                        .get(0);
        assertThat(minus.request.createdAtMicros).isEqualTo(StructValues.NEGATIVE_INFINITY_MICROS);
        assertThat(minus.previousCreatedAtMicros).isEqualTo(StructValues.POSITIVE_INFINITY_MICROS);
    }

    @Test
    void anUnparsableValueIsRejectedNotThrown() throws Exception {
        SourceChange c =
                deserialize(
                                "c",
                                null,
                                request("r1", null, "pending").put("created_at", "yesterday"),
                                "requests")
                        .get(0);
        assertThat(c.rejectReason).contains("created_at").contains("yesterday");
        assertThat(c.rawRow).contains("\"created_at\":\"yesterday\"");
        assertThat(c.table).isEqualTo(SourceTable.REQUESTS);
    }

    /** requests after ALTER COLUMN tokens_used TYPE bigint, DROP COLUMN model, ADD COLUMN extra. */
    private static final Schema DRIFTED =
            SchemaBuilder.struct()
                    .optional()
                    .field("id", Schema.STRING_SCHEMA)
                    .field("user_id", Schema.OPTIONAL_STRING_SCHEMA)
                    .field("query", Schema.OPTIONAL_STRING_SCHEMA)
                    .field("response", Schema.OPTIONAL_STRING_SCHEMA)
                    .field("tokens_used", Schema.OPTIONAL_INT64_SCHEMA)
                    .field("execution_time_ms", Schema.OPTIONAL_INT32_SCHEMA)
                    .field("status", Schema.OPTIONAL_STRING_SCHEMA)
                    .field("created_at", Schema.OPTIONAL_STRING_SCHEMA)
                    .field("extra", Schema.OPTIONAL_STRING_SCHEMA)
                    .build();

    private static Struct drifted(long tokens) {
        return new Struct(DRIFTED)
                .put("id", "r9")
                .put("user_id", "u1")
                .put("tokens_used", tokens)
                .put("status", "pending")
                .put("created_at", "2025-03-01T10:00:00Z")
                .put("extra", "ignored");
    }

    private List<SourceChange> deserializeDrifted(Struct after) throws Exception {
        Schema envelope =
                SchemaBuilder.struct()
                        .field("before", DRIFTED)
                        .field("after", DRIFTED)
                        .field("source", SOURCE)
                        .field("op", Schema.STRING_SCHEMA)
                        .build();
        Struct source =
                new Struct(SOURCE)
                        .put("schema", "public")
                        .put("table", "requests")
                        .put("lsn", 77L)
                        .put("ts_ms", 1L);
        Struct value =
                new Struct(envelope).put("after", after).put("source", source).put("op", "c");
        List<SourceChange> out = new ArrayList<>();
        deserializer.deserialize(
                new SourceRecord(Map.of(), Map.of(), "t", null, null, envelope, value),
                collector(out));
        return out;
    }

    @Test
    void aWidenedColumnIsCarriedInRangeAndRejectedOutOfRangeNeverWrapped() throws Exception {
        SourceChange fits = deserializeDrifted(drifted(2_000_000_000L)).get(0);
        assertThat(fits.rejectReason).isNull();
        assertThat(fits.request.tokensUsed).isEqualTo(2_000_000_000);
        SourceChange big = deserializeDrifted(drifted(5_000_000_001L)).get(0);
        assertThat(big.request.tokensUsed).as("never 705032705").isNull();
        assertThat(big.rejectReason)
                .contains("tokens_used")
                .contains("5000000001")
                .contains("out of range");
        assertThat(big.lsn).isEqualTo(77L);
        assertThat(big.rawRow).contains("\"tokens_used\":5000000001");
    }

    @Test
    void aDeleteWhoseBeforeImageDoesNotConvertIsAppliedByKey() throws Exception {
        Schema envelope =
                SchemaBuilder.struct()
                        .field("before", DRIFTED)
                        .field("after", DRIFTED)
                        .field("source", SOURCE)
                        .field("op", Schema.STRING_SCHEMA)
                        .build();
        Struct source =
                new Struct(SOURCE)
                        .put("schema", "public")
                        .put("table", "requests")
                        .put("lsn", 78L)
                        .put("ts_ms", 1L);
        Struct value =
                new Struct(envelope)
                        .put("before", drifted(5_000_000_001L))
                        .put("source", source)
                        .put("op", "d");
        List<SourceChange> out = new ArrayList<>();
        deserializer.deserialize(
                new SourceRecord(Map.of(), Map.of(), "t", null, null, envelope, value),
                collector(out));
        SourceChange c = out.get(0);
        assertThat(c.rejectReason).isNull();
        assertThat(c.op).isEqualTo(ChangeOp.DELETE);
        assertThat(c.request.id).isEqualTo("r9");
        assertThat(c.userKey()).isEqualTo("u1");
    }

    @Test
    void aDroppedColumnArrivesAsNullAndIsNamedAnAddedOneIsIgnored() throws Exception {
        SourceChange c = deserializeDrifted(drifted(5)).get(0);
        assertThat(c.rejectReason).isNull();
        assertThat(c.request.model).isNull();
        assertThat(c.request.status).isEqualTo("pending");
        assertThat(c.missingColumns).isEqualTo("model");
        SourceChange full = deserialize("c", null, request("r1", null, "x"), "requests").get(0);
        assertThat(full.missingColumns).isNull();
    }

    @Test
    void aMissingKeyColumnStopsTheSourceSayingWhatToDo() {
        Schema noId =
                SchemaBuilder.struct()
                        .optional()
                        .field("user_id", Schema.OPTIONAL_STRING_SCHEMA)
                        .build();
        Schema envelope =
                SchemaBuilder.struct()
                        .field("after", noId)
                        .field("source", SOURCE)
                        .field("op", Schema.STRING_SCHEMA)
                        .build();
        Struct source =
                new Struct(SOURCE)
                        .put("schema", "public")
                        .put("table", "requests")
                        .put("lsn", 1L)
                        .put("ts_ms", 1L);
        Struct value =
                new Struct(envelope)
                        .put("after", new Struct(noId).put("user_id", "u"))
                        .put("source", source)
                        .put("op", "c");
        assertThatThrownBy(
                        () ->
                                deserializer.deserialize(
                                        new SourceRecord(
                                                Map.of(), Map.of(), "t", null, null, envelope,
                                                value),
                                        collector(new ArrayList<>())))
                .isInstanceOf(SourceSchemaException.class)
                .hasMessageContaining("has no column id")
                .hasMessageContaining("replication slot");
    }

    @Test
    void otherTablesTombstonesAndHeartbeatsAreSkipped() throws Exception {
        assertThat(deserialize("u", null, request("r1", null, "x"), "pg2gp_heartbeat")).isEmpty();
        List<SourceChange> out = new ArrayList<>();
        deserializer.deserialize(
                new SourceRecord(Map.of(), Map.of(), "t", null, null, null, null), collector(out));
        Schema hb = SchemaBuilder.struct().field("ts_ms", Schema.INT64_SCHEMA).build();
        deserializer.deserialize(
                new SourceRecord(
                        Map.of(),
                        Map.of(),
                        "__debezium-heartbeat",
                        null,
                        null,
                        hb,
                        new Struct(hb).put("ts_ms", 1L)),
                collector(out));
        assertThat(out).isEmpty();
    }
}
