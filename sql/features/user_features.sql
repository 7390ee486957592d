-- The seed's ML feature store (Use Case 2, ml_features.user_features_v1): per user, over the
-- requests of the last year. The rollup job keeps two tables:
--   user_feature_days  per (user, UTC day): the day's requests in additive form (counts, sums,
--                      sums of squares, first/last timestamps, per-hour counts, ...);
--   user_features      per user: the features, merged from at most 366 day rows.
-- After each ingest commit it recomputes the day rows of the (user, day) pairs the commit can have
-- changed (its touched users x the days of its touched hours: a superset of the changed pairs;
-- recomputing an unchanged pair writes the same row), then the feature rows of those users; the
-- view user_features_v1 serves them with the seed's column names.
--
-- A feature file has these parts:
--   1. the tables (idempotent DDL; {{schema}}, {{distributed:...}} as in sql/rollups/); the
--      feature table is keyed by its first column, the day table by its first two (key, day);
--   2. after "-- @days <day table> <fact timestamp column>": the SELECT producing day rows (in
--      column order) from the fact rows {{facts}} selects (a predicate the job fills in: whole
--      users, or users' UTC days as ranges of the timestamp column);
--   3. after "-- @window": the day rows of the users {{keys}} selects that the features merge:
--      stored day rows of whole days, and day rows computed with {{days|<predicate>}} (the @days
--      SELECT over the fact rows of {{keys}} and the predicate) for a partial day;
--   4. after "-- @recompute": the SELECT producing the feature rows of the users {{keys}} selects,
--      from {{window}} (part 3) and the fact table;
--   5. optionally, after "-- @since": per key of {{keys}}, the oldest fact row part 4 reads by
--      time (key, timestamp), from {{window}}; part 4 joins it as {{since_by_key}} and filters with
--      "created_at >= {{since}}": a recompute runs min(timestamp) first and puts it there as a
--      constant (Greenplum's planner leaves out the partitions before a constant, but reads them
--      all for a bound a join finds while running); elsewhere {{since}} is -infinity;
--   6. after "-- @valid": when a stored row is still exact at read time (alias f);
--   7. after "-- @view": the view; {{valid}} is part 6, {{recompute}} is part 4 for the users whose
--      stored row is no longer valid (on PostgreSQL a LATERAL join from those rows, so that a read
--      of one user with a valid row touches neither the facts nor the day rows).
-- Adding a feature is adding its additive parts to the day table and its SELECT (if the existing
-- ones do not hold it), its merge to the @recompute SELECT and a column to the feature table and
-- the view (ALTER TABLE on an existing warehouse, then ./pg2gp backfill).
--
-- Time-relative features: everything the SELECT computes refers to now() of its transaction. The
-- 1-year window starts inside a day: its whole days come from the day table, its first, partial
-- day from the facts (by the (user_id, created_at) index: a few rows); likewise the first partial
-- days of the 30-day and 7-day windows. A stored row stays exact until a request it counted leaves
-- a window: the @valid test checks exactly that, in the reader's arithmetic; the view computes the
-- few users past it at read time, and the job re-sweeps them at every poll (their feature rows
-- only: no day row changes as time passes). days_since_last_request is derived at read time from
-- last_request_at. Dates, hours and days of week are UTC. Rows dated +-infinity are left out (the
-- seed's query fails on them).

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

-- One row per user and UTC day with requests; additive, so any set of days merges exactly.
CREATE TABLE IF NOT EXISTS {{schema}}.user_feature_days (
    user_id              uuid        NOT NULL,
    day                  date        NOT NULL,
    requests             bigint      NOT NULL,
    latency_count        bigint      NOT NULL,
    latency_sum          numeric,
    latency_squares      numeric,
    first_at             timestamptz NOT NULL,
    last_at              timestamptz NOT NULL,
    hour_counts          bigint[]    NOT NULL, -- [1] is 00:00-01:00 UTC
    dev_agent_count      bigint      NOT NULL,
    arch_agent_count     bigint      NOT NULL,
    analyst_agent_count  bigint      NOT NULL,
    qa_agent_count       bigint      NOT NULL,
    devops_agent_count   bigint      NOT NULL,
    security_agent_count bigint      NOT NULL,
    docs_agent_count     bigint      NOT NULL,
    support_agent_count  bigint      NOT NULL,
    confidence_sum       double precision,
    confidence_count     bigint      NOT NULL,
    error_count          bigint      NOT NULL,
    slow_requests        bigint      NOT NULL
) {{distributed:user_id}};

DO $$
BEGIN
    IF to_regclass('{{schema}}.user_feature_days_user_day') IS NULL THEN
        CREATE INDEX user_feature_days_user_day ON {{schema}}.user_feature_days (user_id, day);
    END IF;
END
$$;

-- The recompute reads the fact rows of a few users' days: by this index, not by scanning the year.
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

-- @days user_feature_days created_at
SELECT user_id, (created_at AT TIME ZONE 'UTC')::date AS day,
       count(*) AS requests,
       count(execution_time_ms) AS latency_count,
       sum(execution_time_ms) AS latency_sum,
       sum(execution_time_ms::numeric * execution_time_ms) AS latency_squares,
       min(created_at) AS first_at,
       max(created_at) AS last_at,
       ARRAY[count(CASE WHEN h = 0 THEN 1 END),
              count(CASE WHEN h = 1 THEN 1 END),
              count(CASE WHEN h = 2 THEN 1 END),
              count(CASE WHEN h = 3 THEN 1 END),
              count(CASE WHEN h = 4 THEN 1 END),
              count(CASE WHEN h = 5 THEN 1 END),
              count(CASE WHEN h = 6 THEN 1 END),
              count(CASE WHEN h = 7 THEN 1 END),
              count(CASE WHEN h = 8 THEN 1 END),
              count(CASE WHEN h = 9 THEN 1 END),
              count(CASE WHEN h = 10 THEN 1 END),
              count(CASE WHEN h = 11 THEN 1 END),
              count(CASE WHEN h = 12 THEN 1 END),
              count(CASE WHEN h = 13 THEN 1 END),
              count(CASE WHEN h = 14 THEN 1 END),
              count(CASE WHEN h = 15 THEN 1 END),
              count(CASE WHEN h = 16 THEN 1 END),
              count(CASE WHEN h = 17 THEN 1 END),
              count(CASE WHEN h = 18 THEN 1 END),
              count(CASE WHEN h = 19 THEN 1 END),
              count(CASE WHEN h = 20 THEN 1 END),
              count(CASE WHEN h = 21 THEN 1 END),
              count(CASE WHEN h = 22 THEN 1 END),
              count(CASE WHEN h = 23 THEN 1 END)] AS hour_counts,
       count(CASE WHEN agent = 'Developer' THEN 1 END) AS dev_agent_count,
       count(CASE WHEN agent = 'Architect' THEN 1 END) AS arch_agent_count,
       count(CASE WHEN agent = 'Analyst' THEN 1 END) AS analyst_agent_count,
       count(CASE WHEN agent = 'QA' THEN 1 END) AS qa_agent_count,
       count(CASE WHEN agent = 'DevOps' THEN 1 END) AS devops_agent_count,
       count(CASE WHEN agent = 'Security' THEN 1 END) AS security_agent_count,
       count(CASE WHEN agent = 'Docs' THEN 1 END) AS docs_agent_count,
       count(CASE WHEN agent = 'Support' THEN 1 END) AS support_agent_count,
       sum(confidence) AS confidence_sum,
       count(confidence) AS confidence_count,
       count(CASE WHEN status = 'error' THEN 1 END) AS error_count,
       count(CASE WHEN execution_time_ms > 5000 THEN 1 END) AS slow_requests
FROM (
    SELECT user_id, created_at, execution_time_ms, status, response->>'agent_used' AS agent,
           extract(hour FROM created_at AT TIME ZONE 'UTC')::integer AS h,
           -- a confidence that is no plain number is left out instead of failing every recompute
           CASE WHEN length(response->>'confidence') <= 40
                 AND (response->>'confidence') ~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]{1,2})?\s*$'
                THEN (response->>'confidence')::double precision END AS confidence
    FROM {{schema}}.requests_analytical
    WHERE ({{facts}}) AND user_id IS NOT NULL AND NOT _deleted AND isfinite(created_at)
) r
GROUP BY user_id, (created_at AT TIME ZONE 'UTC')::date

