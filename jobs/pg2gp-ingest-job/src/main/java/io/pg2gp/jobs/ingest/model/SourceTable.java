package io.pg2gp.jobs.ingest.model;

/** The source tables this job understands. */
public enum SourceTable {
    USERS,
    REQUESTS
}
