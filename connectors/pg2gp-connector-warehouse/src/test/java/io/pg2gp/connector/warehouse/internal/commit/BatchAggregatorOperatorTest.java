package io.pg2gp.connector.warehouse.internal.commit;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessageTypeInfo;
import org.apache.flink.streaming.api.connector.sink2.CommittableSummary;
import org.apache.flink.streaming.api.connector.sink2.CommittableWithLineage;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The aggregator turns the batches of all writer subtasks for checkpoint n into exactly one
 * committable, emitted right before barrier n, and keeps later checkpoints' batches for later.
 */
class BatchAggregatorOperatorTest {

    private static final String TABLE = "public.requests";

    private OneInputStreamOperatorTestHarness<
                    CommittableMessage<StagedBatch>, CommittableMessage<WarehouseCommittable>>
            harness;

    @BeforeEach
    void open() throws Exception {
        harness = new OneInputStreamOperatorTestHarness<>(new BatchAggregatorOperator(TABLE));
        // The output type the sink declares; the harness copies every output through it.
        harness.setup(
                CommittableMessageTypeInfo.of(WarehouseCommittableSerializer::new)
                        .createSerializer(new SerializerConfigImpl()));
        harness.open();
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private static StagedBatch batch(long batchId, long tag, int subtask) {
        return new StagedBatch(
                TABLE, batchId, tag, subtask, 10 * batchId, batchId % 2, 100 + batchId);
    }

    /** What a writer subtask sends for one checkpoint: its summary, then its batches. */
    private void fromWriter(int subtask, long checkpointId, StagedBatch... batches)
            throws Exception {
        harness.processElement(
                new StreamRecord<>(
                        new CommittableSummary<>(
                                subtask, 3, checkpointId, batches.length, batches.length, 0)));
        for (StagedBatch b : batches) {
            harness.processElement(
                    new StreamRecord<>(new CommittableWithLineage<>(b, checkpointId, subtask)));
        }
    }

    private List<CommittableMessage<WarehouseCommittable>> drain() {
        List<CommittableMessage<WarehouseCommittable>> out = harness.extractOutputValues();
        harness.getOutput().clear();
        return out;
    }

    /** Asserts {@code out} is one summary and one committable for {@code checkpointId}. */
    private static WarehouseCommittable single(
            List<CommittableMessage<WarehouseCommittable>> out, long checkpointId) {
        assertThat(out).hasSize(2);
        assertThat(out.get(0)).isInstanceOf(CommittableSummary.class);
        CommittableSummary<WarehouseCommittable> summary =
                (CommittableSummary<WarehouseCommittable>) out.get(0);
        assertThat(summary.getSubtaskId()).isZero();
        assertThat(summary.getNumberOfSubtasks()).isEqualTo(1);
        assertThat(summary.getCheckpointIdOrEOI()).isEqualTo(checkpointId);
        assertThat(summary.getNumberOfCommittables()).isEqualTo(1);
        assertThat(summary.getNumberOfFailedCommittables()).isZero();
        assertThat(out.get(1)).isInstanceOf(CommittableWithLineage.class);
        CommittableWithLineage<WarehouseCommittable> lineage =
                (CommittableWithLineage<WarehouseCommittable>) out.get(1);
        assertThat(lineage.getSubtaskId()).isZero();
        assertThat(lineage.getCheckpointIdOrEOI()).isEqualTo(checkpointId);
        WarehouseCommittable c = lineage.getCommittable();
        assertThat(c.checkpointId()).isEqualTo(checkpointId);
        assertThat(c.targetTable()).isEqualTo(TABLE);
        return c;
    }

    @Test
    void gathersAllSubtasksBatchesOfACheckpointIntoOneCommittableAtTheBarrier() throws Exception {
        StagedBatch a = batch(1, 1, 0);
        StagedBatch b = batch(2, 1, 1);
        StagedBatch c = batch(3, 1, 2);
        StagedBatch d = batch(4, 1, 2);
        fromWriter(0, 1, a);
        fromWriter(2, 1, c, d);
        fromWriter(1, 1, b);
        assertThat(harness.getOutput()).isEmpty();

        harness.prepareSnapshotPreBarrier(1);

        WarehouseCommittable committable = single(drain(), 1);
        assertThat(committable.batches()).containsExactlyInAnyOrder(a, b, c, d);
        assertThat(committable.rows()).isEqualTo(a.rows() + b.rows() + c.rows() + d.rows());
    }

    @Test
    void batchesOfTheNextCheckpointStayPendingUntilItsBarrier() throws Exception {
        StagedBatch first0 = batch(1, 1, 0);
        StagedBatch first1 = batch(2, 1, 1);
        StagedBatch second0 = batch(3, 2, 0);
        StagedBatch second1 = batch(4, 2, 1);
        fromWriter(0, 1, first0);
        fromWriter(0, 2, second0);
        fromWriter(1, 1, first1);
        fromWriter(1, 2, second1);

        harness.prepareSnapshotPreBarrier(1);
        WarehouseCommittable one = single(drain(), 1);
        assertThat(one.batches()).containsExactlyInAnyOrder(first0, first1);

        harness.prepareSnapshotPreBarrier(1); // nothing left for 1: nothing again
        assertThat(drain()).isEmpty();

        harness.prepareSnapshotPreBarrier(2);
        WarehouseCommittable two = single(drain(), 2);
        assertThat(two.batches()).containsExactlyInAnyOrder(second0, second1);
        assertThat(two.commitId()).isNotEqualTo(one.commitId());
    }

    @Test
    void aCheckpointWithoutBatchesEmitsNothing() throws Exception {
        fromWriter(0, 3);
        fromWriter(1, 3);
        harness.prepareSnapshotPreBarrier(3);
        assertThat(harness.getOutput()).isEmpty();
    }

    @Test
    void batchesOfAnEarlierCheckpointLeaveWithTheNextBarrierUnderTheirOwnId() throws Exception {
        StagedBatch late = batch(7, 4, 0);
        fromWriter(0, 4, late);
        harness.prepareSnapshotPreBarrier(6);
        assertThat(single(drain(), 4).batches()).containsExactly(late);
    }

    @Test
    void endOfInputEmitsEveryPendingCheckpointInOrder() throws Exception {
        StagedBatch five = batch(1, 5, 0);
        StagedBatch six = batch(2, 6, 1);
        StagedBatch last0 = batch(3, 7, 0);
        StagedBatch last1 = batch(4, 7, 1);
        fromWriter(0, 5, five);
        fromWriter(1, 6, six);
        // At end of input Flink 1.20 writers send their last batches for the last checkpoint + 1.
        fromWriter(0, 7, last0);
        fromWriter(1, 7, last1);
        assertThat(harness.getOutput()).isEmpty();

        harness.endInput();

        List<CommittableMessage<WarehouseCommittable>> out = drain();
        assertThat(out).hasSize(6);
        assertThat(single(out.subList(0, 2), 5).batches()).containsExactly(five);
        assertThat(single(out.subList(2, 4), 6).batches()).containsExactly(six);
        assertThat(single(out.subList(4, 6), 7).batches()).containsExactlyInAnyOrder(last0, last1);

        harness.prepareSnapshotPreBarrier(7); // the final checkpoint: nothing left to send
        assertThat(harness.getOutput()).isEmpty();
    }
}
