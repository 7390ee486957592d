package io.pg2gp.connector.warehouse.internal.commit;

import org.apache.flink.annotation.Internal;

import java.util.List;

/**
 * Everything every writer subtask staged for one target table up to one checkpoint; applied to the
 * target in one transaction once the checkpoint completes.
 *
 * @param commitId random id recorded in the commit ledger, so a retried commit is recognised
 */
@Internal
public record WarehouseCommittable(
        long commitId, long checkpointId, String targetTable, List<StagedBatch> batches) {

    public WarehouseCommittable {
        batches = List.copyOf(batches);
    }

    public long rows() {
        return batches.stream().mapToLong(StagedBatch::rows).sum();
    }

    public long deadLetters() {
        return batches.stream().mapToLong(StagedBatch::deadLetters).sum();
    }

    public long maxLsn() {
        return batches.stream().mapToLong(StagedBatch::maxLsn).max().orElse(0L);
    }

    public List<Long> batchIds() {
        return batches.stream().map(StagedBatch::batchId).toList();
    }
}
