-- Source (OLTP) schema, after the seed analysis: users and their AI requests.
-- PostgreSQL 15+, wal_level=logical.

CREATE TABLE IF NOT EXISTS public.users (
    id            uuid PRIMARY KEY,
    email         text,
    role          text,
    registered_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS public.requests (
    id                uuid PRIMARY KEY,
    user_id           uuid REFERENCES public.users (id),
    query             text,
    response          jsonb,
    model             text,
    tokens_used       integer,
    execution_time_ms integer,
    status            text,
    created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS idx_requests_user_created ON public.requests (user_id, created_at);
CREATE INDEX IF NOT EXISTS idx_requests_created_at ON public.requests (created_at);

-- Full before images: deletes carry every column, and an UPDATE that leaves a large (TOASTed)
-- response untouched can still be written whole.
ALTER TABLE public.users REPLICA IDENTITY FULL;
ALTER TABLE public.requests REPLICA IDENTITY FULL;

-- Updated by the CDC source's heartbeat so an idle publication still advances the slot.
CREATE TABLE IF NOT EXISTS public.pg2gp_heartbeat (
    id      integer PRIMARY KEY,
    beat_at timestamptz NOT NULL
);
INSERT INTO public.pg2gp_heartbeat (id, beat_at)
SELECT 1, now() WHERE NOT EXISTS (SELECT 1 FROM public.pg2gp_heartbeat);
