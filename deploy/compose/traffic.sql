-- Demo traffic for docker-compose.yml, run by pgbench against the source: a new request, the
-- completion of an older pending one, now and then a new user and a delete. Shaped like the seed.
\set r random(1, 100)
BEGIN;
INSERT INTO public.users (id, email, role, registered_at)
  SELECT gen_random_uuid(), 'user' || floor(random() * 1e9)::bigint || '@example.com',
         (ARRAY['Developer', 'Analyst', 'Support', 'QA'])[1 + floor(random() * 4)::int], now()
  WHERE :r <= 3 OR NOT EXISTS (SELECT 1 FROM public.users);
INSERT INTO public.requests (id, user_id, query, status, created_at)
  SELECT gen_random_uuid(), id, 'question ' || floor(random() * 1e6)::int, 'pending', now()
  FROM public.users ORDER BY random() LIMIT 1;
UPDATE public.requests SET
    response = jsonb_build_object('agent_used',
        (ARRAY['code-agent', 'sql-agent', 'docs-agent', 'support-agent'])[1 + floor(random() * 4)::int],
        'query_type', 'chat', 'text', 'answer'),
    tokens_used = 50 + floor(random() * 2000)::int,
    execution_time_ms = 100 + floor(random() * 8000)::int,
    status = CASE WHEN random() < 0.05 THEN 'error' ELSE 'success' END
  WHERE id = (SELECT id FROM public.requests WHERE status = 'pending' ORDER BY created_at LIMIT 1);
DELETE FROM public.requests
  WHERE :r = 100 AND id = (SELECT id FROM public.requests ORDER BY random() LIMIT 1);
COMMIT;
