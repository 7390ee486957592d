package io.pg2gp.local;

import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SeedWorkload;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Seed-shaped traffic against the local source database at a steady rate, in small transactions.
 * When the source goes away (a restart, {@code pg_ctl stop -m immediate}) it says so once,
 * reconnects every second until the source is back, and goes on with a fresh workload (the
 * transaction in flight is lost with the connection, so its ids are forgotten too).
 */
final class DemoTraffic {

    private final PostgresServer server;
    private final String database;
    private final int rate;
    private final AtomicLong changes = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private volatile boolean running = true;
    private Thread thread;
    private volatile SeedWorkload workload;
    private volatile Connection connection;

    DemoTraffic(PostgresServer server, String database, int rate) {
        this.server = server;
        this.database = database;
        this.rate = rate;
    }

    /** Rows that exist before the job starts, so the snapshot has work. */
    void seed(int users, int requests) throws SQLException {
        connection = server.connect(database);
        // The simulated clock advances about a minute per row: start it so the seed ends now and
        // the dashboards' last-7/30-days views have data; live traffic is dated as it happens.
        workload =
                new SeedWorkload(connection, System.nanoTime())
                        .startingAt(
                                Instant.now().minus(Duration.ofSeconds(61L * (users + requests))));
        connection.setAutoCommit(false);
        for (int i = 0; i < users; i++) {
            workload.addUser();
        }
        for (int i = 0; i < requests; i++) {
            workload.addRequest();
            if (i % 3 != 0) {
                workload.completeRequest();
            }
            if (i % 1000 == 999) {
                connection.commit();
            }
        }
        connection.commit();
        workload.onWallClock();
        System.out.println("seeded " + users + " users and " + requests + " requests");
    }

    /** Live traffic only, on a source that kept the previous run's rows ({@code --keep}). */
    void resume() throws SQLException {
        connection = server.connect(database);
        connection.setAutoCommit(false);
        workload = new SeedWorkload(connection, System.nanoTime()).onWallClock();
    }

    void start() {
        thread = new Thread(this::run, "pg2gp-demo-traffic");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        int perTick = Math.max(1, rate / 10);
        try {
            while (running) {
                long start = System.nanoTime();
                try {
                    for (int i = 0; i < perTick; i++) {
                        workload.step();
                    }
                    connection.commit();
                    changes.addAndGet(perTick);
                } catch (SQLException e) {
                    if (running) {
                        reconnect(e);
                    }
                    continue;
                }
                long sleep = 100 - (System.nanoTime() - start) / 1_000_000;
                if (sleep > 0) {
                    Thread.sleep(sleep);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One line when the source is lost, one when it is back; retries every second meanwhile. */
    private void reconnect(SQLException cause) throws InterruptedException {
        System.err.println(
                "demo traffic paused: source unavailable ("
                        + Progress.shortMessage(cause)
                        + "); reconnecting every second");
        closeQuietly();
        long lostAt = System.nanoTime();
        while (running) {
            Thread.sleep(1000);
            try {
                Connection c = server.connect(database);
                c.setAutoCommit(false);
                workload = new SeedWorkload(c, System.nanoTime()).onWallClock();
                connection = c;
                reconnects.incrementAndGet();
                System.err.printf(
                        "demo traffic resumed after %ds%n",
                        (System.nanoTime() - lostAt) / 1_000_000_000L);
                return;
            } catch (SQLException stillDown) {
                // try again in a second
            }
        }
    }

    private void closeQuietly() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // the connection is broken anyway
        }
    }

    /** Times the traffic reconnected after losing the source. */
    long reconnects() {
        return reconnects.get();
    }

    long changes() {
        return changes.get();
    }

    void stop() {
        running = false;
        if (thread != null) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
