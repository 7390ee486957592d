package io.pg2gp.connector.warehouse.internal.commit;

import org.apache.flink.annotation.Internal;

/**
 * What one writer subtask staged for one target table between two checkpoints: the rows carry
 * {@code batchId} in the staging table. This is the writer's result, gathered per checkpoint into a
 * {@link WarehouseCommittable}.
 *
 * @param batchId random id of the rows in the staging table
 * @param tag the checkpoint the rows were staged for; the staging rows carry it too
 * @param rows rows staged
 * @param deadLetters rows rejected and staged as dead letters
 * @param maxLsn highest LSN among the rows
 */
@Internal
public record StagedBatch(
        String targetTable,
        long batchId,
        long tag,
        int subtask,
        long rows,
        long deadLetters,
        long maxLsn) {}
