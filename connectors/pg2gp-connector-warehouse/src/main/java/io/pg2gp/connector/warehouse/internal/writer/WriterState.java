package io.pg2gp.connector.warehouse.internal.writer;

import org.apache.flink.annotation.Internal;

/**
 * The writer's checkpointed state: only the checkpoint it last staged for. Staged rows themselves
 * live in the warehouse and their batches travel as committables, so rescaling needs no merging.
 */
@Internal
public record WriterState(long checkpointId) {}