-- @window
-- the whole days after the one the year starts in, from the day table; that day's part inside
-- the year from the facts
SELECT d.* FROM {{schema}}.user_feature_days d
WHERE {{keys}} AND d.day > ((now() - interval '1 year') AT TIME ZONE 'UTC')::date
UNION ALL
{{days|created_at >= now() - interval '1 year' AND created_at < ((((now() - interval '1 year') AT TIME ZONE 'UTC')::date + 1)::timestamp AT TIME ZONE 'UTC')}}

-- @recompute
SELECT a.user_id, a.total_requests, a.avg_latency, a.latency_stddev, a.last_request_at,
       a.user_lifetime_days, a.active_days,
       -- the seed's MODE() WITHIN GROUP: the most frequent value, the smallest of a tie
       CASE greatest(a.hours[1], a.hours[2], a.hours[3], a.hours[4], a.hours[5], a.hours[6], a.hours[7], a.hours[8], a.hours[9], a.hours[10], a.hours[11], a.hours[12], a.hours[13], a.hours[14], a.hours[15], a.hours[16], a.hours[17], a.hours[18], a.hours[19], a.hours[20], a.hours[21], a.hours[22], a.hours[23], a.hours[24])
           WHEN a.hours[1] THEN 0 WHEN a.hours[2] THEN 1 WHEN a.hours[3] THEN 2 WHEN a.hours[4] THEN 3 WHEN a.hours[5] THEN 4 WHEN a.hours[6] THEN 5 WHEN a.hours[7] THEN 6 WHEN a.hours[8] THEN 7 WHEN a.hours[9] THEN 8 WHEN a.hours[10] THEN 9 WHEN a.hours[11] THEN 10 WHEN a.hours[12] THEN 11 WHEN a.hours[13] THEN 12 WHEN a.hours[14] THEN 13 WHEN a.hours[15] THEN 14 WHEN a.hours[16] THEN 15 WHEN a.hours[17] THEN 16 WHEN a.hours[18] THEN 17 WHEN a.hours[19] THEN 18 WHEN a.hours[20] THEN 19 WHEN a.hours[21] THEN 20 WHEN a.hours[22] THEN 21 WHEN a.hours[23] THEN 22 WHEN a.hours[24] THEN 23 END AS most_active_hour,
       CASE greatest(a.dows[1], a.dows[2], a.dows[3], a.dows[4], a.dows[5], a.dows[6], a.dows[7])
           WHEN a.dows[1] THEN 0 WHEN a.dows[2] THEN 1 WHEN a.dows[3] THEN 2 WHEN a.dows[4] THEN 3 WHEN a.dows[5] THEN 4 WHEN a.dows[6] THEN 5 WHEN a.dows[7] THEN 6 END AS most_active_day,
       a.dev_agent_count, a.arch_agent_count, a.analyst_agent_count, a.qa_agent_count, a.devops_agent_count, a.security_agent_count, a.docs_agent_count, a.support_agent_count,
       a.avg_confidence, a.error_count, a.slow_requests,
       q.recent_queries, q.recent_latencies,
       (a.requests_last_7d + coalesce(e.requests_7d, 0))::bigint AS requests_last_7d,
       (a.requests_last_30d + coalesce(e.requests_30d, 0))::bigint AS requests_last_30d,
       now() AS computed_at,
       now() - interval '1 year' AS window_1y_from,
       now() - interval '30 days' AS window_30d_from,
       now() - interval '7 days' AS window_7d_from,
       a.oldest_request_at,
       least(a.oldest_30d_at, e.oldest_30d_at) AS oldest_30d_at,
       least(a.oldest_7d_at, e.oldest_7d_at) AS oldest_7d_at
