package io.pg2gp.jobs.ingest.cdc;

import io.pg2gp.connector.cdc.ChangeMetadata;
import io.pg2gp.connector.cdc.ChangeOp;
import io.pg2gp.connector.cdc.SourceSchemaException;
import io.pg2gp.connector.cdc.StructFields;
import io.pg2gp.connector.cdc.StructValues;
import io.pg2gp.connector.cdc.TypedChangeDeserializer;
import io.pg2gp.jobs.ingest.model.RequestRow;
import io.pg2gp.jobs.ingest.model.SourceChange;
import io.pg2gp.jobs.ingest.model.SourceChangeWireTypeInfo;
import io.pg2gp.jobs.ingest.model.SourceTable;
import io.pg2gp.jobs.ingest.model.UserRow;

import org.apache.flink.api.common.typeinfo.TypeInformation;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Maps Debezium records of {@code users} and {@code requests} to {@link SourceChange}s.
 *
 * <p>Source schema drift: a column the row no longer has (dropped on the source) arrives as NULL,
 * named in {@link SourceChange#missingColumns} (counted downstream, warned about once per schema);
 * columns added on the source are ignored. A missing key column ({@code id}) stops the source with
 * what to do. A change that cannot be converted (a value out of range, an unparsable value) becomes
 * a rejected change for the dead-letter table. An update that left a TOASTed value unchanged and
 * came without a before image is read back from the source by key when a {@link SourceRowReader} is
 * given.
 */
public final class SourceChangeDeserializer extends TypedChangeDeserializer<SourceChange> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SourceChangeDeserializer.class);

    private final String usersTable;
    private final String requestsTable;
    private final SourceRowReader rowReader;

    /** Table names as {@code schema.table}; no read-back (such updates are dead-lettered). */
    public SourceChangeDeserializer(String usersTable, String requestsTable) {
        this(usersTable, requestsTable, null);
    }

    /** As above, reading rows back through {@code rowReader} (may be null). */
    public SourceChangeDeserializer(
            String usersTable, String requestsTable, SourceRowReader rowReader) {
        this.usersTable = usersTable;
        this.requestsTable = requestsTable;
        this.rowReader = rowReader;
    }

    @Override
    protected SourceChange convert(ChangeMetadata meta, Struct before, Struct after) {
        String table = meta.schema() + "." + meta.table();
        SourceTable which;
        if (table.equals(requestsTable)) {
            which = SourceTable.REQUESTS;
        } else if (table.equals(usersTable)) {
            which = SourceTable.USERS;
        } else {
            return null; // the heartbeat table
        }
        if (meta.op() == ChangeOp.TRUNCATE) {
            // No row: the key is empty, the downstream policy (source.truncate) decides.
            return which == SourceTable.REQUESTS
                    ? SourceChange.ofRequest(
                            meta.op(), meta.lsn(), meta.commitMicros(), new RequestRow())
                    : SourceChange.ofUser(
                            meta.op(), meta.lsn(), meta.commitMicros(), new UserRow());
        }
        Struct row = meta.op() == ChangeOp.DELETE || after == null ? before : after;
        Struct old = meta.op() == ChangeOp.DELETE ? null : before;
        SourceChange change;
        if (missing == null) {
            missing = new ArrayList<>();
        }
        missing.clear();
        if (which == SourceTable.REQUESTS) {
            RequestRow r;
            boolean readBack = false;
            try {
                r = row == null ? new RequestRow() : request(row, old);
            } catch (StructValues.ToastedValueUnavailableException e) {
                r = rowReader == null ? null : rowReader.request(id(row));
                if (r == null) {
                    throw e; // nothing to read it from, or the row is gone: a dead letter
                }
                readBack = true;
                warnReadBack(requestsTable, meta);
            } catch (SourceSchemaException e) {
                throw e;
            } catch (RuntimeException e) {
                if (meta.op() != ChangeOp.DELETE) {
                    throw e;
                }
                // A delete needs only the key: a bad value in its before image must not keep
                // the row in the warehouse. The user id keeps it in its request's order.
                r = new RequestRow();
                r.id = StructValues.text(row, null, "id");
                r.userId = textOrNull(row, "user_id");
                warnKeyOnlyDelete(requestsTable, meta, e);
            }
            change = SourceChange.ofRequest(meta.op(), meta.lsn(), meta.commitMicros(), r);
            change.readBack = readBack;
            if (meta.op() == ChangeOp.UPDATE && old != null && !readBack) {
                Field f = old.schema().field("created_at");
                change.previousCreatedAtMicros =
                        f == null ? null : StructValues.timestampMicros(old, f, "created_at");
            }
        } else {
            UserRow u;
            boolean readBack = false;
            try {
                u = row == null ? new UserRow() : user(row, old);
            } catch (StructValues.ToastedValueUnavailableException e) {
                u = rowReader == null ? null : rowReader.user(id(row));
                if (u == null) {
                    throw e;
                }
                readBack = true;
                warnReadBack(usersTable, meta);
            } catch (SourceSchemaException e) {
                throw e;
            } catch (RuntimeException e) {
                if (meta.op() != ChangeOp.DELETE) {
                    throw e;
                }
                u = new UserRow(StructValues.text(row, null, "id"), null, null, null);
                warnKeyOnlyDelete(usersTable, meta, e);
            }
            change = SourceChange.ofUser(meta.op(), meta.lsn(), meta.commitMicros(), u);
            change.readBack = readBack;
        }
        change.rawOp = meta.rawOp();
        if (!missing.isEmpty()) {
            change.missingColumns = String.join(",", missing);
        }
        return change;
    }

    @Override
    protected SourceChange reject(ChangeMetadata meta, String reason, String rawRowJson) {
        String table = meta.schema() + "." + meta.table();
        SourceTable which = table.equals(usersTable) ? SourceTable.USERS : SourceTable.REQUESTS;
        if (meta.table() != null && !table.equals(usersTable) && !table.equals(requestsTable)) {
            LOG.warn("change of {} at LSN {} not converted: {}", table, meta.lsn(), reason);
            return null; // the heartbeat table: nothing the warehouse holds
        }
        LOG.warn("change of {} at LSN {} goes to the dead letters: {}", table, meta.lsn(), reason);
        return SourceChange.rejected(
                which,
                meta.op(),
                meta.rawOp(),
                meta.lsn(),
                meta.commitMicros(),
                meta.table() == null ? reason : "source " + table + ": " + reason,
                rawRowJson);
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
    private transient List<String> missing;
    private transient Schema warnedSchema;

    private UserRow user(Struct r, Struct before) {
        if (userFields == null) {
            userFields = new StructFields(USER_FIELDS);
        }
        Field[] f = checkFields(r, userFields.of(r), USER_FIELDS, usersTable);
        return new UserRow(
                StructValues.text(r, before, f[0], USER_FIELDS[0]),
                f[1] == null ? null : StructValues.text(r, before, f[1], USER_FIELDS[1]),
                f[2] == null ? null : StructValues.text(r, before, f[2], USER_FIELDS[2]),
                f[3] == null ? null : StructValues.timestampMicros(r, f[3], USER_FIELDS[3]));
    }

    private RequestRow request(Struct r, Struct before) {
        if (requestFields == null) {
            requestFields = new StructFields(REQUEST_FIELDS);
        }
        String[] n = REQUEST_FIELDS;
        Field[] f = checkFields(r, requestFields.of(r), n, requestsTable);
        RequestRow q = new RequestRow();
        q.id = StructValues.text(r, before, f[0], n[0]);
        q.userId = f[1] == null ? null : StructValues.text(r, before, f[1], n[1]);
        q.query = f[2] == null ? null : StructValues.text(r, before, f[2], n[2]);
        q.response = f[3] == null ? null : StructValues.text(r, before, f[3], n[3]);
        q.model = f[4] == null ? null : StructValues.text(r, before, f[4], n[4]);
        q.tokensUsed = f[5] == null ? null : StructValues.int32(r, f[5], n[5]);
        q.executionTimeMs = f[6] == null ? null : StructValues.int32(r, f[6], n[6]);
        q.status = f[7] == null ? null : StructValues.text(r, before, f[7], n[7]);
        q.createdAtMicros = f[8] == null ? null : StructValues.timestampMicros(r, f[8], n[8]);
        return q;
    }

    /**
     * Notes the columns {@code r}'s schema lacks (warned once per schema); the key ({@code id},
     * first) missing stops the source: no change of the table could be applied without it.
     */
    private Field[] checkFields(Struct r, Field[] f, String[] names, String table) {
        if (f[0] == null) {
            throw new SourceSchemaException(
                    "source table "
                            + table
                            + " has no column "
                            + names[0]
                            + " (dropped or renamed?), the warehouse's key: no change of it can be"
                            + " applied. Restore the column on the source (ALTER TABLE "
                            + table
                            + " ADD COLUMN / RENAME COLUMN back), then restart the job; or drop the"
                            + " replication slot and start a new pipeline with a fresh snapshot"
                            + " once the warehouse table is redefined");
        }
        for (int i = 1; i < f.length; i++) {
            if (f[i] == null) {
                missing.add(names[i]);
            }
        }
        if (!missing.isEmpty() && r.schema() != warnedSchema) {
            warnedSchema = r.schema();
            LOG.warn(
                    "source table {} has no column(s) {} (dropped on the source?): carried as NULL",
                    table,
                    missing);
        }
        return f;
    }

    private static void warnKeyOnlyDelete(String table, ChangeMetadata meta, Exception e) {
        LOG.warn(
                "delete of {} at LSN {} applied by key only, its before image did not convert: {}",
                table,
                meta.lsn(),
                e.getMessage());
    }

    private static String textOrNull(Struct row, String field) {
        try {
            return StructValues.text(row, null, field);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static void warnReadBack(String table, ChangeMetadata meta) {
        LOG.warn(
                "update of {} at LSN {} left a TOASTed value unchanged and has no before image"
                        + " (replica identity not FULL): applied the row as read back from the source",
                table,
                meta.lsn());
    }

    /** The key of {@code row} (the {@code id} column as text), for the read-back. */
    private static String id(Struct row) {
        Object v = row == null ? null : row.get("id");
        return v == null ? null : v.toString();
    }

    @Override
    public TypeInformation<SourceChange> getProducedType() {
        return SourceChangeWireTypeInfo.INSTANCE;
    }
}
