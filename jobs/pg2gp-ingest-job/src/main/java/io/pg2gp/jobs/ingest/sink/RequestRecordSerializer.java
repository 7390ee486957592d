package io.pg2gp.jobs.ingest.sink;

import io.pg2gp.connector.cdc.ChangeOp;
import io.pg2gp.connector.warehouse.WarehouseRecord;
import io.pg2gp.connector.warehouse.WarehouseRecordSerializer;
import io.pg2gp.jobs.ingest.model.EnrichedRequest;
import io.pg2gp.jobs.ingest.model.RequestRow;

/** {@link EnrichedRequest} → a row of {@code requests_analytical}. */
public final class RequestRecordSerializer implements WarehouseRecordSerializer<EnrichedRequest> {

    private static final long serialVersionUID = 1L;

    @Override
    public WarehouseRecord serialize(EnrichedRequest e) {
        RequestRow r = e.request;
        Object[] values = {
            r.id,
            r.userId,
            r.query,
            r.response,
            r.model,
            r.tokensUsed,
            r.executionTimeMs,
            r.status,
            r.createdAtMicros,
            e.userEmail,
            e.userRole,
            e.agentUsed,
            e.queryType,
            e.hourOfDay,
            e.dayOfWeek,
            e.isWeekend,
            e.createdDate
        };
        if (e.rejectReason != null) {
            return WarehouseRecord.rejectedRaw(
                    e.rejectReason, Ops.code(e.rawOp), e.lsn, e.commitMicros, e.rawRow);
        }
        if (e.op == ChangeOp.TRUNCATE) {
            return WarehouseRecord.rejectedRaw(
                    Ops.TRUNCATE_IGNORED, 't', e.lsn, e.commitMicros, "{\"op\":\"t\"}");
        }
        if (e.op == ChangeOp.UNKNOWN) {
            return WarehouseRecord.rejected(
                    "unknown change op '" + e.rawOp + "' on the source requests table",
                    WarehouseRecord.Op.UPDATE,
                    e.lsn,
                    e.commitMicros,
                    values);
        }
        return new WarehouseRecord(Ops.of(e.op), e.lsn, e.commitMicros, values)
                .withPreviousHourValue(e.previousCreatedAtMicros);
    }
}
