package io.pg2gp.connector.warehouse.internal.commit;

import io.pg2gp.connector.warehouse.ColumnType;
import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.WarehouseConnectionOptions;
import io.pg2gp.connector.warehouse.WarehouseDialect;
import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.internal.sql.ApplyStatements;
import io.pg2gp.connector.warehouse.internal.sql.BookkeepingTables;
import io.pg2gp.connector.warehouse.internal.sql.WarehouseSetup;
import io.pg2gp.testutils.GreenplumCluster;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A target with the shape of requests_analytical on Greenplum (distributed by a user column that is
 * not the key, monthly range partitions January to June 2024 plus a default partition, an index on
 * the key), the sink's bookkeeping, and staging by hand. Connections go through {@link
 * WarehouseConnectionOptions}, as the committer's do, with the planner chosen in the URL.
 */
final class GreenplumApplyFixture {

    static final String JOB = "gp-job";
    static final String TARGET = "public.items";

    static final WarehouseTable TABLE =
            WarehouseTable.builder("public", "items")
                    .column("id", ColumnType.UUID)
                    .column("user_id", ColumnType.UUID)
                    .column("name", ColumnType.TEXT)
                    .column("created_at", ColumnType.TIMESTAMPTZ)
                    .key("id")
                    .hourColumn("created_at")
                    .distributedBy("user_id")
                    .build();

    static final String DDL =
            "CREATE TABLE public.items (id uuid NOT NULL, user_id uuid, name text, created_at"
                    + " timestamptz, _cdc_lsn bigint NOT NULL, _cdc_op char(1) NOT NULL,"
                    + " _cdc_committed_at timestamptz, _synced_at timestamptz NOT NULL DEFAULT"
                    + " now(), _deleted boolean NOT NULL DEFAULT false) DISTRIBUTED BY (user_id)"
                    + " PARTITION BY RANGE (created_at) (START ('2024-01-01 00:00:00+00'::timestamptz)"
                    + " END ('2024-07-01 00:00:00+00'::timestamptz) EVERY (INTERVAL '1 month'),"
                    + " DEFAULT PARTITION other)";

    /** The URL option that switches GPORCA off for the session, as a user would configure it. */
    private static final int STAGE_CHUNK = 200;

    static final String OPTIMIZER_OFF = "?options=-c%20optimizer%3Doff";

    final Connection c;
    final BookkeepingTables bookkeeping;
    final WarehouseDialect dialect;
    private final Map<Long, Integer> batchRows = new HashMap<>();
    private final Map<Long, Long> batchMaxLsn = new HashMap<>();
    private long nextCommitId = 1000;

    /**
     * Opens {@code db} with {@code optimizer} ("on" or "off") and creates the target and the
     * bookkeeping afresh (dropping what an earlier test left in the database).
     */
    GreenplumApplyFixture(GreenplumCluster cluster, String db, String optimizer)
            throws SQLException {
        String url = cluster.jdbcUrl(db) + ("off".equals(optimizer) ? OPTIMIZER_OFF : "");
        c =
                new WarehouseConnectionOptions(url, cluster.user(), GreenplumCluster.ENV_PASSWORD)
                        .open("gp-apply-test");
        dialect = WarehouseDialect.detect(c);
        bookkeeping = new BookkeepingTables("pg2gp", dialect);
        execute(
                "DROP TABLE IF EXISTS " + TARGET,
                "DROP SCHEMA IF EXISTS " + bookkeeping.schema() + " CASCADE",
                DDL,
                "CREATE INDEX items_id ON public.items (id)");
        WarehouseSetup.ensureBookkeeping(c, bookkeeping, TABLE);
    }

    ApplyStatements statements(DeleteMode mode) throws SQLException {
        return new ApplyStatements(
                TABLE, bookkeeping, mode, dialect, dialect.isPartitioned(c, TARGET));
    }

    /** A committer's applier, on a session prepared as the committer prepares it. */
    BatchApplier applier(DeleteMode mode) throws SQLException {
        BatchApplier applier = new BatchApplier(JOB, TABLE, statements(mode), "64MB");
        applier.prepareSession(c);
        return applier;
    }

    String show(String setting) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** One staged version of a row; {@code prevAt} is the hour an update moves from. */
    record Version(
            long batch,
            long seq,
            UUID id,
            UUID user,
            String name,
            Instant at,
            Instant prevAt,
            long lsn,
            char op) {}

    /** Stages versions as written before checkpoint {@code tag}. */
    void stage(long tag, Version... versions) throws SQLException {
        stage(tag, List.of(versions));
    }

