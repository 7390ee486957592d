-- The seed's ML feature store (Use Case 2, ml_features.user_features_v1): per user, over the
-- requests of the last year. The rollup job recomputes the rows of just the users each ingest
-- commit touched (old and new user of every changed request), a bounded group per transaction;
-- the view user_features_v1 serves them with the seed's column names.
--
-- A feature file has four parts:
--   1. the table, keyed by its first column (idempotent DDL; {{schema}}, {{distributed:...}} as in
--      sql/rollups/);
--   2. after "-- @recompute": the SELECT producing the table's rows (in column order) for the
--      users that {{keys}} selects (a predicate on user_id the job fills in: user_id IN (...));
--   3. after "-- @valid": when a stored row is still exact at read time (alias f);
--   4. after "-- @view": the view; {{valid}} is part 3, {{recompute}} is part 2 for the users
--      whose stored row is no longer valid (on PostgreSQL a LATERAL join from those rows, so that
--      a read of one user with a valid row does not touch the fact table).
-- Adding a feature is adding a column to the table (ALTER TABLE on an existing warehouse), to the
-- SELECT and to the view.
--
-- Time-relative features: everything the SELECT computes refers to now() of its transaction. A
-- stored row stays exact until a request it counted leaves a window (1 year, 30 days, 7 days):
-- the @valid test checks exactly that, in the reader's arithmetic; the view computes the few
-- users past it from the fact table at read time, and the job re-sweeps them at every poll.
-- days_since_last_request is derived at read time from last_request_at. Dates, hours and days
-- of week are UTC. Rows dated +-infinity are left out (the seed's query fails on them).

CREATE TABLE IF NOT EXISTS {{schema}}.user_features (
    user_id              uuid        NOT NULL,
    total_requests       bigint      NOT NULL,
    avg_latency          numeric,
    latency_stddev       numeric,
    last_request_at      timestamptz NOT NULL,
    user_lifetime_days   integer,
    active_days          bigint      NOT NULL,
    most_active_hour     integer,
    most_active_day      integer,
    dev_agent_count      bigint      NOT NULL,
    arch_agent_count     bigint      NOT NULL,
    analyst_agent_count  bigint      NOT NULL,
    qa_agent_count       bigint      NOT NULL,
    devops_agent_count   bigint      NOT NULL,
    security_agent_count bigint      NOT NULL,
    docs_agent_count     bigint      NOT NULL,
    support_agent_count  bigint      NOT NULL,
    avg_confidence       double precision,
    error_count          bigint      NOT NULL,
    slow_requests        bigint      NOT NULL,
    recent_queries       text[],
    recent_latencies     integer[],
    requests_last_7d     bigint      NOT NULL,
    requests_last_30d    bigint      NOT NULL,
    -- validity: when computed, the windows' lower bounds then, the oldest request counted in each
    computed_at          timestamptz NOT NULL,
    window_1y_from       timestamptz NOT NULL,
    window_30d_from      timestamptz NOT NULL,
    window_7d_from       timestamptz NOT NULL,
    oldest_request_at    timestamptz NOT NULL,
    oldest_30d_at        timestamptz,
    oldest_7d_at         timestamptz
) {{distributed:user_id}};

DO $$
BEGIN
    IF to_regclass('{{schema}}.user_features_user') IS NULL THEN
        CREATE INDEX user_features_user ON {{schema}}.user_features (user_id);
    END IF;
END
$$;

-- The recompute reads the fact rows of a few users: by this index, not by scanning the year.
-- (Warehouses from before 2026-12-01 may still have requests_analytical_user on the same columns.)
DO $$
BEGIN
    IF to_regclass('{{schema}}.requests_analytical_user') IS NULL
       AND to_regclass('{{schema}}.requests_analytical_user_created') IS NULL THEN
        CREATE INDEX requests_analytical_user_created
            ON {{schema}}.requests_analytical (user_id, created_at);
    END IF;
END
$$;

-- @recompute
SELECT a.user_id, a.total_requests, a.avg_latency, a.latency_stddev, a.last_request_at,
       a.user_lifetime_days, a.active_days, a.most_active_hour, a.most_active_day,
       a.dev_agent_count, a.arch_agent_count, a.analyst_agent_count, a.qa_agent_count,
       a.devops_agent_count, a.security_agent_count, a.docs_agent_count, a.support_agent_count,
       a.avg_confidence, a.error_count, a.slow_requests,
       q.recent_queries, q.recent_latencies,
       a.requests_last_7d, a.requests_last_30d,
       now() AS computed_at,
       now() - interval '1 year' AS window_1y_from,
       now() - interval '30 days' AS window_30d_from,
       now() - interval '7 days' AS window_7d_from,
       a.oldest_request_at, a.oldest_30d_at, a.oldest_7d_at
FROM (
    SELECT user_id,
           count(*) AS total_requests,
           avg(execution_time_ms) AS avg_latency,
           stddev(execution_time_ms) AS latency_stddev,
           max(created_at) AS last_request_at,
           extract(day FROM max(created_at) - min(created_at))::integer AS user_lifetime_days,
           count(DISTINCT (created_at AT TIME ZONE 'UTC')::date) AS active_days,
           (mode() WITHIN GROUP (ORDER BY extract(hour FROM created_at AT TIME ZONE 'UTC')))::integer
               AS most_active_hour,
           (mode() WITHIN GROUP (ORDER BY extract(dow FROM created_at AT TIME ZONE 'UTC')))::integer
               AS most_active_day,
           sum(CASE WHEN response->>'agent_used' = 'Developer' THEN 1 ELSE 0 END) AS dev_agent_count,
           sum(CASE WHEN response->>'agent_used' = 'Architect' THEN 1 ELSE 0 END) AS arch_agent_count,
           sum(CASE WHEN response->>'agent_used' = 'Analyst' THEN 1 ELSE 0 END) AS analyst_agent_count,
           sum(CASE WHEN response->>'agent_used' = 'QA' THEN 1 ELSE 0 END) AS qa_agent_count,
           sum(CASE WHEN response->>'agent_used' = 'DevOps' THEN 1 ELSE 0 END) AS devops_agent_count,
           sum(CASE WHEN response->>'agent_used' = 'Security' THEN 1 ELSE 0 END) AS security_agent_count,
           sum(CASE WHEN response->>'agent_used' = 'Docs' THEN 1 ELSE 0 END) AS docs_agent_count,
           sum(CASE WHEN response->>'agent_used' = 'Support' THEN 1 ELSE 0 END) AS support_agent_count,
           -- a confidence that is no plain number is left out instead of failing every recompute
           avg(CASE WHEN length(response->>'confidence') <= 40
                     AND (response->>'confidence') ~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]{1,2})?\s*$'
                    THEN (response->>'confidence')::double precision END) AS avg_confidence,
           sum(CASE WHEN status = 'error' THEN 1 ELSE 0 END) AS error_count,
           sum(CASE WHEN execution_time_ms > 5000 THEN 1 ELSE 0 END) AS slow_requests,
           sum(CASE WHEN created_at >= now() - interval '7 days' THEN 1 ELSE 0 END) AS requests_last_7d,
           sum(CASE WHEN created_at >= now() - interval '30 days' THEN 1 ELSE 0 END) AS requests_last_30d,
           min(created_at) AS oldest_request_at,
           min(CASE WHEN created_at >= now() - interval '30 days' THEN created_at END) AS oldest_30d_at,
           min(CASE WHEN created_at >= now() - interval '7 days' THEN created_at END) AS oldest_7d_at
    FROM {{schema}}.requests_analytical
    WHERE {{keys}} AND user_id IS NOT NULL AND NOT _deleted AND isfinite(created_at)
      AND created_at >= now() - interval '1 year'
    GROUP BY user_id
) a
LEFT JOIN (
    -- the seed's ARRAY_AGG(... ORDER BY created_at DESC LIMIT 10), which no SQL accepts: the ten
    -- newest by row_number (ties broken by id, so the result is deterministic)
    SELECT user_id,
           array_agg(query ORDER BY created_at DESC, id DESC) AS recent_queries,
           array_agg(execution_time_ms ORDER BY created_at DESC, id DESC) AS recent_latencies
    FROM (
        SELECT user_id, id, query, execution_time_ms, created_at,
               row_number() OVER (PARTITION BY user_id ORDER BY created_at DESC, id DESC) AS recency
        FROM {{schema}}.requests_analytical
        WHERE {{keys}} AND user_id IS NOT NULL AND NOT _deleted AND isfinite(created_at)
          AND created_at >= now() - interval '1 year'
    ) ranked
    WHERE recency <= 10
    GROUP BY user_id
) q ON q.user_id = a.user_id

-- @valid
f.oldest_request_at >= now() - interval '1 year' AND now() - interval '1 year' >= f.window_1y_from
AND (f.oldest_30d_at IS NULL OR f.oldest_30d_at >= now() - interval '30 days')
AND now() - interval '30 days' >= f.window_30d_from
AND (f.oldest_7d_at IS NULL OR f.oldest_7d_at >= now() - interval '7 days')
AND now() - interval '7 days' >= f.window_7d_from

-- @view
CREATE OR REPLACE VIEW {{schema}}.user_features_v1 AS
SELECT user_id, total_requests, avg_latency, latency_stddev,
       extract(day FROM now() - last_request_at)::integer AS days_since_last_request,
       user_lifetime_days, active_days, most_active_hour, most_active_day,
       dev_agent_count, arch_agent_count, analyst_agent_count, qa_agent_count,
       devops_agent_count, security_agent_count, docs_agent_count, support_agent_count,
       avg_confidence, error_count, slow_requests, recent_queries, recent_latencies,
       requests_last_7d, requests_last_30d
FROM (
    SELECT f.* FROM {{schema}}.user_features f WHERE {{valid}}
    UNION ALL
    {{recompute}}
) features
