package io.pg2gp.jobs.settings;

import io.pg2gp.connector.warehouse.ColumnType;
import io.pg2gp.connector.warehouse.WarehouseTable;

/**
 * The warehouse tables of the ingest job. Their DDL is in {@code sql/warehouse/}; a test checks
 * that both agree.
 */
public final class WarehouseTables {

    public static final String REQUESTS = "requests_analytical";
    public static final String USERS = "users_dim";

    private WarehouseTables() {}

    public static WarehouseTable requestsAnalytical(String schema) {
        return WarehouseTable.builder(schema, REQUESTS)
                .column("id", ColumnType.UUID)
                .column("user_id", ColumnType.UUID)
                .column("query", ColumnType.TEXT)
                .column("response", ColumnType.JSONB)
                .column("model", ColumnType.TEXT)
                .column("tokens_used", ColumnType.INT4)
                .column("execution_time_ms", ColumnType.INT4)
                .column("status", ColumnType.TEXT)
                .column("created_at", ColumnType.TIMESTAMPTZ)
                .column("user_email", ColumnType.TEXT)
                .column("user_role", ColumnType.TEXT)
                .column("agent_used", ColumnType.TEXT)
                .column("query_type", ColumnType.TEXT)
                .column("hour_of_day", ColumnType.INT4)
                .column("day_of_week", ColumnType.INT4)
                .column("is_weekend", ColumnType.BOOL)
                .column("created_date", ColumnType.DATE)
                .key("id")
                .hourColumn("created_at")
                .touchedKeyColumn("user_id")
                .distributedBy("user_id")
                .build();
    }

    public static WarehouseTable usersDim(String schema) {
        return WarehouseTable.builder(schema, USERS)
                .column("id", ColumnType.UUID)
                .column("email", ColumnType.TEXT)
                .column("role", ColumnType.TEXT)
                .column("registered_at", ColumnType.TIMESTAMPTZ)
                .key("id")
                .build();
    }
}
