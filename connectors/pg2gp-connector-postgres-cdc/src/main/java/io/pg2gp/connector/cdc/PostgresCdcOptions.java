package io.pg2gp.connector.cdc;

import org.apache.flink.annotation.PublicEvolving;

import org.postgresql.Driver;

import java.io.Serializable;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Pattern;

/** Immutable settings of the PostgreSQL CDC source. Build with {@link #builder()}. */
@PublicEvolving
public final class PostgresCdcOptions implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Pattern SLOT = Pattern.compile("[a-z0-9_]{1,63}");
    private static final Pattern TABLE = Pattern.compile("[a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*");
    public static final String DEFAULT_PASSWORD_ENV = "PG2GP_SOURCE_PASSWORD";

    private final String host;
    private final int port;
    private final String database;
    private final String user;
    private final String passwordEnvVar;
    private final String slotName;
    private final String publicationName;
    private final boolean createPublication;
    private final List<String> tables;
    private final StartupMode startupMode;
    private final int splitSize;
    private final int fetchSize;
    private final boolean skipSnapshotBackfill;
    private final Duration heartbeatInterval;
    private final String heartbeatTable;
    private final boolean requireReplicaIdentityFull;

    private PostgresCdcOptions(Builder b) {
        this.host = require(b.host, "host");
        if (b.port < 1 || b.port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535, got " + b.port);
        }
        this.port = b.port;
        this.database = require(b.database, "database");
        this.user = require(b.user, "user");
        this.passwordEnvVar = b.passwordEnvVar == null ? DEFAULT_PASSWORD_ENV : b.passwordEnvVar;
        if (b.slotName == null || !SLOT.matcher(b.slotName).matches()) {
            throw new IllegalArgumentException(
                    "slotName '" + b.slotName + "' must match [a-z0-9_]{1,63}");
        }
        this.slotName = b.slotName;
        this.publicationName = require(b.publicationName, "publicationName");
        this.createPublication = b.createPublication;
        if (b.tables == null || b.tables.isEmpty()) {
            throw new IllegalArgumentException("no table to capture: name at least one");
        }
        for (String t : b.tables) {
            if (!TABLE.matcher(t).matches()) {
                throw new IllegalArgumentException(
                        "captured table '" + t + "' must be schema.table in lower case");
            }
        }
        this.tables = List.copyOf(b.tables);
        this.startupMode = Objects.requireNonNull(b.startupMode, "startupMode");
        if (b.splitSize < 1000) {
            throw new IllegalArgumentException("splitSize must be >= 1000, got " + b.splitSize);
        }
        this.splitSize = b.splitSize;
        if (b.fetchSize < 100) {
            throw new IllegalArgumentException("fetchSize must be >= 100, got " + b.fetchSize);
        }
        this.fetchSize = b.fetchSize;
        this.skipSnapshotBackfill = b.skipSnapshotBackfill;
        this.heartbeatInterval = Objects.requireNonNull(b.heartbeatInterval);
        if (b.heartbeatTable != null && !TABLE.matcher(b.heartbeatTable).matches()) {
            throw new IllegalArgumentException(
                    "heartbeatTable '" + b.heartbeatTable + "' must be schema.table");
        }
        this.heartbeatTable = b.heartbeatTable;
        this.requireReplicaIdentityFull = b.requireReplicaIdentityFull;
    }

    private static String require(String v, String name) {
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
        return v;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String database() {
        return database;
    }

    public String user() {
        return user;
    }

    public String passwordEnvVar() {
        return passwordEnvVar;
    }

    /** The password from the environment, or empty when the variable is unset. */
    public String password() {
        String p = System.getenv(passwordEnvVar);
        return p == null ? "" : p;
    }

    public String slotName() {
        return slotName;
    }

    public String publicationName() {
        return publicationName;
    }

    public boolean createPublication() {
        return createPublication;
    }

    public List<String> tables() {
        return tables;
    }

    /** Captured tables plus the heartbeat table, if any. */
    public List<String> capturedTables() {
        if (heartbeatTable == null || tables.contains(heartbeatTable)) {
            return tables;
        }
        return java.util.stream.Stream.concat(
                        tables.stream(), java.util.stream.Stream.of(heartbeatTable))
                .toList();
    }

    public StartupMode startupMode() {
        return startupMode;
    }

    public int splitSize() {
        return splitSize;
    }

    public int fetchSize() {
        return fetchSize;
    }

    /**
     * Whether snapshot chunks skip the backfill of changes made while they were read. Skipping
     * saves a temporary replication slot per chunk; changes made during the snapshot then arrive
     * again from the stream (at-least-once), which a sink that keeps the latest version per key by
     * LSN absorbs.
     */
    public boolean skipSnapshotBackfill() {
        return skipSnapshotBackfill;
    }

    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    public String heartbeatTable() {
        return heartbeatTable;
    }

    public boolean requireReplicaIdentityFull() {
        return requireReplicaIdentityFull;
    }

    /**
     * A plain JDBC connection to the source, through pgjdbc's driver itself: {@code DriverManager}
     * does not see a driver that lives in a job jar's child-first class loader.
     */
    public Connection connect(String applicationName) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password());
        p.setProperty("ApplicationName", applicationName);
        p.setProperty("connectTimeout", "10");
        return new Driver().connect(jdbcUrl(), p);
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    @Override
    public String toString() {
        return "PostgresCdcOptions{"
                + user
                + "@"
                + host
                + ":"
                + port
                + "/"
                + database
                + ", slot="
                + slotName
                + ", publication="
                + publicationName
                + ", tables="
                + tables
                + '}';
    }

    /** Builds {@link PostgresCdcOptions}. */
    public static final class Builder {
        private String host = "localhost";
        private int port = 5432;
        private String database;
        private String user;
        private String passwordEnvVar;
        private String slotName = "pg2gp";
        private String publicationName = "pg2gp";
        private boolean createPublication;
        private List<String> tables;
        private StartupMode startupMode = StartupMode.INITIAL;
        private int splitSize = 100_000;
        private int fetchSize = 10_000;
        private boolean skipSnapshotBackfill = true;
        private Duration heartbeatInterval = Duration.ofSeconds(30);
        private String heartbeatTable;
        private boolean requireReplicaIdentityFull = true;

        public Builder host(String v) {
            host = v;
            return this;
        }

        public Builder port(int v) {
            port = v;
            return this;
        }

        public Builder database(String v) {
            database = v;
            return this;
        }

        public Builder user(String v) {
            user = v;
            return this;
        }

        public Builder passwordEnvVar(String v) {
            passwordEnvVar = v;
            return this;
        }

        public Builder slotName(String v) {
            slotName = v;
            return this;
        }

        public Builder publicationName(String v) {
            publicationName = v;
            return this;
        }

        public Builder createPublication(boolean v) {
            createPublication = v;
            return this;
        }

        public Builder tables(List<String> v) {
            tables = v;
            return this;
        }

        public Builder startupMode(StartupMode v) {
            startupMode = v;
            return this;
        }

        public Builder splitSize(int v) {
            splitSize = v;
            return this;
        }

        public Builder skipSnapshotBackfill(boolean v) {
            skipSnapshotBackfill = v;
            return this;
        }

        public Builder fetchSize(int v) {
            fetchSize = v;
            return this;
        }

        public Builder heartbeatInterval(Duration v) {
            heartbeatInterval = v;
            return this;
        }

        public Builder heartbeatTable(String v) {
            heartbeatTable = v;
            return this;
        }

        public Builder requireReplicaIdentityFull(boolean v) {
            requireReplicaIdentityFull = v;
            return this;
        }

        public PostgresCdcOptions build() {
            return new PostgresCdcOptions(this);
        }
    }
}
