-- Hourly activity per user: from it daily active users and the top users of any period are exact
-- (a user active in an hour has a row for that hour; counts add up across hours).
-- Format: see hourly_agent_stats.sql.

CREATE TABLE IF NOT EXISTS {{schema}}.rollup_hourly_user_activity (
    hour            timestamptz NOT NULL,
    user_id         uuid,
    requests        bigint      NOT NULL,
    total_tokens    bigint,
    sum_latency_ms  bigint,
    latency_samples bigint      NOT NULL,
    errors          bigint      NOT NULL,
    slow_requests   bigint      NOT NULL,
    agents_used     text[]
) {{distributed:user_id}};

-- The recompute deletes hours: find them by index, not by scanning the rollup. (GP6 has no
-- CREATE INDEX IF NOT EXISTS; to_regclass exists from PostgreSQL 9.4 on.)
DO $$
BEGIN
    IF to_regclass('{{schema}}.rollup_hourly_user_activity_hour') IS NULL THEN
        CREATE INDEX rollup_hourly_user_activity_hour ON {{schema}}.rollup_hourly_user_activity (hour);
    END IF;
END
$$;

-- @recompute
SELECT date_trunc('hour', created_at) AS hour,
       user_id,
       count(*) AS requests,
       sum(tokens_used) AS total_tokens,
       sum(execution_time_ms) AS sum_latency_ms,
       count(execution_time_ms) AS latency_samples,
       sum(CASE WHEN status = 'error' THEN 1 ELSE 0 END) AS errors,
       sum(CASE WHEN execution_time_ms > 5000 THEN 1 ELSE 0 END) AS slow_requests,
       array_agg(DISTINCT agent_used ORDER BY agent_used) AS agents_used
FROM {{schema}}.requests_analytical
WHERE {{hours}} AND NOT _deleted
GROUP BY 1, 2
