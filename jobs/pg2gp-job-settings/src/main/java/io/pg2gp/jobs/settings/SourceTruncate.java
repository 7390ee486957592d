package io.pg2gp.jobs.settings;

/**
 * The values of {@code source.truncate}. Kept apart from the CDC connector's {@code
 * TruncateHandling} for the same reason as {@link SourceStartupMode}; the ingest job maps it.
 */
public enum SourceTruncate {
    IGNORE,
    FAIL
}
