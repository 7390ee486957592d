package io.pg2gp.jobs.rollup;

import io.pg2gp.connector.warehouse.BookkeepingSchema;
import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.connector.warehouse.WarehouseSink;
import io.pg2gp.jobs.ingest.model.EnrichedRequest;
import io.pg2gp.jobs.ingest.sink.RequestRecordSerializer;
import io.pg2gp.jobs.settings.WarehouseTables;

/**
 * For tests that play the ingest job's committer by hand: the bookkeeping objects it writes (the
 * touched hours and keys among them), created the way its start-up creates them, through the sink's
 * public {@link WarehouseSink#prepare()}.
 */
final class IngestBookkeeping {

    static final BookkeepingSchema SCHEMA = new BookkeepingSchema("pg2gp");

    private IngestBookkeeping() {}

    /** Prepares the fact table's sink in {@code warehouse}, whose facts live in schema public. */
    static void prepare(WarehouseConnectionOptions warehouse) {
        WarehouseSink.<EnrichedRequest>builder()
                .connection(warehouse)
                .table(WarehouseTables.requestsAnalytical("public"))
                .serializer(new RequestRecordSerializer())
                .pipelineName("ingest")
                .bookkeepingSchema(SCHEMA.schema())
                .build()
                .prepare();
    }
}
