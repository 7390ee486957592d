package io.pg2gp.jobs.ingest.config;

import io.pg2gp.connector.cdc.PostgresCdcOptions;
import io.pg2gp.connector.cdc.StartupMode;
import io.pg2gp.connector.cdc.TruncateHandling;
import io.pg2gp.jobs.ingest.enrich.EnrichmentSettings;
import io.pg2gp.jobs.settings.PasswordCheck;
import io.pg2gp.jobs.settings.Pg2gpOptions;
import io.pg2gp.jobs.settings.PipelineConfig;
import io.pg2gp.jobs.settings.SettingException;

import java.time.ZoneId;
import java.util.List;

/**
 * The ingest job's typed view of the shared settings: what only this job needs (the CDC source, the
 * enrichment), built from values {@link PipelineConfig} has already checked under their keys.
 */
public final class IngestSettings {

    private IngestSettings() {}

    public static PostgresCdcOptions cdcOptions(PipelineConfig config) {
        try {
            return PostgresCdcOptions.builder()
                    .host(config.get(Pg2gpOptions.SOURCE_HOST))
                    .port(config.get(Pg2gpOptions.SOURCE_PORT))
                    .database(config.get(Pg2gpOptions.SOURCE_DATABASE))
                    .user(config.get(Pg2gpOptions.SOURCE_USER))
                    .passwordEnvVar(config.get(Pg2gpOptions.SOURCE_PASSWORD_ENV))
                    .slotName(config.get(Pg2gpOptions.SOURCE_SLOT))
                    .publicationName(config.get(Pg2gpOptions.SOURCE_PUBLICATION))
                    .createPublication(config.get(Pg2gpOptions.SOURCE_CREATE_PUBLICATION))
                    .tables(
                            List.of(
                                    config.get(Pg2gpOptions.SOURCE_USERS_TABLE),
                                    config.get(Pg2gpOptions.SOURCE_REQUESTS_TABLE)))
                    .startupMode(startupMode(config))
                    .splitSize(config.get(Pg2gpOptions.SOURCE_SPLIT_SIZE))
                    .fetchSize(config.get(Pg2gpOptions.SOURCE_FETCH_SIZE))
                    .skipSnapshotBackfill(config.get(Pg2gpOptions.SOURCE_SKIP_BACKFILL))
                    .heartbeatInterval(config.get(Pg2gpOptions.SOURCE_HEARTBEAT_INTERVAL))
                    .heartbeatTable(config.get(Pg2gpOptions.SOURCE_HEARTBEAT_TABLE))
                    .requireReplicaIdentityFull(
                            config.get(Pg2gpOptions.SOURCE_REQUIRE_FULL_IDENTITY))
                    .build();
        } catch (IllegalArgumentException e) {
            // PipelineConfig checked every source.* value; this is a guard against drift
            throw new SettingException("source.* settings: " + e.getMessage(), e);
        }
    }

    public static StartupMode startupMode(PipelineConfig config) {
        return StartupMode.valueOf(config.get(Pg2gpOptions.SOURCE_STARTUP_MODE).name());
    }

    public static TruncateHandling truncate(PipelineConfig config) {
        return TruncateHandling.valueOf(config.get(Pg2gpOptions.SOURCE_TRUNCATE).name());
    }

    public static EnrichmentSettings enrichment(PipelineConfig config) {
        return new EnrichmentSettings(
                config.get(Pg2gpOptions.ENRICH_MAX_WAIT),
                config.get(Pg2gpOptions.ENRICH_MAX_WAITING),
                config.get(Pg2gpOptions.ENRICH_REPAIR_RETENTION),
                ZoneId.of(config.get(Pg2gpOptions.ENRICH_TIME_ZONE)));
    }

    /** The source and the warehouse ask for no password they will not get. */
    public static void checkPasswords(PipelineConfig config) {
        PostgresCdcOptions source = cdcOptions(config);
        PasswordCheck.check(
                "source",
                source.jdbcUrl(),
                source.user(),
                source.passwordEnvVar(),
                Pg2gpOptions.SOURCE_PASSWORD_ENV.key());
        PasswordCheck.warehouse(config);
    }
}
