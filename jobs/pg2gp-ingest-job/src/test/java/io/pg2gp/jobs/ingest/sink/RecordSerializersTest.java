package io.pg2gp.jobs.ingest.sink;

import io.pg2gp.connector.cdc.ChangeOp;
import io.pg2gp.connector.warehouse.WarehouseRecord;
import io.pg2gp.jobs.ingest.model.EnrichedRequest;
import io.pg2gp.jobs.ingest.model.RequestRow;
import io.pg2gp.jobs.ingest.model.SourceChange;
import io.pg2gp.jobs.ingest.model.SourceTable;
import io.pg2gp.jobs.ingest.model.UserRow;
import io.pg2gp.jobs.settings.WarehouseTables;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RecordSerializersTest {

    private static EnrichedRequest enriched(ChangeOp op, String rawOp) {
        EnrichedRequest e = new EnrichedRequest();
        e.op = op;
        e.rawOp = rawOp;
        e.lsn = 7;
        e.request = new RequestRow();
        e.request.id = "r1";
        e.userEmail = "a@x";
        return e;
    }

    @Test
    void requestValuesFollowTheTableColumns() {
        WarehouseRecord r = new RequestRecordSerializer().serialize(enriched(ChangeOp.UPDATE, "u"));
        var table = WarehouseTables.requestsAnalytical("public");
        assertThat(r.values()).hasSize(table.columns().size());
        assertThat(r.values()[table.indexOf("id")]).isEqualTo("r1");
        assertThat(r.values()[table.indexOf("user_email")]).isEqualTo("a@x");
        assertThat(r.op()).isEqualTo(WarehouseRecord.Op.UPDATE);
        assertThat(r.rejectReason()).isNull();
        assertThat(r.previousHourMicros()).isNull();

        EnrichedRequest moved = enriched(ChangeOp.UPDATE, "u");
        moved.previousCreatedAtMicros = 1_700_000_000_000_000L;
        assertThat(new RequestRecordSerializer().serialize(moved).previousHourMicros())
                .isEqualTo(1_700_000_000_000_000L);
    }

    @Test
    void anUnknownOpBecomesADeadLetterWithItsCode() {
        WarehouseRecord r =
                new RequestRecordSerializer().serialize(enriched(ChangeOp.UNKNOWN, "t"));
        assertThat(r.rejectReason()).contains("unknown change op 't'").contains("requests");
        SourceChange c =
                SourceChange.ofUser(ChangeOp.UNKNOWN, 9, 0, new UserRow("u1", "e", "r", 0L));
        c.rawOp = "m";
        WarehouseRecord u = new UserRecordSerializer().serialize(c);
        assertThat(u.rejectReason()).contains("unknown change op 'm'").contains("users");
        assertThat(u.values()).hasSize(WarehouseTables.usersDim("public").columns().size());
    }

    @Test
    void aSourceRejectedChangeBecomesADeadLetterWithTheRawRow() {
        EnrichedRequest e = enriched(ChangeOp.UPDATE, "u");
        e.rejectReason = "column tokens_used value 5000000001 is out of range";
        e.rawRow = "{\"op\":\"u\",\"before\":null,\"after\":{\"tokens_used\":5000000001}}";
        WarehouseRecord r = new RequestRecordSerializer().serialize(e);
        assertThat(r.rejectReason()).isEqualTo(e.rejectReason);
        assertThat(r.rejectedPayload()).isEqualTo(e.rawRow);
        assertThat(r.rejectedOpCode()).isEqualTo('u');
        assertThat(r.lsn()).isEqualTo(7);
        SourceChange c =
                SourceChange.rejected(
                        SourceTable.USERS, ChangeOp.INSERT, "c", 11, 0, "bad", "{\"x\":1}");
        WarehouseRecord u = new UserRecordSerializer().serialize(c);
        assertThat(u.rejectReason()).isEqualTo("bad");
        assertThat(u.rejectedPayload()).isEqualTo("{\"x\":1}");
        assertThat(u.rejectedOpCode()).isEqualTo('c');
    }

    @Test
    void aTruncateBecomesAnAuditDeadLetter() {
        WarehouseRecord r =
                new RequestRecordSerializer().serialize(enriched(ChangeOp.TRUNCATE, "t"));
        assertThat(r.rejectReason()).contains("TRUNCATE").contains("ignore");
        assertThat(r.rejectedOpCode()).isEqualTo('t');
        SourceChange c = SourceChange.ofUser(ChangeOp.TRUNCATE, 12, 0, new UserRow());
        assertThat(new UserRecordSerializer().serialize(c).rejectReason()).contains("TRUNCATE");
    }
}
