package io.pg2gp.connector.warehouse;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The operators a sink adds to a job, as the web UI and savepoints see them (no database). */
class WarehouseSinkTopologyTest {

    private static final WarehouseTable TABLE =
            WarehouseTable.builder("public", "events")
                    .column("id", ColumnType.INT8)
                    .column("created_at", ColumnType.TIMESTAMPTZ)
                    .key("id")
                    .hourColumn("created_at")
                    .build();

    private static StreamExecutionEnvironment jobWithSinkAt(int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(3);
        env.enableCheckpointing(1000);
        env.fromData(Types.LONG, 1L, 2L)
                .sinkTo(
                        WarehouseSink.<Long>builder()
                                .connection(
                                        new WarehouseConnectionOptions(
                                                "jdbc:postgresql://localhost/dw", "loader", null))
                                .table(TABLE)
                                .serializer(
                                        id ->
                                                new WarehouseRecord(
                                                        WarehouseRecord.Op.INSERT,
                                                        id,
                                                        0L,
                                                        new Object[] {id, null}))
                                .pipelineName("topology")
                                .build())
                .name("Warehouse sink: events")
                .uid("sink-events")
                .setParallelism(parallelism);
        return env;
    }

    private static Map<String, StreamNode> nodesByName(StreamGraph graph) {
        return graph.getStreamNodes().stream()
                .collect(Collectors.toMap(StreamNode::getOperatorName, Function.identity()));
    }

    @Test
    void writersRunAtTheSinksParallelismAndOneSubtaskGathersAndCommits() {
        Map<String, StreamNode> nodes = nodesByName(jobWithSinkAt(4).getStreamGraph());

        assertThat(nodes.get("Warehouse sink: events: Writer").getParallelism()).isEqualTo(4);
        StreamNode gather =
                nodes.values().stream()
                        .filter(n -> n.getOperatorName().contains("Gather batches"))
                        .findFirst()
                        .orElseThrow();
        assertThat(gather.getParallelism()).isOne();
        StreamNode committer = nodes.get("Warehouse sink: events: Committer");
        assertThat(committer.getParallelism())
                .as("no idle committer subtask: one committable per checkpoint")
                .isOne();
    }

    @Test
    void theCommitterKeepsTheSinksMaxParallelismAndItsOwnTask() {
        StreamExecutionEnvironment env = jobWithSinkAt(2);
        env.setMaxParallelism(128);
        JobGraph job = env.getStreamGraph().getJobGraph();

        List<JobVertex> committers =
                job.getVerticesSortedTopologicallyFromSources().stream()
                        .filter(v -> v.getName().contains("Committer"))
                        .toList();
        assertThat(committers).hasSize(1);
        JobVertex committer = committers.get(0);
        assertThat(committer.getName())
                .as("a chain with the gatherer would take its max parallelism of 1")
                .doesNotContain("Gather");
        assertThat(committer.getParallelism()).isOne();
        assertThat(committer.getMaxParallelism()).isEqualTo(128);
    }
}
