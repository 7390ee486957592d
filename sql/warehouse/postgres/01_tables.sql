-- Warehouse tables on PostgreSQL (the embedded default), in the schema warehouse.schema names. The
-- jobs fill it in, and so does `./pg2gp sql postgres --schema <schema>`, which renders these
-- tables, the rollup tables and the dashboard views for psql (this file holds a placeholder).
-- Keep in step with WarehouseTables.java (a test compares them).

CREATE TABLE IF NOT EXISTS {{schema}}.requests_analytical (
    id                uuid PRIMARY KEY,
    user_id           uuid,
    query             text,
    response          jsonb,
    model             text,
    tokens_used       integer,
    execution_time_ms integer,
    status            text,
    created_at        timestamptz,
    -- the user's attributes as of the request (users_dim holds the current ones)
    user_email        text,
    user_role         text,
    -- computed, as in the seed
    agent_used        text,
    query_type        text,
    hour_of_day       integer,
    day_of_week       integer,
    is_weekend        boolean,
    created_date      date,
    -- CDC metadata
    _cdc_lsn          bigint NOT NULL,
    _cdc_op           char(1) NOT NULL,
    _cdc_committed_at timestamptz,
    _synced_at        timestamptz NOT NULL DEFAULT now(),
    _deleted          boolean NOT NULL DEFAULT false
);
-- The rollup job recomputes hours by created_at range (Greenplum prunes partitions instead).
CREATE INDEX IF NOT EXISTS requests_analytical_created_at ON {{schema}}.requests_analytical (created_at);
-- No index by user here: each secondary index costs about a quarter of the apply's insert time
-- (a (user_id, created_at) index: 1M-row snapshot apply 10.0 s without, 13.2 s with). The feature
-- store (sql/features/) does read the fact table by user and creates that index itself.
-- Add the indexes your own queries need.

CREATE TABLE IF NOT EXISTS {{schema}}.users_dim (
    id                uuid PRIMARY KEY,
    email             text,
    role              text,
    registered_at     timestamptz,
    _cdc_lsn          bigint NOT NULL,
    _cdc_op           char(1) NOT NULL,
    _cdc_committed_at timestamptz,
    _synced_at        timestamptz NOT NULL DEFAULT now(),
    _deleted          boolean NOT NULL DEFAULT false
);
