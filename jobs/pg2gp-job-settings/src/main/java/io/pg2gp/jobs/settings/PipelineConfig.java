package io.pg2gp.jobs.settings;

import io.pg2gp.connector.warehouse.GpfdistLoaderOptions;
import io.pg2gp.connector.warehouse.HousekeepingOptions;
import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;

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
import java.util.regex.Pattern;

/**
 * The pipeline's settings: one YAML file plus {@code key=value} overrides, checked at start-up so a
 * bad setting fails with a message that names it. Passwords are never settings: only the names of
 * the environment variables that hold them.
 */
public final class PipelineConfig {

    private static final Pattern SLOT = Pattern.compile("[a-z0-9_]{1,63}");
    private static final Pattern TABLE = Pattern.compile("[a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*");

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
        for (ConfigOption<?> o : Pg2gpOptions.all()) {
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
        for (ConfigOption<?> o : Pg2gpOptions.all()) {
            get(o); // parses every value
        }
        positive(Pg2gpOptions.PARALLELISM);
        positive(Pg2gpOptions.SOURCE_PARALLELISM);
        positive(Pg2gpOptions.MAX_PARALLELISM);
        positive(Pg2gpOptions.RESTART_ATTEMPTS);
        validateRestarts();
        if (get(Pg2gpOptions.MAX_PARALLELISM) < get(Pg2gpOptions.PARALLELISM)) {
            throw new SettingException(
                    "setting 'pipeline.max-parallelism' must be >= pipeline.parallelism");
        }
        if (get(Pg2gpOptions.CHECKPOINT_INTERVAL).toMillis() < 500) {
            throw new SettingException(
                    "setting 'pipeline.checkpoint-interval' must be at least 500ms");
        }
        try {
            ZoneId.of(get(Pg2gpOptions.ENRICH_TIME_ZONE));
        } catch (DateTimeException e) {
            throw new SettingException("setting 'enrichment.time-zone': " + e.getMessage(), e);
        }
        positive(Pg2gpOptions.ENRICH_MAX_WAITING);
        positive(Pg2gpOptions.ROLLUP_MAX_HOURS);
        positive(Pg2gpOptions.ROLLUP_MAX_USERS);
        if (get(Pg2gpOptions.ROLLUP_POLL_INTERVAL).toMillis() < 100) {
            throw new SettingException("setting 'rollup.poll-interval' must be at least 100ms");
        }
        if (get(Pg2gpOptions.WAREHOUSE_APPLY_MEMORY).getMebiBytes() < 1) {
            throw new SettingException(
                    "setting 'warehouse.apply-memory' must be at least 1mb, got "
                            + get(Pg2gpOptions.WAREHOUSE_APPLY_MEMORY));
        }
        MemorySize chunk = get(Pg2gpOptions.WAREHOUSE_STAGE_CHUNK);
        if (chunk.getBytes() < 1024 || chunk.getMebiBytes() > 256) {
            throw new SettingException(
                    "setting 'warehouse.stage-chunk-size' must be between 1kb and 256mb, got "
                            + chunk);
        }
        required(Pg2gpOptions.SOURCE_DATABASE);
        required(Pg2gpOptions.SOURCE_USER);
        required(Pg2gpOptions.WAREHOUSE_URL);
        required(Pg2gpOptions.WAREHOUSE_USER);
        validateSource();
        try {
            warehouseConnection();
            gpfdistOptions();
            housekeepingOptions();
        } catch (IllegalArgumentException e) {
            throw new SettingException("setting " + e.getMessage(), e);
        }
    }

