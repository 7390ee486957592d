package io.pg2gp.connector.warehouse.internal.commit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.CommittableSummary;
import org.apache.flink.streaming.api.connector.sink2.CommittableWithLineage;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Gathers the staged batches of all writer subtasks into one committable per checkpoint, so a
 * single committer applies each checkpoint's rows of a table in one transaction. Runs with
 * parallelism 1 between the writers and the committer.
 *
 * <p>It holds nothing across checkpoints: with aligned checkpoints every writer's batches for
 * checkpoint n arrive before barrier n, and they leave in {@link #prepareSnapshotPreBarrier}.
 */
@Internal
public final class BatchAggregatorOperator
        extends AbstractStreamOperator<CommittableMessage<WarehouseCommittable>>
        implements OneInputStreamOperator<
                        CommittableMessage<StagedBatch>, CommittableMessage<WarehouseCommittable>>,
                BoundedOneInput {

    private static final long serialVersionUID = 1L;

    private final String targetTable;
    private transient Map<Long, List<StagedBatch>> pending;
    private transient SplittableRandom random;

    public BatchAggregatorOperator(String targetTable) {
        this.targetTable = targetTable;
    }

    @Override
    public void open() throws Exception {
        super.open();
        pending = new TreeMap<>();
        random = new SplittableRandom(new SecureRandom().nextLong());
    }

    @Override
    public void processElement(StreamRecord<CommittableMessage<StagedBatch>> element) {
        if (element.getValue() instanceof CommittableWithLineage<StagedBatch> c) {
            pending.computeIfAbsent(c.getCheckpointIdOrEOI(), k -> new ArrayList<>())
                    .add(c.getCommittable());
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        emitUpTo(checkpointId);
    }

    @Override
    public void endInput() {
        emitUpTo(Long.MAX_VALUE);
    }

    private void emitUpTo(long checkpointId) {
        var it = pending.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            if (e.getKey() > checkpointId) {
                break;
            }
            long id = e.getKey();
            WarehouseCommittable committable =
                    new WarehouseCommittable(random.nextLong(), id, targetTable, e.getValue());
            output.collect(new StreamRecord<>(new CommittableSummary<>(0, 1, id, 1, 0, 0)));
            output.collect(new StreamRecord<>(new CommittableWithLineage<>(committable, id, 0)));
            it.remove();
        }
    }
}
