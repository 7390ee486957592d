-- Warehouse tables on Greenplum 6 and 7, in the schema warehouse.schema names. The jobs fill it in,
-- and so does `./pg2gp sql greenplum --schema <schema>`, which renders these tables, the rollup
-- tables and the dashboard views for psql (this file itself holds a placeholder).
-- Keep in step with WarehouseTables.java and postgres/01_tables.sql.
--
-- requests_analytical: distributed by user_id (joins with users and per-user rollups stay local),
-- monthly range partitions on created_at with a default partition so early or late rows never
-- fail. Rows are updated while requests complete, so the table is heap: append-optimized tables
-- keep replaced rows hidden until VACUUM. With the apply's index probes the layout no longer
-- decides apply time (StorageLayoutsOnGreenplum on GP6: AO row/column zstd within 7-15% of heap, a
-- hot heap month with AO column closed months the fastest, AO 4.7-5.6x smaller). Closed months can
-- be exchanged into AO column zstd partitions by an operator (docs/operations.md, Greenplum upkeep).
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
-- The apply finds the versions it replaces by id. GP6 has no CREATE INDEX IF NOT EXISTS: create it
-- only when missing, so the file can run again over an existing warehouse.
DO $$
BEGIN
    IF to_regclass('{{schema}}.requests_analytical_id') IS NULL THEN
        CREATE INDEX requests_analytical_id ON {{schema}}.requests_analytical (id);
    END IF;
END
$$;

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
