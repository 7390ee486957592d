package io.pg2gp.jobs.ingest.enrich;

import java.io.Serializable;
import java.time.Duration;
import java.time.ZoneId;

/**
 * Bounds of the enrichment.
 *
 * @param maxWait how long a request waits for its unknown user before it is written without user
 *     fields (and repaired later)
 * @param maxWaitingPerUser how many changes may wait for one user before they are written
 * @param repairRetention how long a request written without user fields is remembered for repair
 * @param zone time zone of hour_of_day, day_of_week, is_weekend, created_date
 */
public record EnrichmentSettings(
        Duration maxWait, int maxWaitingPerUser, Duration repairRetention, ZoneId zone)
        implements Serializable {}
