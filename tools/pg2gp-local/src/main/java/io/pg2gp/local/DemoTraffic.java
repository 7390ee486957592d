package io.pg2gp.local;

import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SeedWorkload;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Seed-shaped traffic against the local source database at a steady rate, in small transactions.
 */
final class DemoTraffic {

    private final PostgresServer server;
    private final String database;
    private final int rate;
    private final AtomicLong changes = new AtomicLong();
    private volatile boolean running = true;
    private Thread thread;
    private SeedWorkload workload;
    private Connection connection;

    DemoTraffic(PostgresServer server, String database, int rate) {
        this.server = server;
        this.database = database;
        this.rate = rate;
    }

    /** Rows that exist before the job starts, so the snapshot has work. */
    void seed(int users, int requests) throws SQLException {
        connection = server.connect(database);
        workload = new SeedWorkload(connection, System.nanoTime());
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
        System.out.println("seeded " + users + " users and " + requests + " requests");
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
                for (int i = 0; i < perTick; i++) {
                    workload.step();
                }
                connection.commit();
                changes.addAndGet(perTick);
                long sleep = 100 - (System.nanoTime() - start) / 1_000_000;
                if (sleep > 0) {
                    Thread.sleep(sleep);
                }
            }
        } catch (SQLException e) {
            if (running) {
                System.err.println("demo traffic stopped: " + e.getMessage());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
