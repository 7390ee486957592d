-- A least-privilege role for the pipeline (run as a superuser; set the password yourself and give
-- it to the pipeline through the PG2GP_SOURCE_PASSWORD environment variable).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pg2gp_cdc') THEN
        CREATE ROLE pg2gp_cdc WITH LOGIN REPLICATION;
    END IF;
END
$$;
GRANT SELECT ON public.users, public.requests, public.pg2gp_heartbeat TO pg2gp_cdc;
GRANT UPDATE ON public.pg2gp_heartbeat TO pg2gp_cdc;
