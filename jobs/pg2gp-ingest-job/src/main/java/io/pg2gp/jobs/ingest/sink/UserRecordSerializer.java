package io.pg2gp.jobs.ingest.sink;

import io.pg2gp.connector.cdc.ChangeOp;
import io.pg2gp.connector.warehouse.WarehouseRecord;
import io.pg2gp.connector.warehouse.WarehouseRecordSerializer;
import io.pg2gp.jobs.ingest.model.SourceChange;
import io.pg2gp.jobs.ingest.model.UserRow;

/** A {@code users} change → a row of {@code users_dim} (the user's current attributes). */
public final class UserRecordSerializer implements WarehouseRecordSerializer<SourceChange> {

    private static final long serialVersionUID = 1L;

    @Override
    public WarehouseRecord serialize(SourceChange c) {
        if (c.rejectReason != null) {
            return WarehouseRecord.rejectedRaw(
                    c.rejectReason, Ops.code(c.rawOp), c.lsn, c.commitMicros, c.rawRow);
        }
        if (c.op == ChangeOp.TRUNCATE) {
            return WarehouseRecord.rejectedRaw(
                    Ops.TRUNCATE_IGNORED, 't', c.lsn, c.commitMicros, "{\"op\":\"t\"}");
        }
        UserRow u = c.user;
        Object[] values = {u.id, u.email, u.role, u.registeredAtMicros};
        if (c.op == ChangeOp.UNKNOWN) {
            return WarehouseRecord.rejected(
                    "unknown change op '" + c.rawOp + "' on the source users table",
                    WarehouseRecord.Op.UPDATE,
                    c.lsn,
                    c.commitMicros,
                    values);
        }
        return new WarehouseRecord(Ops.of(c.op), c.lsn, c.commitMicros, values);
    }
}
