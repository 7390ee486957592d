package io.pg2gp.benchmarks;

import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.PostgresServer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/** Fresh PostgreSQL servers for the benchmarks, and the few SQL helpers they share. */
final class BenchServers {

    /** Enough to keep a 1M-row table and its indexes in memory on both sides. */
    static final String SHARED_BUFFERS = "1GB";

    private BenchServers() {}

    /** A source server: wal_level=logical, fastUnsafe defaults. */
    static PostgresServer source(String name) {
        return PostgresServer.builder(name)
                .logicalReplication(true)
                .sharedBuffers(SHARED_BUFFERS)
                .start();
    }

    /**
     * A warehouse server (plain PostgreSQL, the embedded default of the sink), with
     * pg_stat_statements preloaded so a benchmark can print where the server's time went.
     */
    static PostgresServer warehouse(String name) {
        return PostgresServer.builder(name)
                .sharedBuffers(SHARED_BUFFERS)
                .setting("shared_preload_libraries=pg_stat_statements")
                .start();
    }

    static String version(PostgresServer s) {
        return queryString(s, "postgres", "SHOW server_version");
    }

    static String resource(String path) {
        try (InputStream in = BenchServers.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + path, e);
        }
    }

    /** The source schema and publication, exactly as the ingest job ships them. */
    static void createSourceSchema(PostgresServer s, String db) {
        s.execute(db, resource("/sql/source/01_schema.sql"));
        s.execute(db, resource("/sql/source/02_publication.sql"));
    }

    static long queryLong(PostgresServer s, String db, String sql) {
        try (Connection c = s.connect(db)) {
            return queryLong(c, sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    static long queryLong(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String queryString(PostgresServer s, String db, String sql) {
        try (Connection c = s.connect(db);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    static String queryString(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    static void createLogicalSlot(PostgresServer s, String db, String slot) {
        s.execute(db, "SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
    }

    /** Drops a slot once its reader has let go (a cancelled job's walsender exits shortly). */
    static void dropSlot(PostgresServer s, String db, String slot) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            long active =
                    queryLong(
                            s,
                            db,
                            "SELECT count(*) FILTER (WHERE active) * 10 + count(*) FROM"
                                    + " pg_replication_slots WHERE slot_name = '"
                                    + slot
                                    + "'");
            if (active == 0) {
                return; // no such slot
            }
            if (active == 1) {
                s.execute(db, "SELECT pg_drop_replication_slot('" + slot + "')");
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("replication slot " + slot + " stays active");
            }
            Thread.sleep(200);
        }
    }

    /** Drops a run's database so runs do not share pages, WAL retention or caches of rows. */
    static void dropDatabase(PostgresServer s, String db) {
        s.execute("postgres", "DROP DATABASE IF EXISTS \"" + db + "\" WITH (FORCE)");
    }

    /** GP6 has no DROP DATABASE ... WITH (FORCE): waits out backends of a finished job closing. */
    static void dropDatabase(GreenplumCluster gp, String db) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            try (Connection c = gp.connect(gp.maintenanceDatabase());
                    Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS \"" + db + "\"");
                return;
            } catch (SQLException e) {
                if (System.nanoTime() > deadline || !"55006".equals(e.getSQLState())) {
                    throw new IllegalStateException("cannot drop database " + db, e);
                }
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