    /**
     * Stages in multi-row INSERTs of up to {@value #STAGE_CHUNK} rows: Greenplum dispatches every
     * statement to the segments, so a JDBC batch of single-row INSERTs costs a round trip per row.
     */
    void stage(long tag, List<Version> versions) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            for (int from = 0; from < versions.size(); from += STAGE_CHUNK) {
                stageChunk(
                        tag, versions.subList(from, Math.min(versions.size(), from + STAGE_CHUNK)));
            }
            c.commit();
        } finally {
            c.setAutoCommit(auto);
        }
    }

    private void stageChunk(long tag, List<Version> versions) throws SQLException {
        StringBuilder sql =
                new StringBuilder("INSERT INTO ")
                        .append(bookkeeping.stagingTable(TABLE))
                        .append(" (")
                        .append(BookkeepingTables.stagingColumnList(TABLE))
                        .append(") VALUES ");
        for (int i = 0; i < versions.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?)");
        }
        try (PreparedStatement p = c.prepareStatement(sql.toString())) {
            int n = 0;
            for (Version v : versions) {
                p.setString(++n, JOB);
                p.setLong(++n, v.batch());
                p.setLong(++n, tag);
                p.setLong(++n, v.seq());
                p.setObject(++n, v.id());
                p.setObject(++n, v.user());
                p.setString(++n, v.name());
                p.setTimestamp(++n, v.at() == null ? null : Timestamp.from(v.at()));
                p.setLong(++n, v.lsn());
                p.setString(++n, String.valueOf(v.op()));
                p.setTimestamp(++n, v.prevAt() == null ? null : Timestamp.from(v.prevAt()));
                batchRows.merge(v.batch(), 1, Integer::sum);
                batchMaxLsn.merge(v.batch(), v.lsn(), Math::max);
            }
            p.executeUpdate();
        }
    }

    /** The committable the aggregator would build for these batches (subtask = position). */
    WarehouseCommittable committable(long checkpointId, long... batchIds) {
        List<StagedBatch> batches = new ArrayList<>();
        for (int i = 0; i < batchIds.length; i++) {
            long b = batchIds[i];
            batches.add(
                    new StagedBatch(
                            TARGET,
                            b,
                            checkpointId,
                            i,
                            batchRows.getOrDefault(b, 0),
                            0,
                            batchMaxLsn.getOrDefault(b, 0L)));
        }
        return new WarehouseCommittable(nextCommitId++, checkpointId, TARGET, batches);
    }

    void execute(String... statements) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    String string(String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    long count(String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Every target row as {@code id -> "name@lsn/op user=U part=P[ deleted]"}, where P is the
     * partition holding it (GP6 names them items_1_prt_N and items_1_prt_other). A key held twice
     * fails: the apply must keep one row per key.
     */
    Map<UUID, String> target() throws SQLException {
        Map<UUID, String> rows = new HashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT id, name, _cdc_lsn, _cdc_op, user_id, _deleted,"
                                        + " tableoid::regclass::text,"
                                        + " (extract(epoch FROM created_at) * 1000000)::bigint"
                                        + " FROM "
                                        + TARGET)) {
            while (rs.next()) {
                UUID id = rs.getObject(1, UUID.class);
                String row =
                        rs.getString(2)
                                + "@"
                                + rs.getLong(3)
                                + "/"
                                + rs.getString(4)
                                + " user="
                                + rs.getObject(5, UUID.class)
                                + " at="
                                + rs.getLong(8)
                                + " part="
                                + rs.getString(7).replace("items_1_prt_", "")
                                + (rs.getBoolean(6) ? " deleted" : "");
                if (rows.put(id, row) != null) {
                    throw new AssertionError("key " + id + " held twice: " + row);
                }
            }
        }
        return rows;
    }

    /** The expected form of a row in {@link #target()}. */
    static String row(String name, long lsn, char op, UUID user, Instant at, boolean deleted) {
        return name
                + "@"
                + lsn
                + "/"
                + op
                + " user="
                + user
                + " at="
                + (at.getEpochSecond() * 1_000_000 + at.getNano() / 1000)
                + " part="
                + partition(at)
                + (deleted ? " deleted" : "");
    }

    /** items_1_prt_2..7 hold January..June 2024, items_1_prt_other everything else. */
    static String partition(Instant at) {
        String month = at.toString().substring(0, 7);
        if (month.compareTo("2024-01") < 0 || month.compareTo("2024-06") > 0) {
            return "other";
        }
        return String.valueOf(Integer.parseInt(month.substring(5)) + 1);
    }

    List<String> touchedHours(long commitSeq) throws SQLException {
        return touchedHours(c, bookkeeping, commitSeq);
    }

    /** The hours a commit recorded, as UTC minutes, sorted (also used by the PostgreSQL test). */
    static List<String> touchedHours(Connection c, BookkeepingTables bookkeeping, long commitSeq)
            throws SQLException {
        List<String> hours = new ArrayList<>();
        try (PreparedStatement p =
                c.prepareStatement(
                        "SELECT to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM "
                                + bookkeeping.touchedHours()
                                + " WHERE commit_seq = ? ORDER BY 1")) {
            p.setLong(1, commitSeq);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    hours.add(rs.getString(1));
                }
            }
        }
        return hours;
    }

    void close() throws SQLException {
        c.close();
    }
}
