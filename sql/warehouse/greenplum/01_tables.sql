-- Warehouse tables on Greenplum 6 and 7. {{schema}} is warehouse.schema.
-- Keep in step with WarehouseTables.java and postgres/01_tables.sql.
--
-- requests_analytical: distributed by user_id (joins with users and per-user rollups stay local),
-- monthly range partitions on created_at with a default partition so early or late rows never
-- fail. Rows are updated while requests complete, so the table is heap: append-optimized tables
-- keep deleted rows until VACUUM and take an exclusive lock per UPDATE/DELETE.
-- No primary key: Greenplum requires it to contain the distribution key, and the pipeline's apply
-- keeps one row per id itself (LSN-guarded delete + insert).

CREATE TABLE IF NOT EXISTS {{schema}}.requests_analytical (
    id                uuid NOT NULL,
    user_id           uuid,
    query             text,
    response          jsonb,
    model             text,
    tokens_used       integer,
    execution_time_ms integer,
    status            text,
    created_at        timestamptz,
    user_email        text,
    user_role         text,
    agent_used        text,
    query_type        text,
    hour_of_day       integer,
    day_of_week       integer,
    is_weekend        boolean,
    created_date      date,
    _cdc_lsn          bigint NOT NULL,
    _cdc_op           char(1) NOT NULL,
    _cdc_committed_at timestamptz,
    _synced_at        timestamptz NOT NULL DEFAULT now(),
    _deleted          boolean NOT NULL DEFAULT false
)
DISTRIBUTED BY (user_id)
PARTITION BY RANGE (created_at)
(
    START ('2024-01-01 00:00:00+00'::timestamptz) END ('2027-01-01 00:00:00+00'::timestamptz)
        EVERY (INTERVAL '1 month'),
    DEFAULT PARTITION other
);
CREATE INDEX requests_analytical_id ON {{schema}}.requests_analytical (id);

CREATE TABLE IF NOT EXISTS {{schema}}.users_dim (
    id                uuid NOT NULL,
    email             text,
    role              text,
    registered_at     timestamptz,
    _cdc_lsn          bigint NOT NULL,
    _cdc_op           char(1) NOT NULL,
    _cdc_committed_at timestamptz,
    _synced_at        timestamptz NOT NULL DEFAULT now(),
    _deleted          boolean NOT NULL DEFAULT false
)
DISTRIBUTED REPLICATED;
