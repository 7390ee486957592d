package io.pg2gp.jobs.rollup.recompute;

import java.io.Serializable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Recomputes what the side job keeps for a group of dirty keys (hours of the rollups, users of the
 * feature store) in one transaction, correct whatever ran before: a repeat after a failure or a
 * backfill at the same time only writes the same rows again.
 *
 * @param <K> the key kind: an hour (epoch millis) or a user id (text)
 */
public interface KeyRecomputer<K> extends Serializable {

    /** What one recompute did. */
    record Recomputed(int keys, long factRowsRead, long rowsWritten, long millis) {}

    Recomputed recompute(Connection c, List<K> keys) throws SQLException;

    /**
     * VACUUMs the tables the recomputes rewrite, each in autocommit; returns those vacuumed and
     * reports each statement that did not run through {@code failed}, never throwing for it.
     */
    List<String> vacuum(Connection c, BiConsumer<String, String> failed) throws SQLException;
}
