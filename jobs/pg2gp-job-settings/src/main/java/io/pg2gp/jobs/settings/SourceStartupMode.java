package io.pg2gp.jobs.settings;

/**
 * The values of {@code source.startup-mode}. The settings module does not depend on the CDC
 * connector (the rollup job ships without it), so the ingest job maps this to the connector's
 * {@code StartupMode}; a test there keeps both enums' constants equal.
 */
public enum SourceStartupMode {
    INITIAL,
    LATEST,
    COMMITTED
}
