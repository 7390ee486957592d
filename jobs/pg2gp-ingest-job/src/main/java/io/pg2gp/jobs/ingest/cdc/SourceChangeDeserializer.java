package io.pg2gp.jobs.ingest.cdc;

import io.pg2gp.connector.cdc.ChangeMetadata;
import io.pg2gp.connector.cdc.ChangeOp;
import io.pg2gp.connector.cdc.StructFields;
import io.pg2gp.connector.cdc.StructValues;
import io.pg2gp.connector.cdc.TypedChangeDeserializer;
import io.pg2gp.jobs.ingest.model.RequestRow;
import io.pg2gp.jobs.ingest.model.SourceChange;
import io.pg2gp.jobs.ingest.model.SourceChangeWireTypeInfo;
import io.pg2gp.jobs.ingest.model.UserRow;

import org.apache.flink.api.common.typeinfo.TypeInformation;

import org.apache.kafka.connect.data.Field;
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

    private static final String[] USER_FIELDS = {"id", "email", "role", "registered_at"};
    private static final String[] REQUEST_FIELDS = {
        "id",
        "user_id",
        "query",
        "response",
        "model",
        "tokens_used",
        "execution_time_ms",
        "status",
        "created_at"
    };

    private transient StructFields userFields;
    private transient StructFields requestFields;

    private UserRow user(Struct r, Struct before) {
        if (userFields == null) {
            userFields = new StructFields(USER_FIELDS);
        }
        Field[] f = userFields.of(r);
        return new UserRow(
                StructValues.text(r, before, f[0], USER_FIELDS[0]),
                StructValues.text(r, before, f[1], USER_FIELDS[1]),
                StructValues.text(r, before, f[2], USER_FIELDS[2]),
                StructValues.timestampMicros(r, f[3], USER_FIELDS[3]));
    }

    private RequestRow request(Struct r, Struct before) {
        if (requestFields == null) {
            requestFields = new StructFields(REQUEST_FIELDS);
        }
        Field[] f = requestFields.of(r);
        String[] n = REQUEST_FIELDS;
        RequestRow q = new RequestRow();
        q.id = StructValues.text(r, before, f[0], n[0]);
        q.userId = StructValues.text(r, before, f[1], n[1]);
        q.query = StructValues.text(r, before, f[2], n[2]);
        q.response = StructValues.text(r, before, f[3], n[3]);
        q.model = StructValues.text(r, before, f[4], n[4]);
        q.tokensUsed = StructValues.int32(r, f[5], n[5]);
        q.executionTimeMs = StructValues.int32(r, f[6], n[6]);
        q.status = StructValues.text(r, before, f[7], n[7]);
        q.createdAtMicros = StructValues.timestampMicros(r, f[8], n[8]);
        return q;
    }

    @Override
    public TypeInformation<SourceChange> getProducedType() {
        return SourceChangeWireTypeInfo.INSTANCE;
    }
}
