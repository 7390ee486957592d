package io.pg2gp.jobs.ingest.config;

import io.pg2gp.connector.cdc.PostgresCdcOptions;
import io.pg2gp.connector.warehouse.GpfdistLoaderOptions;
import io.pg2gp.connector.warehouse.HousekeepingOptions;
import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.jobs.ingest.enrich.EnrichmentSettings;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The pipeline's settings: one YAML file plus {@code key=value} overrides, checked at start-up so a
 * bad setting fails with a message that names it. Passwords are never settings: only the names of
 * the environment variables that hold them.
 */
public final class PipelineConfig {

    private final Configuration conf;

    private PipelineConfig(Configuration conf) {
        this.conf = conf;
    }

    /** Loads {@code file} (may be null) and applies {@code overrides} ("key=value") on top. */
    public static PipelineConfig load(Path file, List<String> overrides) {
        Map<String, String> flat = new LinkedHashMap<>();
        if (file != null) {
            try {
                JsonNode root =
                        new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
                if (root != null && !root.isNull()) {
                    if (!root.isObject()) {
                        throw new SettingException(file + ": expected a YAML mapping");
                    }
                    flatten("", root, flat);
                }
            } catch (IOException e) {
                throw new SettingException(
                        "cannot read config file " + file + ": " + e.getMessage(), e);
            }
        }
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new SettingException("override '" + o + "' must be key=value");
            }
            flat.put(o.substring(0, eq).trim(), o.substring(eq + 1).trim());
        }
        return fromMap(flat);
    }

    public static PipelineConfig fromMap(Map<String, String> flat) {
        Set<String> known = new HashSet<>();
        for (ConfigOption<?> o : PipelineOptions.all()) {
            known.add(o.key());
            o.fallbackKeys().forEach(k -> known.add(k.getKey())); // renamed settings still read
        }
        for (String key : flat.keySet()) {
            if (key.toLowerCase().contains("password") && !key.endsWith("password-env")) {
                throw new SettingException(
                        "setting '"
                                + key
                                + "': passwords are not settings; put the password in"
                                + " an environment variable and name it in *.password-env");
            }
            if (!known.contains(key)) {
                throw new SettingException(
                        "unknown setting '"
                                + key
                                + "'"
                                + OptionText.closest(key, known)
                                        .map(k -> "; did you mean '" + k + "'?")
                                        .orElse("")
                                + " (every setting: docs/configuration.md,"
                                + " deploy/pipeline.example.yaml)");
            }
        }
        PipelineConfig c = new PipelineConfig(Configuration.fromMap(flat));
        c.validate();
        return c;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            JsonNode v = e.getValue();
            if (v.isObject()) {
                flatten(key, v, out);
            } else if (v.isArray()) {
                throw new SettingException("setting '" + key + "' must be a single value");
            } else if (!v.isNull()) {
                out.put(key, v.asText());
            }
        }
    }

    /** Reads one option; a value that does not parse fails with the option's key. */
    public <T> T get(ConfigOption<T> option) {
        try {
            return conf.get(option);
        } catch (IllegalArgumentException e) {
            throw new SettingException(
                    "setting '"
                            + option.key()
                            + "' has an invalid value '"
                            + conf.toMap().get(option.key())
                            + "': expected "
                            + OptionText.expectedForm(option)
                            + ". "
                            + OptionText.describe(option),
                    e);
        }
    }

    private String required(ConfigOption<String> option) {
        String v = get(option);
        if (v == null || v.isBlank()) {
            throw new SettingException(
                    "setting '"
                            + option.key()
                            + "' is required ("
                            + OptionText.expectedForm(option)
                            + "): "
                            + OptionText.describe(option));
        }
        return v;
    }

    private void validate() {
        for (ConfigOption<?> o : PipelineOptions.all()) {
            get(o); // parses every value
        }
        positive(PipelineOptions.PARALLELISM);
        positive(PipelineOptions.SOURCE_PARALLELISM);
        positive(PipelineOptions.MAX_PARALLELISM);
        positive(PipelineOptions.RESTART_ATTEMPTS);
        validateRestarts();
        if (get(PipelineOptions.MAX_PARALLELISM) < get(PipelineOptions.PARALLELISM)) {
            throw new SettingException(
                    "setting 'pipeline.max-parallelism' must be >= pipeline.parallelism");
        }
        if (get(PipelineOptions.CHECKPOINT_INTERVAL).toMillis() < 500) {
            throw new SettingException(
                    "setting 'pipeline.checkpoint-interval' must be at least 500ms");
        }
        try {
            ZoneId.of(get(PipelineOptions.ENRICH_TIME_ZONE));
        } catch (DateTimeException e) {
            throw new SettingException("setting 'enrichment.time-zone': " + e.getMessage(), e);
        }
        positive(PipelineOptions.ENRICH_MAX_WAITING);
        positive(PipelineOptions.ROLLUP_MAX_HOURS);
        positive(PipelineOptions.ROLLUP_MAX_USERS);
        if (get(PipelineOptions.ROLLUP_POLL_INTERVAL).toMillis() < 100) {
            throw new SettingException("setting 'rollup.poll-interval' must be at least 100ms");
        }
        if (get(PipelineOptions.WAREHOUSE_APPLY_MEMORY).getMebiBytes() < 1) {
            throw new SettingException(
                    "setting 'warehouse.apply-memory' must be at least 1mb, got "
                            + get(PipelineOptions.WAREHOUSE_APPLY_MEMORY));
        }
        MemorySize chunk = get(PipelineOptions.WAREHOUSE_STAGE_CHUNK);
        if (chunk.getBytes() < 1024 || chunk.getMebiBytes() > 256) {
            throw new SettingException(
                    "setting 'warehouse.stage-chunk-size' must be between 1kb and 256mb, got "
                            + chunk);
        }
        required(PipelineOptions.SOURCE_DATABASE);
        required(PipelineOptions.SOURCE_USER);
        required(PipelineOptions.WAREHOUSE_URL);
        required(PipelineOptions.WAREHOUSE_USER);
        try {
            cdcOptions();
            warehouseConnection();
            gpfdistOptions();
            housekeepingOptions();
        } catch (IllegalArgumentException e) {
            throw new SettingException("setting " + e.getMessage(), e);
        }
    }

    private void validateRestarts() {
        Duration initial = get(PipelineOptions.RESTART_DELAY);
        Duration max = get(PipelineOptions.RESTART_MAX_DELAY);
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new SettingException(
                    "settings 'pipeline.restart.initial-delay' ("
                            + initial
                            + ") must be positive and at most 'pipeline.restart.max-delay' ("
                            + max
                            + ")");
        }
        if (get(PipelineOptions.RESTART_DELAY_MULTIPLIER) < 1.0) {
            throw new SettingException(
                    "setting 'pipeline.restart.delay-multiplier' must be at least 1.0");
        }
        Duration reset = get(PipelineOptions.RESTART_RESET_AFTER);
        if (reset.isNegative() || reset.isZero()) {
            throw new SettingException(
                    "setting 'pipeline.restart.reset-after' must be positive, got " + reset);
        }
    }

    private void positive(ConfigOption<Integer> option) {
        if (get(option) < 1) {
            throw new SettingException(
                    "setting '" + option.key() + "' must be positive, got " + get(option));
        }
    }

    public PostgresCdcOptions cdcOptions() {
        return PostgresCdcOptions.builder()
                .host(get(PipelineOptions.SOURCE_HOST))
                .port(get(PipelineOptions.SOURCE_PORT))
                .database(get(PipelineOptions.SOURCE_DATABASE))
                .user(get(PipelineOptions.SOURCE_USER))
                .passwordEnvVar(get(PipelineOptions.SOURCE_PASSWORD_ENV))
                .slotName(get(PipelineOptions.SOURCE_SLOT))
                .publicationName(get(PipelineOptions.SOURCE_PUBLICATION))
                .createPublication(get(PipelineOptions.SOURCE_CREATE_PUBLICATION))
                .tables(
                        List.of(
                                get(PipelineOptions.SOURCE_USERS_TABLE),
                                get(PipelineOptions.SOURCE_REQUESTS_TABLE)))
                .startupMode(get(PipelineOptions.SOURCE_STARTUP_MODE))
                .splitSize(get(PipelineOptions.SOURCE_SPLIT_SIZE))
                .fetchSize(get(PipelineOptions.SOURCE_FETCH_SIZE))
                .skipSnapshotBackfill(get(PipelineOptions.SOURCE_SKIP_BACKFILL))
                .heartbeatInterval(get(PipelineOptions.SOURCE_HEARTBEAT_INTERVAL))
                .heartbeatTable(get(PipelineOptions.SOURCE_HEARTBEAT_TABLE))
                .requireReplicaIdentityFull(get(PipelineOptions.SOURCE_REQUIRE_FULL_IDENTITY))
                .build();
    }

    /** The writers' gpfdist endpoints, from the {@code warehouse.gpfdist.*} settings. */
    public GpfdistLoaderOptions gpfdistOptions() {
        String range = get(PipelineOptions.WAREHOUSE_GPFDIST_PORTS).trim();
        int first;
        int last;
        try {
            int dash = range.indexOf('-');
            first = Integer.parseInt(dash < 0 ? range : range.substring(0, dash).trim());
            last = dash < 0 ? first : Integer.parseInt(range.substring(dash + 1).trim());
        } catch (NumberFormatException e) {
            throw new SettingException(
                    "'warehouse.gpfdist.port-range' must be a port or first-last, got '"
                            + range
                            + "'");
        }
        try {
            return GpfdistLoaderOptions.builder()
                    .bindAddress(get(PipelineOptions.WAREHOUSE_GPFDIST_BIND))
                    .advertisedHost(get(PipelineOptions.WAREHOUSE_GPFDIST_HOST))
                    .portRange(first, last)
                    .blockBytes((int) get(PipelineOptions.WAREHOUSE_GPFDIST_BLOCK).getBytes())
                    .maxConnectionsPerPeer(get(PipelineOptions.WAREHOUSE_GPFDIST_MAX_PER_PEER))
                    .requestHeadTimeout(get(PipelineOptions.WAREHOUSE_GPFDIST_HEAD_TIMEOUT))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new SettingException("'warehouse.gpfdist.*': " + e.getMessage(), e);
        }
    }

    public HousekeepingOptions housekeepingOptions() {
        try {
            return HousekeepingOptions.builder()
                    .enabled(get(PipelineOptions.WAREHOUSE_HOUSEKEEPING))
                    .vacuumEveryApplies(get(PipelineOptions.WAREHOUSE_VACUUM_EVERY))
                    .vacuumAfterRows(get(PipelineOptions.WAREHOUSE_VACUUM_ROWS))
                    .analyzeEveryApplies(get(PipelineOptions.WAREHOUSE_ANALYZE_EVERY))
                    .analyzeChangedFraction(get(PipelineOptions.WAREHOUSE_ANALYZE_FRACTION))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new SettingException("'warehouse.housekeeping.*': " + e.getMessage(), e);
        }
    }

    public WarehouseConnectionOptions warehouseConnection() {
        return new WarehouseConnectionOptions(
                get(PipelineOptions.WAREHOUSE_URL),
                get(PipelineOptions.WAREHOUSE_USER),
                get(PipelineOptions.WAREHOUSE_PASSWORD_ENV));
    }

    public EnrichmentSettings enrichment() {
        return new EnrichmentSettings(
                get(PipelineOptions.ENRICH_MAX_WAIT),
                get(PipelineOptions.ENRICH_MAX_WAITING),
                get(PipelineOptions.ENRICH_REPAIR_RETENTION),
                ZoneId.of(get(PipelineOptions.ENRICH_TIME_ZONE)));
    }

    /** The settings as key/value pairs (no secrets ever live here). */
    public Map<String, String> toMap() {
        return conf.toMap();
    }
}
