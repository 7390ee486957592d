-- The seed's executive dashboard answered from the rollups (kept current by the rollup job)
-- instead of from the fact table, in the schema warehouse.schema names (the rollup job creates
-- these views; `./pg2gp sql <greenplum|postgres> --schema <schema>` renders them for psql). Day
-- boundaries are UTC.

-- 1. Daily active users (exact: a user counts once per day however many hours it was active).
CREATE OR REPLACE VIEW {{schema}}.dashboard_daily_active_users AS
SELECT (hour AT TIME ZONE 'UTC')::date AS day, count(DISTINCT user_id) AS active_users
FROM {{schema}}.rollup_hourly_user_activity
GROUP BY 1;

-- 2. Users by usage over the last 30 days (ORDER BY requests DESC LIMIT 20 for the top 20).
CREATE OR REPLACE VIEW {{schema}}.dashboard_user_usage_30d AS
SELECT user_id, sum(requests) AS requests, sum(total_tokens) AS total_tokens
FROM {{schema}}.rollup_hourly_user_activity
WHERE hour >= date_trunc('hour', now()) - interval '30 days'
GROUP BY user_id;

-- 3. AI agent usage distribution over the last 30 days (exact average latency).
CREATE OR REPLACE VIEW {{schema}}.dashboard_agent_usage_30d AS
SELECT agent,
       sum(requests_count) AS requests,
       sum(sum_latency_ms)::numeric / nullif(sum(latency_samples), 0) AS avg_latency
FROM {{schema}}.rollup_hourly_agent_stats
WHERE hour >= date_trunc('hour', now()) - interval '30 days'
GROUP BY agent;

-- 5. Performance per agent and hour (the seed's endpoint performance; p95 per hour is exact,
--    a p95 over several hours cannot be derived from hourly p95s and is not offered).
CREATE OR REPLACE VIEW {{schema}}.dashboard_agent_performance AS
SELECT hour, agent, requests_count, avg_execution_time, p95_latency
FROM {{schema}}.rollup_hourly_agent_stats;

-- 6. Errors per day: requests with status 'error' and the users they affected.
CREATE OR REPLACE VIEW {{schema}}.dashboard_errors_daily AS
SELECT (hour AT TIME ZONE 'UTC')::date AS day,
       sum(errors) AS errors,
       count(DISTINCT CASE WHEN errors > 0 THEN user_id END) AS affected_users
FROM {{schema}}.rollup_hourly_user_activity
GROUP BY 1;