FROM (
    SELECT w.user_id,
           sum(w.requests)::bigint AS total_requests,
           -- avg(integer) and stddev(integer) as PostgreSQL computes them, from the day sums
           CASE WHEN sum(w.latency_count) > 0
                THEN sum(w.latency_sum) / sum(w.latency_count) END AS avg_latency,
           CASE WHEN sum(w.latency_count) <= 1 THEN NULL
                WHEN sum(w.latency_count) * sum(w.latency_squares) - sum(w.latency_sum) * sum(w.latency_sum) <= 0 THEN 0
                ELSE sqrt((sum(w.latency_count) * sum(w.latency_squares) - sum(w.latency_sum) * sum(w.latency_sum))
                          / (sum(w.latency_count)::numeric * (sum(w.latency_count) - 1))) END AS latency_stddev,
           max(w.last_at) AS last_request_at,
           extract(day FROM max(w.last_at) - min(w.first_at))::integer AS user_lifetime_days,
           count(*) AS active_days,
           -- requests per hour of day and per day of week, for the modes
           ARRAY[sum(w.hour_counts[1]),
                 sum(w.hour_counts[2]),
                 sum(w.hour_counts[3]),
                 sum(w.hour_counts[4]),
                 sum(w.hour_counts[5]),
                 sum(w.hour_counts[6]),
                 sum(w.hour_counts[7]),
                 sum(w.hour_counts[8]),
                 sum(w.hour_counts[9]),
                 sum(w.hour_counts[10]),
                 sum(w.hour_counts[11]),
                 sum(w.hour_counts[12]),
                 sum(w.hour_counts[13]),
                 sum(w.hour_counts[14]),
                 sum(w.hour_counts[15]),
                 sum(w.hour_counts[16]),
                 sum(w.hour_counts[17]),
                 sum(w.hour_counts[18]),
                 sum(w.hour_counts[19]),
                 sum(w.hour_counts[20]),
                 sum(w.hour_counts[21]),
                 sum(w.hour_counts[22]),
                 sum(w.hour_counts[23]),
                 sum(w.hour_counts[24])] AS hours,
           ARRAY[sum(CASE WHEN extract(dow FROM w.day) = 0 THEN w.requests ELSE 0 END),
                 sum(CASE WHEN extract(dow FROM w.day) = 1 THEN w.requests ELSE 0 END),
                 sum(CASE WHEN extract(dow FROM w.day) = 2 THEN w.requests ELSE 0 END),
                 sum(CASE WHEN extract(dow FROM w.day) = 3 THEN w.requests ELSE 0 END),
                 sum(CASE WHEN extract(dow FROM w.day) = 4 THEN w.requests ELSE 0 END),
                 sum(CASE WHEN extract(dow FROM w.day) = 5 THEN w.requests ELSE 0 END),
                 sum(CASE WHEN extract(dow FROM w.day) = 6 THEN w.requests ELSE 0 END)] AS dows,
           sum(w.dev_agent_count)::bigint AS dev_agent_count,
           sum(w.arch_agent_count)::bigint AS arch_agent_count,
           sum(w.analyst_agent_count)::bigint AS analyst_agent_count,
           sum(w.qa_agent_count)::bigint AS qa_agent_count,
           sum(w.devops_agent_count)::bigint AS devops_agent_count,
           sum(w.security_agent_count)::bigint AS security_agent_count,
           sum(w.docs_agent_count)::bigint AS docs_agent_count,
           sum(w.support_agent_count)::bigint AS support_agent_count,
           CASE WHEN sum(w.confidence_count) > 0
                THEN sum(w.confidence_sum) / sum(w.confidence_count) END AS avg_confidence,
           sum(w.error_count)::bigint AS error_count,
           sum(w.slow_requests)::bigint AS slow_requests,
           -- the whole days of the 7- and 30-day windows (their first, partial days: e below)
           sum(CASE WHEN w.day > ((now() - interval '7 days') AT TIME ZONE 'UTC')::date THEN w.requests ELSE 0 END) AS requests_last_7d,
           sum(CASE WHEN w.day > ((now() - interval '30 days') AT TIME ZONE 'UTC')::date THEN w.requests ELSE 0 END) AS requests_last_30d,
           min(w.first_at) AS oldest_request_at,
           min(CASE WHEN w.day > ((now() - interval '30 days') AT TIME ZONE 'UTC')::date THEN w.first_at END) AS oldest_30d_at,
           min(CASE WHEN w.day > ((now() - interval '7 days') AT TIME ZONE 'UTC')::date THEN w.first_at END) AS oldest_7d_at
    FROM {{window}} w
    GROUP BY w.user_id
) a
LEFT JOIN (
    -- the first, partial days of the 7- and 30-day windows, from the facts
    SELECT user_id,
           count(CASE WHEN created_at >= now() - interval '7 days' AND created_at < ((((now() - interval '7 days') AT TIME ZONE 'UTC')::date + 1)::timestamp AT TIME ZONE 'UTC') THEN 1 END) AS requests_7d,
           count(CASE WHEN created_at >= now() - interval '30 days' AND created_at < ((((now() - interval '30 days') AT TIME ZONE 'UTC')::date + 1)::timestamp AT TIME ZONE 'UTC') THEN 1 END) AS requests_30d,
           min(CASE WHEN created_at >= now() - interval '7 days' AND created_at < ((((now() - interval '7 days') AT TIME ZONE 'UTC')::date + 1)::timestamp AT TIME ZONE 'UTC') THEN created_at END) AS oldest_7d_at,
           min(CASE WHEN created_at >= now() - interval '30 days' AND created_at < ((((now() - interval '30 days') AT TIME ZONE 'UTC')::date + 1)::timestamp AT TIME ZONE 'UTC') THEN created_at END) AS oldest_30d_at
    FROM {{schema}}.requests_analytical
    WHERE {{keys}} AND user_id IS NOT NULL AND NOT _deleted AND isfinite(created_at)
      AND ((created_at >= now() - interval '7 days' AND created_at < ((((now() - interval '7 days') AT TIME ZONE 'UTC')::date + 1)::timestamp AT TIME ZONE 'UTC'))
        OR (created_at >= now() - interval '30 days' AND created_at < ((((now() - interval '30 days') AT TIME ZONE 'UTC')::date + 1)::timestamp AT TIME ZONE 'UTC')))
    GROUP BY user_id
) e ON e.user_id = a.user_id
LEFT JOIN (
    -- the seed's ARRAY_AGG(... ORDER BY created_at DESC LIMIT 10), which no SQL accepts: the ten
    -- newest by row_number (ties broken by id, so the result is deterministic), read from the
    -- facts only from the latest day on which the user has ten newer requests (from the day
    -- rows, the @since section): a few days of rows per user instead of the year. The bound is
    -- joined per user, not a scalar subquery: Greenplum runs an uncorrelated subquery before its
    -- plan starts, for all the users the branch could touch, even when the view reads one valid
    -- stored row.
    SELECT ranked.user_id,
           array_agg(ranked.query ORDER BY ranked.created_at DESC, ranked.id DESC) AS recent_queries,
           array_agg(ranked.execution_time_ms ORDER BY ranked.created_at DESC, ranked.id DESC) AS recent_latencies
    FROM (
        SELECT r.user_id, r.id, r.query, r.execution_time_ms, r.created_at,
               row_number() OVER (PARTITION BY r.user_id ORDER BY r.created_at DESC, r.id DESC) AS recency
        FROM (
            SELECT user_id, id, query, execution_time_ms, created_at
            FROM {{schema}}.requests_analytical
            WHERE {{keys}} AND user_id IS NOT NULL AND NOT _deleted AND isfinite(created_at)
              AND created_at >= now() - interval '1 year' AND created_at >= {{since}}
        ) r
        JOIN {{since_by_key}} cut ON cut.user_id = r.user_id AND r.created_at >= cut.from_at
    ) ranked
    WHERE ranked.recency <= 10
    GROUP BY ranked.user_id
) q ON q.user_id = a.user_id

-- @since
-- per user {{keys}} selects, the oldest fact row of the ten newest requests: the start of the
-- latest day by which the user has ten newer requests (from the day rows); {{since_by_key}} above,
-- and the oldest of them {{since}} (at 1M requests: 3 monthly partitions read instead of 13)
SELECT c.user_id,
       coalesce(max(CASE WHEN c.newer >= 10 THEN c.day END)::timestamp AT TIME ZONE 'UTC', '-infinity') AS from_at
FROM (
    SELECT w.user_id, w.day,
           sum(w.requests) OVER (PARTITION BY w.user_id ORDER BY w.day DESC) AS newer
    FROM {{window}} w
) c
GROUP BY c.user_id

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
