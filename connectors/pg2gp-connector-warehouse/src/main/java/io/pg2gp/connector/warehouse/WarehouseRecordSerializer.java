package io.pg2gp.connector.warehouse;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;

/**
 * Turns a stream element into a {@link WarehouseRecord} for the sink's table.
 *
 * @param <IN> stream element type
 */
@PublicEvolving
@FunctionalInterface
public interface WarehouseRecordSerializer<IN> extends Serializable {

    /** Returns the record to stage, or {@code null} to skip the element. */
    WarehouseRecord serialize(IN element);
}
