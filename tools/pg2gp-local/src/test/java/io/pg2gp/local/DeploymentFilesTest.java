package io.pg2gp.local;

import io.pg2gp.jobs.settings.Pg2gpOptions;
import io.pg2gp.jobs.settings.PipelineConfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No Docker engine or Kubernetes runs here, so docker-compose.yml and deploy/k8s are checked by
 * reading them: images named with tags, mounted files that exist in the repository, jar names the
 * build produces, pipeline files the jobs accept, passwords only from the environment.
 */
class DeploymentFilesTest {

    private static final Path REPO = Path.of("../..").toAbsolutePath().normalize();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** SnakeYAML resolves anchors and aliases as Docker Compose does; Jackson's tree does not. */
    private static JsonNode yaml(Path p) throws Exception {
        Object doc = new org.yaml.snakeyaml.Yaml().load(Files.readString(p));
        return YAML.valueToTree(doc);
    }

    private static String version() throws Exception {
        Matcher m =
                Pattern.compile("<version>([^<]+)</version>")
                        .matcher(Files.readString(REPO.resolve("pom.xml")));
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    private static List<String> passwordEnvs(PipelineConfig c) {
        return List.of(
                c.get(Pg2gpOptions.SOURCE_PASSWORD_ENV),
                c.get(Pg2gpOptions.WAREHOUSE_PASSWORD_ENV));
    }

    @Test
    void dockerComposeRefersToFilesSettingsAndJarsThatExist() throws Exception {
        JsonNode compose = yaml(REPO.resolve("docker-compose.yml"));
        JsonNode services = compose.get("services");
        List<String> names = new ArrayList<>();
        services.fieldNames().forEachRemaining(names::add);
        assertThat(names)
                .contains("source", "warehouse", "jobmanager", "taskmanager", "submit", "traffic");
        for (String name : names) {
            JsonNode s = services.get(name);
            assertThat(s.path("image").asText())
                    .as("image of %s", name)
                    .matches("[^:\\s]+:[^:\\s]+");
            for (JsonNode v : s.path("volumes")) {
                String host = v.asText().split(":")[0];
                if (host.startsWith("./")) {
                    assertThat(REPO.resolve(host)).as("mount of %s", name).exists();
                }
            }
        }
        assertThat(services.at("/source/command").toString()).contains("wal_level=logical");
        assertThat(services.at("/jobmanager/ports").toString()).contains("8081:8081");

        PipelineConfig config =
                PipelineConfig.load(REPO.resolve("deploy/compose/pipeline.yaml"), List.of());
        for (String service : List.of("jobmanager", "taskmanager", "submit")) {
            JsonNode env = services.get(service).get("environment");
            for (String var : passwordEnvs(config)) {
                assertThat(env.has(var)).as("%s sets %s", service, var).isTrue();
            }
        }
        String submit = services.at("/submit/command").toString();
        for (String job : List.of("pg2gp-ingest-job", "pg2gp-rollup-job")) {
            assertThat(submit).contains(job + "-" + version() + "-job.jar");
        }
        assertThat(submit).doesNotContainIgnoringCase("password");
        assertThat(REPO.resolve("deploy/compose/traffic.sql")).exists();
    }

    @Test
    void kubernetesDeploymentsUpgradeThroughSavepointsWithSecretsFromTheEnvironment(
            @TempDir Path tmp) throws Exception {
        Path k8s = REPO.resolve("deploy/k8s");
        JsonNode configMap = yaml(k8s.resolve("pipeline-configmap.yaml"));
        Path pipeline = tmp.resolve("pipeline.yaml");
        Files.writeString(pipeline, configMap.at("/data/pipeline.yaml").asText());
        PipelineConfig config = PipelineConfig.load(pipeline, List.of());
        JsonNode secret = yaml(k8s.resolve("credentials-secret.example.yaml"));

        for (String job : List.of("ingest", "rollup")) {
            JsonNode d = yaml(k8s.resolve(job + "-job.yaml"));
            assertThat(d.path("kind").asText()).isEqualTo("FlinkDeployment");
            assertThat(d.at("/spec/job/upgradeMode").asText()).isEqualTo("savepoint");
            JsonNode conf = d.at("/spec/flinkConfiguration");
            for (String key :
                    List.of(
                            "state.checkpoints.dir",
                            "state.savepoints.dir",
                            "high-availability.type",
                            "high-availability.storageDir")) {
                assertThat(conf.path(key).asText()).as("%s of %s", key, job).isNotBlank();
            }
            assertThat(d.at("/spec/job/jarURI").asText())
                    .endsWith("/pg2gp-" + job + "-job-" + version() + "-job.jar");

            JsonNode container = d.at("/spec/podTemplate/spec/containers/0");
            Map<String, JsonNode> env = new java.util.HashMap<>();
            container.path("env").forEach(e -> env.put(e.path("name").asText(), e));
            for (String var : passwordEnvs(config)) {
                JsonNode ref = env.get(var).at("/valueFrom/secretKeyRef");
                assertThat(ref.path("name").asText())
                        .isEqualTo(secret.at("/metadata/name").asText());
                assertThat(secret.at("/stringData").has(ref.path("key").asText())).isTrue();
            }
            String mount = container.at("/volumeMounts/0/mountPath").asText();
            assertThat(d.at("/spec/job/args").toString())
                    .contains("\"" + mount + "/pipeline.yaml\"");
            assertThat(d.at("/spec/podTemplate/spec/volumes/0/configMap/name").asText())
                    .isEqualTo(configMap.at("/metadata/name").asText());
            assertThat(d.toString()).doesNotContain("change-me");
        }
        assertThat(Set.copyOf(passwordEnvs(config)))
                .containsExactlyInAnyOrder("PG2GP_SOURCE_PASSWORD", "PG2GP_WAREHOUSE_PASSWORD");
    }

    /**
     * The cluster's log configuration drops Flink's repeated 'pendingCommittables' collision (one
     * line per checkpoint and committer) and nothing else: another collision still shows.
     */
    @Test
    void clusterLogsDropOnlyTheRepeatedPendingCommittablesCollision(@TempDir Path dir)
            throws Exception {
        Path log = dir.resolve("cluster.log");
        String previous = System.setProperty("log.file", log.toString());
        var context = new org.apache.logging.log4j.core.LoggerContext("deployment-files-test");
        try {
            context.setConfigLocation(
                    REPO.resolve("deploy/local-cluster/conf/log4j.properties").toUri());
            context.start();
            var logger = context.getLogger("org.apache.flink.metrics.MetricGroup");
            logger.warn(
                    "Name collision: Group already contains a Metric with the name"
                            + " 'pendingCommittables'. Metric will not be reported.[, taskmanager,"
                            + " tm-1, it, Warehouse sink: users_dim: Committer, 0]");
            logger.warn(
                    "Name collision: Group already contains a Metric with the name"
                            + " 'pg2gpCommits'. Metric will not be reported.[, taskmanager]");
        } finally {
            context.stop();
            if (previous == null) {
                System.clearProperty("log.file");
            } else {
                System.setProperty("log.file", previous);
            }
        }
        String written = Files.readString(log);
        assertThat(written).contains("'pg2gpCommits'").doesNotContain("pendingCommittables");
    }
}
