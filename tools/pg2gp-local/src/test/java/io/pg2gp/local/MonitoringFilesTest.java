package io.pg2gp.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No Prometheus or Grafana runs here, so deploy/monitoring is checked by reading it: every panel
 * and alert queries only metrics the jobs export (the contract below), the scrape configuration
 * points at the reporter ports, and the reporter settings are the ones the Kubernetes manifests
 * use.
 */
class MonitoringFilesTest {

    private static final Path REPO = Path.of("../..").toAbsolutePath().normalize();
    private static final Path MONITORING = REPO.resolve("deploy/monitoring");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String OP = "flink_taskmanager_job_task_operator_";
    private static final String JOB = "flink_jobmanager_job_";

    /**
     * The metrics the dashboard and the alert rules may use, as Flink's PrometheusReporter names
     * them. Operator metrics carry the labels job_name, task_name, operator_name, subtask_index,
     * tm_id, host. A key-value group (addGroup(key, value)) adds the label key=value and also puts
     * the key into the name: pg2gpChangesRead, registered under addGroup("table", t).addGroup("op",
     * o), is exported as flink_taskmanager_job_task_operator_table_op_pg2gpChangesRead.
     */
    static final Set<String> METRIC_CONTRACT =
            Set.of(
                    // JobManager, per job
                    JOB + "uptime",
                    JOB + "numRestarts",
                    JOB + "lastCheckpointDuration",
                    JOB + "numberOfCompletedCheckpoints",
                    JOB + "numberOfFailedCheckpoints",
                    // source "PostgreSQL CDC: users, requests" (Flink CDC)
                    OP + "currentEmitEventTimeLag",
                    OP + "currentFetchEventTimeLag",
                    OP + "sourceIdleTime",
                    OP + "numRecordsOut",
                    // "Count changes"
                    OP + "table_op_pg2gpChangesRead",
                    OP + "pg2gpSlotLagBytes",
                    OP + "pg2gpSlotActive",
                    // "Enrich requests with users"
                    OP + "pg2gpEnriched",
                    OP + "pg2gpEnrichMissed",
                    OP + "pg2gpEnrichRepaired",
                    OP + "pg2gpMalformedResponse",
                    OP + "pg2gpEnrichWaiting",
                    // "Warehouse sink: <table>: Writer"
                    OP + "numRecordsSend",
                    OP + "numBytesSend",
                    OP + "numRecordsSendErrors",
                    OP + "pg2gpBatchRows",
                    OP + "pg2gpBatchBytes",
                    OP + "pg2gpLastStageMillis",
                    // "Warehouse sink: <table>: Committer"
                    OP + "pg2gpCommits",
                    OP + "pg2gpRowsUpserted",
                    OP + "pg2gpRowsDeleted",
                    OP + "pg2gpDeadLetters",
                    OP + "pg2gpLastApplyMillis",
                    OP + "pg2gpLastCheckpointApplied",
                    OP + "pg2gpLastBatchRows",
                    // rollup job, "Recompute dirty hours of every rollup" and "Recompute the
                    // features of dirty users"
                    OP + "pg2gpDirtyHoursPending",
                    OP + "pg2gpDirtyUsersPending",
                    OP + "pg2gpRecomputedUsers",
                    OP + "pg2gpOldestPendingAgeMillis",
                    OP + "pg2gpRecomputeMillis",
                    OP + "pg2gpRowsReadPerRecompute",
                    OP + "pg2gpRecomputes",
                    OP + "pg2gpRecomputedHours");

    private static final Pattern METRIC = Pattern.compile("flink_[a-zA-Z0-9_]+");
    private static final String REPORTER_PREFIX = "metrics.reporter.";

