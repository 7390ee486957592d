package io.pg2gp.jobs.ingest;

import io.pg2gp.jobs.settings.FlinkSettings;
import io.pg2gp.jobs.settings.PipelineConfig;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The job graph as operators see it in the web UI and as savepoints match it. */
class IngestPipelineTest {

    private static StreamGraph graph() {
        PipelineConfig config =
                PipelineConfig.fromMap(
                        Map.of(
                                "source.database",
                                "app",
                                "source.user",
                                "cdc",
                                "warehouse.url",
                                "jdbc:postgresql://localhost/dw",
                                "warehouse.user",
                                "loader"));
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.of(config));
        IngestPipeline.build(env, config);
        return env.getStreamGraph();
    }

    @Test
    void everyStatefulOperatorHasAStableUid() {
        StreamGraph g = graph();
        for (StreamNode n : g.getStreamNodes()) {
            // the sink's stateless batch gatherer carries a fixed hash instead of a uid
            assertThat(
                            n.getTransformationUID() != null
                                    ? n.getTransformationUID()
                                    : n.getUserHash())
                    .as(n.getOperatorName())
                    .isNotBlank();
        }
        assertThat(g.getStreamNodes())
                .extracting(n -> n.getTransformationUID() + "/" + n.getUserHash())
                .doesNotHaveDuplicates();
        assertThat(g.getStreamNodes())
                .extracting(StreamNode::getTransformationUID)
                .contains(IngestPipeline.UID_SOURCE, IngestPipeline.UID_ENRICH);
    }

    @Test
    void operatorsReadAsThePipelineReads() {
        assertThat(graph().getStreamNodes())
                .extracting(StreamNode::getOperatorName)
                .anyMatch(n -> n.contains("PostgreSQL CDC"))
                .anyMatch(n -> n.contains("Enrich requests with users"))
                .anyMatch(n -> n.contains("Warehouse sink: requests_analytical"))
                .anyMatch(n -> n.contains("Warehouse sink: users_dim"));
    }

    @Test
    void exactlyOnceBoundedRestartsAndNoKryo() {
        StreamGraph g = graph();
        assertThat(g.getCheckpointConfig().isCheckpointingEnabled()).isTrue();
        assertThat(g.getCheckpointConfig().isUnalignedCheckpointsEnabled()).isFalse();
        assertThat(g.getExecutionConfig().getSerializerConfig().hasGenericTypesDisabled()).isTrue();
        assertThat(g.getExecutionConfig().getMaxParallelism()).isEqualTo(128);
    }
}
