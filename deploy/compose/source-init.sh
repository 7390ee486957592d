#!/bin/sh
# First start of the compose source database: the seed schema, the publication and the pipeline's
# replication role, with the password from the environment.
set -e
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d app -f /pg2gp/sql/source/01_schema.sql
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d app -f /pg2gp/sql/source/02_publication.sql
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d app \
  -c "CREATE ROLE pg2gp LOGIN REPLICATION PASSWORD '$PG2GP_SOURCE_PASSWORD'" \
  -c "GRANT SELECT ON ALL TABLES IN SCHEMA public TO pg2gp" \
  -c "GRANT UPDATE ON public.pg2gp_heartbeat TO pg2gp"