    /**
     * The source settings the CDC connector's options need, checked here with their keys (the
     * settings module does not depend on the CDC connector; the ingest job builds its options).
     */
    private void validateSource() {
        int port = get(Pg2gpOptions.SOURCE_PORT);
        if (port < 1 || port > 65535) {
            throw new SettingException("setting 'source.port' must be 1..65535, got " + port);
        }
        required(Pg2gpOptions.SOURCE_HOST);
        required(Pg2gpOptions.SOURCE_PUBLICATION);
        String slot = get(Pg2gpOptions.SOURCE_SLOT);
        if (slot == null || !SLOT.matcher(slot).matches()) {
            throw new SettingException(
                    "setting 'source.slot-name' '" + slot + "' must match [a-z0-9_]{1,63}");
        }
        for (ConfigOption<String> table :
                List.of(Pg2gpOptions.SOURCE_USERS_TABLE, Pg2gpOptions.SOURCE_REQUESTS_TABLE)) {
            String t = get(table);
            if (t == null || !TABLE.matcher(t).matches()) {
                throw new SettingException(
                        "setting '"
                                + table.key()
                                + "' '"
                                + t
                                + "' must be schema.table in lower case");
            }
        }
        if (get(Pg2gpOptions.SOURCE_SPLIT_SIZE) < 1000) {
            throw new SettingException(
                    "setting 'source.snapshot.split-size' must be >= 1000, got "
                            + get(Pg2gpOptions.SOURCE_SPLIT_SIZE));
        }
        if (get(Pg2gpOptions.SOURCE_FETCH_SIZE) < 100) {
            throw new SettingException(
                    "setting 'source.snapshot.fetch-size' must be >= 100, got "
                            + get(Pg2gpOptions.SOURCE_FETCH_SIZE));
        }
        String heartbeat = get(Pg2gpOptions.SOURCE_HEARTBEAT_TABLE);
        if (heartbeat != null && !TABLE.matcher(heartbeat).matches()) {
            throw new SettingException(
                    "setting 'source.heartbeat.table' '" + heartbeat + "' must be schema.table");
        }
    }

    private void validateRestarts() {
        Duration initial = get(Pg2gpOptions.RESTART_DELAY);
        Duration max = get(Pg2gpOptions.RESTART_MAX_DELAY);
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new SettingException(
                    "settings 'pipeline.restart.initial-delay' ("
                            + initial
                            + ") must be positive and at most 'pipeline.restart.max-delay' ("
                            + max
                            + ")");
        }
        if (get(Pg2gpOptions.RESTART_DELAY_MULTIPLIER) < 1.0) {
            throw new SettingException(
                    "setting 'pipeline.restart.delay-multiplier' must be at least 1.0");
        }
        Duration reset = get(Pg2gpOptions.RESTART_RESET_AFTER);
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

    /** The writers' gpfdist endpoints, from the {@code warehouse.gpfdist.*} settings. */
    public GpfdistLoaderOptions gpfdistOptions() {
        String range = get(Pg2gpOptions.WAREHOUSE_GPFDIST_PORTS).trim();
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
                    .bindAddress(get(Pg2gpOptions.WAREHOUSE_GPFDIST_BIND))
                    .advertisedHost(get(Pg2gpOptions.WAREHOUSE_GPFDIST_HOST))
                    .portRange(first, last)
                    .blockBytes((int) get(Pg2gpOptions.WAREHOUSE_GPFDIST_BLOCK).getBytes())
                    .maxConnectionsPerPeer(get(Pg2gpOptions.WAREHOUSE_GPFDIST_MAX_PER_PEER))
                    .requestHeadTimeout(get(Pg2gpOptions.WAREHOUSE_GPFDIST_HEAD_TIMEOUT))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new SettingException("'warehouse.gpfdist.*': " + e.getMessage(), e);
        }
    }

    public HousekeepingOptions housekeepingOptions() {
        try {
            return HousekeepingOptions.builder()
                    .enabled(get(Pg2gpOptions.WAREHOUSE_HOUSEKEEPING))
                    .vacuumEveryApplies(get(Pg2gpOptions.WAREHOUSE_VACUUM_EVERY))
                    .vacuumAfterRows(get(Pg2gpOptions.WAREHOUSE_VACUUM_ROWS))
                    .analyzeEveryApplies(get(Pg2gpOptions.WAREHOUSE_ANALYZE_EVERY))
                    .analyzeChangedFraction(get(Pg2gpOptions.WAREHOUSE_ANALYZE_FRACTION))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new SettingException("'warehouse.housekeeping.*': " + e.getMessage(), e);
        }
    }

    public WarehouseConnectionOptions warehouseConnection() {
        return new WarehouseConnectionOptions(
                get(Pg2gpOptions.WAREHOUSE_URL),
                get(Pg2gpOptions.WAREHOUSE_USER),
                get(Pg2gpOptions.WAREHOUSE_PASSWORD_ENV));
    }

    /** The settings as key/value pairs (no secrets ever live here). */
    public Map<String, String> toMap() {
        return conf.toMap();
    }
}