    private static Set<String> metricsIn(String expr) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(expr);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    /** Panels, including those inside rows. */
    private static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> all = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            all.add(p);
            p.path("panels").forEach(all::add);
        }
        return all;
    }

    /** Config keys as Flink reads them: nested maps joined with dots, flat keys as they are. */
    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            node.fields()
                    .forEachRemaining(
                            e ->
                                    flatten(
                                            prefix.isEmpty()
                                                    ? e.getKey()
                                                    : prefix + "." + e.getKey(),
                                            e.getValue(),
                                            out));
        } else {
            out.put(prefix, node.asText());
        }
    }

    private static Map<String, String> reporterSettings(JsonNode config) {
        Map<String, String> flat = new TreeMap<>();
        flatten("", config, flat);
        Map<String, String> reporter = new TreeMap<>();
        flat.forEach(
                (k, v) -> {
                    if (k.startsWith(REPORTER_PREFIX)) {
                        reporter.put(k, v);
                    }
                });
        return reporter;
    }

    private static boolean portWithin(String port, String range) {
        String[] bounds = range.split("-");
        int p = Integer.parseInt(port.trim());
        int low = Integer.parseInt(bounds[0].trim());
        int high = Integer.parseInt(bounds[bounds.length - 1].trim());
        return low <= p && p <= high;
    }

    @Test
    void dashboardPanelsHaveTitlesQueriesAndOnlyContractMetrics() throws Exception {
        JsonNode dashboard =
                JSON.readTree(MONITORING.resolve("grafana/pg2gp-dashboard.json").toFile());
        assertThat(dashboard.path("schemaVersion").asInt()).isBetween(36, 41);
        assertThat(dashboard.path("uid").asText()).isNotBlank();

        Map<String, JsonNode> variables = new TreeMap<>();
        dashboard.at("/templating/list").forEach(v -> variables.put(v.path("name").asText(), v));
        assertThat(variables).containsKeys("DS_PROMETHEUS", "job_name");
        assertThat(variables.get("DS_PROMETHEUS").path("type").asText()).isEqualTo("datasource");
        assertThat(variables.get("DS_PROMETHEUS").path("query").asText()).isEqualTo("prometheus");
        assertThat(dashboard.at("/__inputs/0/name").asText()).isEqualTo("DS_PROMETHEUS");

        Set<Integer> ids = new HashSet<>();
        Set<String> used = new TreeSet<>();
        Set<String> titles = new TreeSet<>();
        List<JsonNode> panels = panels(dashboard);
        for (JsonNode p : panels) {
            String title = p.path("title").asText();
            assertThat(title).as("title of panel %s", p.path("id")).isNotBlank();
            assertThat(p.path("id").isInt()).as("id of %s", title).isTrue();
            assertThat(ids.add(p.path("id").asInt())).as("unique id of %s", title).isTrue();
            titles.add(title);
            if (p.path("type").asText().equals("row")) {
                continue;
            }
            assertThat(p.at("/datasource/uid").asText())
                    .as("datasource of %s", title)
                    .isEqualTo("${DS_PROMETHEUS}");
            assertThat(p.path("targets")).as("targets of %s", title).isNotEmpty();
            for (JsonNode t : p.path("targets")) {
                String expr = t.path("expr").asText();
                assertThat(expr).as("query of %s", title).isNotBlank();
                Set<String> metrics = metricsIn(expr);
                assertThat(metrics).as("metrics of %s", title).isNotEmpty();
                assertThat(METRIC_CONTRACT).as("metrics of %s", title).containsAll(metrics);
                if (!expr.contains(JOB)) {
                    assertThat(expr).as("%s filters on the job", title).contains("$job_name");
                }
                used.addAll(metrics);
            }
        }
        assertThat(titles)
                .contains("Overview", "Source", "Enrichment", "Sink (per table)", "Rollups");
        assertThat(used).as("every contract metric is on the dashboard").isEqualTo(METRIC_CONTRACT);
    }

    @Test
    void prometheusScrapesTheReportersAndLoadsAlertRulesOverContractMetrics() throws Exception {
        JsonNode prometheus = YAML.readTree(MONITORING.resolve("prometheus.yml").toFile());
        Set<String> targets = new TreeSet<>();
        for (JsonNode job : prometheus.path("scrape_configs")) {
            assertThat(job.path("job_name").asText()).isNotBlank();
            for (JsonNode sc : job.path("static_configs")) {
                sc.path("targets").forEach(t -> targets.add(t.asText()));
            }
        }
        assertThat(targets).contains("127.0.0.1:9249", "127.0.0.1:9250");
        assertThat(prometheus.path("rule_files")).isNotEmpty();

        Set<String> alerts = new HashSet<>();
        for (JsonNode file : prometheus.path("rule_files")) {
            Path rules = MONITORING.resolve(file.asText());
            assertThat(rules).exists();
            JsonNode groups = YAML.readTree(rules.toFile()).path("groups");
            assertThat(groups).isNotEmpty();
            for (JsonNode group : groups) {
                for (JsonNode rule : group.path("rules")) {
                    String name = rule.path("alert").asText();
                    assertThat(name).isNotBlank();
                    assertThat(alerts.add(name)).as("unique alert %s", name).isTrue();
                    assertThat(rule.at("/labels/severity").asText())
                            .as("severity of %s", name)
                            .isIn("warning", "critical");
                    assertThat(rule.at("/annotations/summary").asText())
                            .as("summary of %s", name)
                            .isNotBlank();
                    String expr = rule.path("expr").asText();
                    assertThat(expr).as("expr of %s", name).isNotBlank();
                    assertThat(METRIC_CONTRACT)
                            .as("metrics of %s", name)
                            .containsAll(metricsIn(expr));
                }
            }
        }
        assertThat(alerts)
                .contains(
                        "Pg2gpReplicationSlotLag",
                        "Pg2gpNoCommits",
                        "Pg2gpJobRestarting",
                        "Pg2gpDeadLetters",
                        "Pg2gpFreshnessLag",
                        "Pg2gpCheckpointsFailing",
                        "Pg2gpRollupBehind");
    }

    @Test
    void kubernetesManifestsConfigureTheSameReporter() throws Exception {
        Map<String, String> reporter =
                reporterSettings(
                        YAML.readTree(MONITORING.resolve("flink-prometheus.yaml").toFile()));
        assertThat(reporter)
                .containsEntry(
                        "metrics.reporter.prom.factory.class",
                        "org.apache.flink.metrics.prometheus.PrometheusReporterFactory")
                .containsKey("metrics.reporter.prom.port");
        String range = reporter.get("metrics.reporter.prom.port");
        assertThat(portWithin("9249", range)).as("JobManager port in %s", range).isTrue();
        assertThat(portWithin("9250", range)).as("TaskManager port in %s", range).isTrue();

        for (String job : List.of("ingest", "rollup")) {
            JsonNode d = YAML.readTree(REPO.resolve("deploy/k8s/" + job + "-job.yaml").toFile());
            Map<String, String> k8s = reporterSettings(d.at("/spec/flinkConfiguration"));
            assertThat(k8s.keySet()).as("reporter keys of %s", job).isEqualTo(reporter.keySet());
            k8s.forEach(
                    (key, value) -> {
                        if (key.endsWith(".port")) {
                            assertThat(portWithin(value, range)).as("%s of %s", key, job).isTrue();
                        } else {
                            assertThat(value).as("%s of %s", key, job).isEqualTo(reporter.get(key));
                        }
                    });
        }
    }
}
