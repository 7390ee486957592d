-- Hourly statistics per AI agent, computed exactly as the seed's scenario 2 computes them over
-- the whole requests table (hour, agent, count, avg and p95 latency, tokens, distinct users).
--
-- A rollup file has two parts: the table (idempotent DDL) and, after the line "-- @recompute",
-- the SELECT that produces the table's rows for the hours selected by {{hours}}, a predicate on
-- created_at with literal bounds that the job fills in. {{schema}} is warehouse.schema and
-- {{distributed:...}} becomes a DISTRIBUTED BY clause on Greenplum. Adding a rollup is adding a
-- file like this one. `./pg2gp sql <greenplum|postgres> --schema <schema>` renders the tables
-- (with the warehouse tables and views) for psql.

CREATE TABLE IF NOT EXISTS {{schema}}.rollup_hourly_agent_stats (
    hour               timestamptz NOT NULL,
    agent              text,
    requests_count     bigint      NOT NULL,
    avg_execution_time numeric,
    total_tokens       bigint,
    unique_users       bigint      NOT NULL,
    p95_latency        double precision,
    -- for exact averages over several hours
    sum_latency_ms     bigint,
    latency_samples    bigint      NOT NULL
) {{distributed:hour}};

-- The recompute deletes hours: find them by index, not by scanning the rollup. (GP6 has no
-- CREATE INDEX IF NOT EXISTS; to_regclass exists from PostgreSQL 9.4 on.)
DO $$
BEGIN
    IF to_regclass('{{schema}}.rollup_hourly_agent_stats_hour') IS NULL THEN
        CREATE INDEX rollup_hourly_agent_stats_hour ON {{schema}}.rollup_hourly_agent_stats (hour);
    END IF;
END
$$;

-- @recompute
SELECT date_trunc('hour', created_at) AS hour,
       agent_used AS agent,
       count(*) AS requests_count,
       avg(execution_time_ms) AS avg_execution_time,
       sum(tokens_used) AS total_tokens,
       count(DISTINCT user_id) AS unique_users,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY execution_time_ms) AS p95_latency,
       sum(execution_time_ms) AS sum_latency_ms,
       count(execution_time_ms) AS latency_samples
FROM {{schema}}.requests_analytical
WHERE {{hours}} AND NOT _deleted
GROUP BY 1, 2
