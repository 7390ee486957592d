package io.pg2gp.connector.warehouse.internal.commit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorFactory;

/**
 * The gathered committables, as a stream that runs the committer Flink appends to it as a single
 * subtask.
 *
 * <p>There is one committable per checkpoint and table, so one committer subtask does all the work.
 * Flink 1.20 gives a Sink V2 committer the sink's parallelism unless the operator carries its own
 * ({@code SinkTransformationTranslator} leaves a configured parallelism alone), and it creates the
 * committer by calling {@code transform} on the stream the pre-commit topology returns: this stream
 * is that stream, and sets the operator it creates to parallelism 1. Without it the committer's
 * other subtasks sit idle and the web UI shows the committer's data skew as 100 %. {@code
 * WarehouseSinkTopologyTest} fails if a Flink upgrade stops going through here.
 *
 * <p>Only the parallelism changes: the committer keeps its uid and the sink's max parallelism, so
 * its state still restores from savepoints taken while it ran at the writers' parallelism (list
 * state, gathered into the one subtask).
 */
@Internal
public final class SingleCommitterStream<T> extends DataStream<T> {

    public SingleCommitterStream(DataStream<T> committables) {
        super(committables.getExecutionEnvironment(), committables.getTransformation());
    }

    @Override
    protected <R> SingleOutputStreamOperator<R> doTransform(
            String operatorName,
            TypeInformation<R> outTypeInfo,
            StreamOperatorFactory<R> operatorFactory) {
        SingleOutputStreamOperator<R> committer =
                super.doTransform(operatorName, outTypeInfo, operatorFactory);
        committer.getTransformation().setParallelism(1);
        return committer;
    }
}
