package io.pg2gp.jobs.ingest.cdc;

import io.pg2gp.connector.cdc.PostgresCdcOptions;
import io.pg2gp.connector.cdc.StructValues;
import io.pg2gp.jobs.ingest.model.RequestRow;
import io.pg2gp.jobs.ingest.model.UserRow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.connect.errors.DataException;

import java.io.IOException;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;

/**
 * Reads a row's current version from the source by key: for an update that left a TOASTed value
 * unchanged and came without a before image (replica identity not {@code FULL}), the only place the
 * value still is. The row is read as {@code to_jsonb}, so a column dropped on the source reads as
 * NULL like in the stream. One connection, opened on first use (on the source reader's thread).
 */
public final class SourceRowReader implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final PostgresCdcOptions options;
    private final String usersTable;
    private final String requestsTable;
    private transient Connection connection;

    public SourceRowReader(PostgresCdcOptions options, String usersTable, String requestsTable) {
        this.options = options;
        this.usersTable = usersTable;
        this.requestsTable = requestsTable;
    }

    /** The current row of {@code requests} with key {@code id}; null when it no longer exists. */
    public RequestRow request(String id) {
        String[] row = read(requestsTable, id, "response");
        if (row == null) {
            return null;
        }
        JsonNode n = json(row[0]);
        RequestRow q = new RequestRow();
        q.id = text(n, "id");
        q.userId = text(n, "user_id");
        q.query = text(n, "query");
        q.response = row[1];
        q.model = text(n, "model");
        q.tokensUsed = int32(n, "tokens_used");
        q.executionTimeMs = int32(n, "execution_time_ms");
        q.status = text(n, "status");
        q.createdAtMicros = micros(n, "created_at");
        return q;
    }

    /** The current row of {@code users} with key {@code id}; null when it no longer exists. */
    public UserRow user(String id) {
        String[] row = read(usersTable, id, null);
        if (row == null) {
            return null;
        }
        JsonNode n = json(row[0]);
        return new UserRow(
                text(n, "id"), text(n, "email"), text(n, "role"), micros(n, "registered_at"));
    }

    /**
     * {@code to_jsonb(row)} without {@code verbatim}, and {@code verbatim}'s text as PostgreSQL
     * prints it (a {@code jsonb} value keeps the formatting the stream gives it).
     */
    private String[] read(String table, String id, String verbatim) {
        if (id == null) {
            return null;
        }
        String sql =
                "SELECT to_jsonb(t)"
                        + (verbatim == null
                                ? ""
                                : " - '" + verbatim + "', t." + verbatim + "::text")
                        + " FROM "
                        + table
                        + " t WHERE t.id = ?";
        try {
            if (connection == null || connection.isClosed()) {
                connection = options.connect("pg2gp row read-back");
                try (var s = connection.createStatement()) {
                    s.execute("SET TIME ZONE 'UTC'");
                }
            }
            try (PreparedStatement ps = connection.prepareStatement(sql)) {
                ps.setObject(1, id, Types.OTHER); // typed by the server as the key column

                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    return new String[] {
                        rs.getString(1), verbatim == null ? null : rs.getString(2)
                    };
                }
            }
        } catch (SQLException e) {
            close();
            throw new DataException(
                    "cannot read the row back from " + table + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode json(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            throw new DataException("unreadable row from the source: " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.isTextual() ? v.asText() : v.toString();
    }

    private static Integer int32(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.canConvertToInt()) {
            throw new DataException(
                    "column " + field + " value " + v + " is out of range for an integer");
        }
        return v.asInt();
    }

    private static Long micros(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull()
                ? null
                : StructValues.parseTimestampMicros(v.asText(), field);
    }

    private void close() {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException ignored) {
            // a broken connection
        }
        connection = null;
    }
}
