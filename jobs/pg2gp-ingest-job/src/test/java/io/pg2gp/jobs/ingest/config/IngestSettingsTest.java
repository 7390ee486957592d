package io.pg2gp.jobs.ingest.config;

import io.pg2gp.connector.cdc.StartupMode;
import io.pg2gp.connector.cdc.TruncateHandling;
import io.pg2gp.jobs.settings.PipelineConfig;
import io.pg2gp.jobs.settings.SourceStartupMode;
import io.pg2gp.jobs.settings.SourceTruncate;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class IngestSettingsTest {

    @Test
    void theExampleBuildsTheSourceOptions() {
        PipelineConfig c =
                PipelineConfig.load(
                        Path.of("../../deploy/pipeline.example.yaml"),
                        List.of("source.startup-mode=committed", "source.truncate=fail"));
        assertThat(IngestSettings.cdcOptions(c).capturedTables())
                .containsExactly("public.users", "public.requests", "public.pg2gp_heartbeat");
        assertThat(IngestSettings.cdcOptions(c).startupMode()).isEqualTo(StartupMode.COMMITTED);
        assertThat(IngestSettings.truncate(c)).isEqualTo(TruncateHandling.FAIL);
    }

    /** The settings' enums stand in for the connector's; every value must map. */
    @Test
    void theSettingEnumsHaveTheConnectorsValues() {
        assertThat(names(SourceStartupMode.values())).isEqualTo(names(StartupMode.values()));
        assertThat(names(SourceTruncate.values())).isEqualTo(names(TruncateHandling.values()));
    }

    private static List<String> names(Enum<?>[] values) {
        return Arrays.stream(values).map(Enum::name).toList();
    }
}
