package io.pg2gp.benchmarks;

import io.pg2gp.testutils.PostgresServer;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The source-side reference: PostgreSQL's own pg_recvlogical streaming a slot (pgoutput, the same
 * publication the pipeline reads) to /dev/null up to a WAL position. It decodes exactly what the
 * CDC source decodes and does nothing with it: the ceiling of logical replication here.
 */
final class PgRecvLogical {

    private PgRecvLogical() {}

    /**
     * Streams {@code slot} from its confirmed position to {@code endpos}; returns the elapsed
     * nanoseconds. Checks that it exited cleanly and that the slot confirmed {@code endpos}, i.e.
     * nothing up to there is left in the slot.
     */
    static long stream(PostgresServer s, String db, String slot, String endpos) throws Exception {
        List<String> command =
                List.of(
                        s.bin("pg_recvlogical"),
                        "-d",
                        db,
                        "-h",
                        "127.0.0.1",
                        "-p",
                        String.valueOf(s.port()),
                        "-U",
                        PostgresServer.SUPERUSER,
                        "--slot",
                        slot,
                        "--start",
                        "--no-loop",
                        "-o",
                        "proto_version=1",
                        "-o",
                        "publication_names=pg2gp",
                        "-f",
                        "/dev/null",
                        "--endpos",
                        endpos);
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("pg_recvlogical did not reach " + endpos);
        }
        long nanos = System.nanoTime() - start;
        if (p.exitValue() != 0) {
            throw new IllegalStateException(
                    "pg_recvlogical failed ("
                            + p.exitValue()
                            + "): "
                            + new String(out, StandardCharsets.UTF_8));
        }
        // pg_recvlogical confirms the last commit before endpos, which may lie a little before it:
        // check instead that the slot holds no change up to endpos any more (peek consumes
        // nothing).
        long left =
                BenchServers.queryLong(
                        s,
                        db,
                        "SELECT count(*) FROM pg_logical_slot_peek_binary_changes('"
                                + slot
                                + "', '"
                                + endpos
                                + "', NULL, 'proto_version', '1', 'publication_names', 'pg2gp')");
        if (left > 0) {
            throw new IllegalStateException(
                    "pg_recvlogical stopped at "
                            + confirmedLsn(s, db, slot)
                            + " with "
                            + left
                            + " messages left before "
                            + endpos);
        }
        return nanos;
    }

    static String confirmedLsn(PostgresServer s, String db, String slot) {
        return BenchServers.queryString(
                s,
                db,
                "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '"
                        + slot
                        + "'");
    }
}
