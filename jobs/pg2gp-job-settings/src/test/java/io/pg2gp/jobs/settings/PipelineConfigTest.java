package io.pg2gp.jobs.settings;

import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.HousekeepingOptions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PipelineConfigTest {

    private static Map<String, String> minimal() {
        Map<String, String> m = new HashMap<>();
        m.put("source.database", "app");
        m.put("source.user", "cdc");
        m.put("warehouse.url", "jdbc:postgresql://localhost:5432/dw");
        m.put("warehouse.user", "loader");
        return m;
    }

    @Test
    void theDocumentedExampleIsValid() {
        PipelineConfig c =
                PipelineConfig.load(Path.of("../../deploy/pipeline.example.yaml"), List.of());
        assertThat(c.get(Pg2gpOptions.CHECKPOINT_INTERVAL)).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.get(Pg2gpOptions.SOURCE_STARTUP_MODE)).isEqualTo(SourceStartupMode.INITIAL);
        assertThat(c.get(Pg2gpOptions.WAREHOUSE_STAGE_CHUNK).getBytes()).isEqualTo(8 << 20);
    }

    @Test
    void theLocalRunConfigIsValidOnceTheRunnerFillsItsPorts() {
        PipelineConfig c =
                PipelineConfig.load(
                        Path.of("../../deploy/local/pipeline.yaml"),
                        List.of("warehouse.url=jdbc:postgresql://127.0.0.1:15433/warehouse"));
        assertThat(c.get(Pg2gpOptions.NAME)).isEqualTo("pg2gp-local");
    }

    @Test
    void overridesWinOverTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("p.yaml");
        Files.writeString(
                f,
                "source:\n  database: app\n  user: cdc\nwarehouse:\n  url: jdbc:postgresql://h/dw\n"
                        + "  user: u\n  delete-mode: mirror\n");
        PipelineConfig c =
                PipelineConfig.load(
                        f, List.of("warehouse.delete-mode=soft", "pipeline.parallelism=4"));
        assertThat(c.get(Pg2gpOptions.WAREHOUSE_DELETE_MODE)).isEqualTo(DeleteMode.SOFT);
        assertThat(c.get(Pg2gpOptions.PARALLELISM)).isEqualTo(4);
    }

    @Test
    void anUnknownSettingIsNamed() {
        Map<String, String> m = minimal();
        m.put("source.slot", "x");
        assertThatThrownBy(() -> PipelineConfig.fromMap(m))
                .hasMessageContaining("unknown setting 'source.slot'")
                .hasMessageContaining("source.slot-name");
    }

    @Test
    void anUnparsableValueNamesItsSetting() {
        Map<String, String> m = minimal();
        m.put("pipeline.checkpoint-interval", "often");
        assertThatThrownBy(() -> PipelineConfig.fromMap(m))
                .hasMessageContaining("'pipeline.checkpoint-interval'")
                .hasMessageContaining("often");
        Map<String, String> m2 = minimal();
        m2.put("source.startup-mode", "sometimes");
        assertThatThrownBy(() -> PipelineConfig.fromMap(m2))
                .hasMessageContaining("'source.startup-mode'");
    }

    @Test
    void aMissingRequiredSettingIsNamed() {
        Map<String, String> m = minimal();
        m.remove("warehouse.url");
        assertThatThrownBy(() -> PipelineConfig.fromMap(m))
                .hasMessageContaining("'warehouse.url' is required");
    }

    @Test
    void badValuesFailWithTheirSetting() {
        Map<String, String> m = minimal();
        m.put("source.slot-name", "Bad-Slot");
        assertThatThrownBy(() -> PipelineConfig.fromMap(m))
                .hasMessageContaining("source.slot-name");
        Map<String, String> m2 = minimal();
        m2.put("pipeline.parallelism", "0");
        assertThatThrownBy(() -> PipelineConfig.fromMap(m2))
                .hasMessageContaining("'pipeline.parallelism'");
        Map<String, String> m3 = minimal();
        m3.put("enrichment.time-zone", "Mars/Olympus");
        assertThatThrownBy(() -> PipelineConfig.fromMap(m3))
                .hasMessageContaining("'enrichment.time-zone'");
        Map<String, String> m4 = minimal();
        m4.put("warehouse.url", "jdbc:mysql://x/y");
        assertThatThrownBy(() -> PipelineConfig.fromMap(m4))
                .hasMessageContaining("jdbc:postgresql");
        Map<String, String> m5 = minimal();
        m5.put("warehouse.apply-memory", "100kb");
        assertThatThrownBy(() -> PipelineConfig.fromMap(m5))
                .hasMessageContaining("'warehouse.apply-memory'");
        Map<String, String> m6 = minimal();
        m6.put("warehouse.gpfdist.port-range", "41000-40000");
        assertThatThrownBy(() -> PipelineConfig.fromMap(m6))
                .hasMessageContaining("warehouse.gpfdist")
                .hasMessageContaining("41000..40000");
        Map<String, String> m7 = minimal();
        m7.put("warehouse.loader", "xa");
        assertThatThrownBy(() -> PipelineConfig.fromMap(m7))
                .hasMessageContaining("'warehouse.loader'");
        Map<String, String> m8 = minimal();
        m8.put("warehouse.housekeeping.vacuum-every-applies", "0");
        assertThatThrownBy(() -> PipelineConfig.fromMap(m8))
                .hasMessageContaining("warehouse.housekeeping")
                .hasMessageContaining("vacuum-every-applies");
    }

    @Test
    void housekeepingSettingsReachTheSinkOptions() {
        Map<String, String> m = minimal();
        assertThat(PipelineConfig.fromMap(m).housekeepingOptions())
                .isEqualTo(HousekeepingOptions.DEFAULTS);
        m.put("warehouse.housekeeping.enabled", "false");
        m.put("warehouse.housekeeping.vacuum-every-applies", "5");
        m.put("warehouse.housekeeping.vacuum-after-rows", "1000");
        m.put("warehouse.housekeeping.analyze-every-applies", "7");
        m.put("warehouse.housekeeping.analyze-changed-fraction", "0.5");
        assertThat(PipelineConfig.fromMap(m).housekeepingOptions())
                .isEqualTo(
                        HousekeepingOptions.builder()
                                .enabled(false)
                                .vacuumEveryApplies(5)
                                .vacuumAfterRows(1000)
                                .analyzeEveryApplies(7)
                                .analyzeChangedFraction(0.5)
                                .build());
    }

    @Test
    void passwordsAreNotSettings() {
        Map<String, String> m = minimal();
        m.put("source.password", "secret");
        assertThatThrownBy(() -> PipelineConfig.fromMap(m))
                .hasMessageContaining("'source.password'")
                .hasMessageContaining("environment variable")
                .hasMessageNotContaining("secret");
        Map<String, String> m2 = minimal();
        m2.put("warehouse.url", "jdbc:postgresql://h/dw?password=secret");
        assertThatThrownBy(() -> PipelineConfig.fromMap(m2))
                .hasMessageContaining("must not carry a password");
    }

    @Test
    void aBadValueSaysTheExpectedFormAndTheMeaningOnOneLine() {
        Map<String, String> m = minimal();
        m.put("pipeline.checkpoint-interval", "5 parsecs");
        assertThatThrownBy(() -> PipelineConfig.fromMap(m))
                .isInstanceOf(SettingException.class)
                .hasMessage(
                        "setting 'pipeline.checkpoint-interval' has an invalid value '5 parsecs':"
                                + " expected a duration such as 500ms, 5s, 2min or 1h. Micro-batch"
                                + " window: each completed checkpoint is one batch. A checkpoint"
                                + " starts at least this long after the previous one completed,"
                                + " and the first this long after the job started.");
        m.put("pipeline.checkpoint-interval", "5s");
        m.put("source.startup-mode", "intial");
        assertThatThrownBy(() -> PipelineConfig.fromMap(m))
                .hasMessageStartingWith(
                        "setting 'source.startup-mode' has an invalid value 'intial': expected one"
                                + " of initial, latest, committed.")
                .hasMessageNotContaining("Description@");
    }

    @Test
    void aMissingRequiredSettingIsDescribed() {
        Map<String, String> m = minimal();
        m.remove("warehouse.url");
        assertThatThrownBy(() -> PipelineConfig.fromMap(m))
                .hasMessage(
                        "setting 'warehouse.url' is required (text): JDBC URL of the warehouse"
                                + " (PostgreSQL or Greenplum).");
    }

    @Test
    void aMistypedKeyGetsASuggestion() {
        Map<String, String> m = minimal();
        m.put("source.publication.create", "true");
        assertThatThrownBy(() -> PipelineConfig.fromMap(m))
                .hasMessageContaining("did you mean 'source.publication-create'?");
        m.remove("source.publication.create");
        m.put("warehouse.laoder", "copy");
        assertThatThrownBy(() -> PipelineConfig.fromMap(m))
                .hasMessageContaining("did you mean 'warehouse.loader'?");
        m.remove("warehouse.laoder");
        m.put("nothing.like.it", "1");
        assertThatThrownBy(() -> PipelineConfig.fromMap(m))
                .hasMessageNotContaining("did you mean")
                .hasMessageContaining("docs/configuration.md");
    }
}
