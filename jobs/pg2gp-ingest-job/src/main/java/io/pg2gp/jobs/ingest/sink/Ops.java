package io.pg2gp.jobs.ingest.sink;

import io.pg2gp.connector.cdc.ChangeOp;
import io.pg2gp.connector.warehouse.WarehouseRecord;

/** Maps source change ops to warehouse record ops. */
final class Ops {

    /**
     * The dead letter's reason for a source truncate (reaching the sink only with {@code
     * source.truncate: ignore}): an audit row, the warehouse keeps its rows.
     */
    static final String TRUNCATE_IGNORED =
            "TRUNCATE of the source table, ignored (source.truncate: ignore): the warehouse keeps"
                    + " its rows; delete them by hand if they should go";

    private Ops() {}

    /** The source's op code as received, for a dead letter; {@code ?} when there was none. */
    static char code(String rawOp) {
        return rawOp == null || rawOp.isEmpty() ? '?' : rawOp.charAt(0);
    }

    static WarehouseRecord.Op of(ChangeOp op) {
        return switch (op) {
            case READ -> WarehouseRecord.Op.READ;
            case INSERT -> WarehouseRecord.Op.INSERT;
            case UPDATE -> WarehouseRecord.Op.UPDATE;
            case DELETE -> WarehouseRecord.Op.DELETE;
            case UNKNOWN, TRUNCATE ->
                    throw new IllegalArgumentException(op + " has no warehouse op");
        };
    }
}
