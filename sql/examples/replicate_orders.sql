-- Replicates the source table public.orders into the warehouse, exactly once per checkpoint:
-- snapshot, then every insert, update and delete (docs/sql-connector.md).
-- The source needs wal_level=logical and, for postgres-cdc's update and delete events,
-- ALTER TABLE public.orders REPLICA IDENTITY FULL; the warehouse password is read from the
-- environment variable PG2GP_WAREHOUSE_PASSWORD where the sink connects (SQL client and
-- TaskManagers). On the local session cluster:
--   deploy/local-cluster/sql-client -f sql/examples/replicate_orders.sql
-- or the whole demo (databases, cluster, this script, changes, comparison): ./pg2gp sql-example

SET 'execution.checkpointing.interval' = '5 s';

CREATE TABLE pg_orders (
  id BIGINT,
  customer STRING,
  amount DECIMAL(12, 2),
  note STRING,
  created_at TIMESTAMP_LTZ(6),
  PRIMARY KEY (id) NOT ENFORCED
) WITH (
  'connector' = 'postgres-cdc',
  'hostname' = '127.0.0.1',
  'port' = '15432',
  'username' = 'pg2gp',
  'password' = 'pg2gp',
  'database-name' = 'app',
  'schema-name' = 'public',
  'table-name' = 'orders',
  'slot.name' = 'orders_sql',
  'decoding.plugin.name' = 'pgoutput'
);

CREATE TABLE gp_orders (
  id BIGINT,
  customer STRING,
  amount DECIMAL(12, 2),
  note STRING,
  created_at TIMESTAMP_LTZ(6),
  PRIMARY KEY (id) NOT ENFORCED
) WITH (
  'connector' = 'greenplum',
  'url' = 'jdbc:postgresql://127.0.0.1:15433/warehouse',
  'table-name' = 'public.orders',
  'username' = 'pg2gp',
  'password-env' = 'PG2GP_WAREHOUSE_PASSWORD',
  'sink.create-table' = 'true'
);

INSERT INTO gp_orders SELECT * FROM pg_orders;
