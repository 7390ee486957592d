package io.pg2gp.jobs.ingest.model;

import java.util.Objects;

/** A row of the source {@code users} table. A Flink POJO: its state schema can evolve. */
public class UserRow {
    public String id;
    public String email;
    public String role;

    /** Microseconds since the epoch, UTC. */
    public Long registeredAtMicros;

    public UserRow() {}

    public UserRow(String id, String email, String role, Long registeredAtMicros) {
        this.id = id;
        this.email = email;
        this.role = role;
        this.registeredAtMicros = registeredAtMicros;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UserRow u
                && Objects.equals(id, u.id)
                && Objects.equals(email, u.email)
                && Objects.equals(role, u.role)
                && Objects.equals(registeredAtMicros, u.registeredAtMicros);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, email, role, registeredAtMicros);
    }

    @Override
    public String toString() {
        return "UserRow{" + id + ", " + email + ", " + role + "}";
    }
}
