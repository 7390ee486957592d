package io.pg2gp.jobs.ingest.cdc;

import io.pg2gp.connector.cdc.ChangeMetadata;
import io.pg2gp.connector.cdc.ChangeOp;
import io.pg2gp.connector.cdc.StructValues;
import io.pg2gp.connector.cdc.TypedChangeDeserializer;
import io.pg2gp.jobs.ingest.model.RequestRow;
import io.pg2gp.jobs.ingest.model.SourceChange;
import io.pg2gp.jobs.ingest.model.UserRow;

import org.apache.flink.api.common.typeinfo.TypeInformation;

import org.apache.kafka.connect.data.Struct;

/** Maps Debezium records of {@code users} and {@code requests} to {@link SourceChange}s. */
public final class SourceChangeDeserializer extends TypedChangeDeserializer<SourceChange> {

    private static final long serialVersionUID = 1L;

    private final String usersTable;
    private final String requestsTable;

    /** Table names as {@code schema.table}. */
    public SourceChangeDeserializer(String usersTable, String requestsTable) {
        this.usersTable = usersTable;
        this.requestsTable = requestsTable;
    }

    @Override
    protected SourceChange convert(ChangeMetadata meta, Struct before, Struct after) {
        String table = meta.schema() + "." + meta.table();
        Struct row = meta.op() == ChangeOp.DELETE || after == null ? before : after;
        Struct old = meta.op() == ChangeOp.DELETE ? null : before;
        SourceChange change;
        if (table.equals(requestsTable)) {
            change =
                    SourceChange.ofRequest(
                            meta.op(),
                            meta.lsn(),
                            meta.commitMicros(),
                            row == null ? new RequestRow() : request(row, old));
            if (meta.op() == ChangeOp.UPDATE && old != null) {
                change.previousCreatedAtMicros = StructValues.timestampMicros(old, "created_at");
            }
        } else if (table.equals(usersTable)) {
            change =
                    SourceChange.ofUser(
                            meta.op(),
                            meta.lsn(),
                            meta.commitMicros(),
                            row == null ? new UserRow() : user(row, old));
        } else {
            return null; // the heartbeat table
        }
        change.rawOp = meta.rawOp();
        return change;
    }

    static UserRow user(Struct r, Struct before) {
        return new UserRow(
                StructValues.text(r, before, "id"),
                StructValues.text(r, before, "email"),
                StructValues.text(r, before, "role"),
                StructValues.timestampMicros(r, "registered_at"));
    }

    static RequestRow request(Struct r, Struct before) {
        RequestRow q = new RequestRow();
        q.id = StructValues.text(r, before, "id");
        q.userId = StructValues.text(r, before, "user_id");
        q.query = StructValues.text(r, before, "query");
        q.response = StructValues.text(r, before, "response");
        q.model = StructValues.text(r, before, "model");
        q.tokensUsed = StructValues.int32(r, "tokens_used");
        q.executionTimeMs = StructValues.int32(r, "execution_time_ms");
        q.status = StructValues.text(r, before, "status");
        q.createdAtMicros = StructValues.timestampMicros(r, "created_at");
        return q;
    }

    @Override
    public TypeInformation<SourceChange> getProducedType() {
        return TypeInformation.of(SourceChange.class);
    }
}
