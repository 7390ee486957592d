package io.pg2gp.jobs.ingest.model;

import java.util.Objects;

/** A row of the source {@code requests} table. A Flink POJO: its state schema can evolve. */
public class RequestRow {
    public String id;
    public String userId;
    public String query;

    /** The {@code jsonb} response as JSON text. */
    public String response;

    public String model;
    public Integer tokensUsed;
    public Integer executionTimeMs;
    public String status;

    /** Microseconds since the epoch, UTC. */
    public Long createdAtMicros;

    public RequestRow() {}

    @Override
    public boolean equals(Object o) {
        return o instanceof RequestRow r
                && Objects.equals(id, r.id)
                && Objects.equals(userId, r.userId)
                && Objects.equals(query, r.query)
                && Objects.equals(response, r.response)
                && Objects.equals(model, r.model)
                && Objects.equals(tokensUsed, r.tokensUsed)
                && Objects.equals(executionTimeMs, r.executionTimeMs)
                && Objects.equals(status, r.status)
                && Objects.equals(createdAtMicros, r.createdAtMicros);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, userId, createdAtMicros);
    }

    @Override
    public String toString() {
        return "RequestRow{" + id + ", user=" + userId + ", status=" + status + "}";
    }
}
