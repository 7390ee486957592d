package io.pg2gp.jobs.ingest.sink;

import io.pg2gp.connector.cdc.ChangeOp;
import io.pg2gp.connector.warehouse.WarehouseRecord;

/** Maps source change ops to warehouse record ops. */
final class Ops {

    private Ops() {}

    static WarehouseRecord.Op of(ChangeOp op) {
        return switch (op) {
            case READ -> WarehouseRecord.Op.READ;
            case INSERT -> WarehouseRecord.Op.INSERT;
            case UPDATE -> WarehouseRecord.Op.UPDATE;
            case DELETE -> WarehouseRecord.Op.DELETE;
            case UNKNOWN -> throw new IllegalArgumentException("unknown op has no warehouse op");
        };
    }
}
