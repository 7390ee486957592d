package io.pg2gp.testutils;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shared test base for databases: one source server ({@code wal_level=logical}) and one
 * warehouse server per test JVM, started on first use. Each test takes its own databases so tests
 * do not see each other's rows, slots or publications.
 */
public final class SharedPostgres {

    private static final AtomicInteger DB_COUNTER = new AtomicInteger();
    private static PostgresServer source;
    private static PostgresServer warehouse;

    private SharedPostgres() {}

    public static synchronized PostgresServer source() {
        if (source == null) {
            source = PostgresServer.builder("source").logicalReplication(true).start();
        }
        return source;
    }

    public static synchronized PostgresServer warehouse() {
        if (warehouse == null) {
            warehouse = PostgresServer.builder("warehouse").start();
        }
        return warehouse;
    }

    /** A fresh database name, unique in this JVM. */
    public static String uniqueDatabase(String prefix) {
        return prefix + "_" + ProcessHandle.current().pid() + "_" + DB_COUNTER.incrementAndGet();
    }
}
