-- The publication the pipeline reads (source.publication, default pg2gp). Pre-created so the
-- pipeline's role needs no table ownership.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'pg2gp') THEN
        CREATE PUBLICATION pg2gp FOR TABLE public.users, public.requests, public.pg2gp_heartbeat;
    END IF;
END
$$;
