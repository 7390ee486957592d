package io.pg2gp.connector.cdc;

import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SharedPostgres;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An idle source: not one write on the captured tables, only WAL from a table the pipeline does not
 * capture (on PostgreSQL 15 pgoutput sends nothing at all for those transactions). The heartbeat
 * must still update its table and the slot's confirmed_flush_lsn must move, or the source keeps
 * every WAL segment written since the job started.
 */
class IdleSourceHeartbeatITCase {

    /** Counts nothing: the test looks at the database, not at the events. */
    private static final class Drop extends TypedChangeDeserializer<String> {
        private static final long serialVersionUID = 1L;

        @Override
        protected String convert(ChangeMetadata meta, Struct before, Struct after) {
            return null;
        }

        @Override
        protected String reject(ChangeMetadata meta, String reason, String rawRowJson) {
            return null;
        }

        @Override
        public TypeInformation<String> getProducedType() {
            return Types.STRING;
        }
    }

    @Test
    void theHeartbeatMovesAnIdleSlotWhileOtherTablesWriteWal() throws Exception {
        PostgresServer source = SharedPostgres.source();
        String db = source.createDatabase(SharedPostgres.uniqueDatabase("hb"));
        source.execute(
                db,
                "CREATE TABLE public.users (id uuid PRIMARY KEY, email text);"
                        + "CREATE TABLE public.requests (id uuid PRIMARY KEY, user_id uuid);"
                        + "CREATE TABLE public.pg2gp_heartbeat (id int PRIMARY KEY, beat_at"
                        + " timestamptz NOT NULL);"
                        + "INSERT INTO public.pg2gp_heartbeat VALUES (1, now());"
                        + "CREATE TABLE public.not_captured (id bigserial PRIMARY KEY, v text);"
                        + "CREATE PUBLICATION pg2gp FOR TABLE public.users, public.requests,"
                        + " public.pg2gp_heartbeat");
        String slot = "hb_" + db;
        PostgresCdcOptions options =
                PostgresCdcOptions.builder()
                        .host("127.0.0.1")
                        .port(source.port())
                        .database(db)
                        .user(PostgresServer.SUPERUSER)
                        .slotName(slot)
                        .publicationName("pg2gp")
                        .tables(List.of("public.users", "public.requests"))
                        .heartbeatTable("public.pg2gp_heartbeat")
                        .heartbeatInterval(Duration.ofMillis(500))
                        .build();

        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(500));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
        env.fromSource(
                        PostgresCdcSources.create(options, new Drop()),
                        WatermarkStrategy.noWatermarks(),
                        "cdc")
                .sinkTo(new DiscardingSink<>());
        JobClient job = env.executeAsync("idle source heartbeat");
        try (Connection c = source.connect(db);
                Statement s = c.createStatement()) {
            String firstLsn =
                    await(
                            s,
                            "the slot",
                            "SELECT confirmed_flush_lsn FROM"
                                    + " pg_replication_slots WHERE slot_name = '"
                                    + slot
                                    + "'",
                            null);
            String firstBeat = scalar(s, "SELECT beat_at::text FROM public.pg2gp_heartbeat");
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            String lsn = firstLsn;
            String beat = firstBeat;
            boolean moved = false;
            while (System.nanoTime() < end && !moved) {
                // WAL the pipeline does not capture; nothing is written to the captured tables
                s.execute(
                        "INSERT INTO public.not_captured (v) SELECT repeat('x', 100)"
                                + " FROM generate_series(1, 100)");
                Thread.sleep(200);
                lsn =
                        scalar(
                                s,
                                "SELECT confirmed_flush_lsn::text FROM pg_replication_slots"
                                        + " WHERE slot_name = '"
                                        + slot
                                        + "'");
                beat = scalar(s, "SELECT beat_at::text FROM public.pg2gp_heartbeat");
                moved = compareLsn(s, lsn, firstLsn) > 0 && !beat.equals(firstBeat);
            }
            assertThat(scalar(s, "SELECT count(*) FROM public.users")).isEqualTo("0");
            assertThat(scalar(s, "SELECT count(*) FROM public.requests")).isEqualTo("0");
            assertThat(beat).as("heartbeat beat_at").isNotEqualTo(firstBeat);
            assertThat(compareLsn(s, lsn, firstLsn))
                    .as("confirmed_flush_lsn %s after %s", lsn, firstLsn)
                    .isPositive();
        } finally {
            job.cancel().get();
            Thread.sleep(500);
            try (Connection c = source.connect(db);
                    Statement s = c.createStatement()) {
                s.execute(
                        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                                + " WHERE slot_name = '"
                                + slot
                                + "' AND NOT active");
            } catch (Exception ignored) {
                // left behind in a throwaway database
            }
        }
    }

    private static String scalar(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static int compareLsn(Statement s, String a, String b) throws Exception {
        return Integer.signum(
                Integer.parseInt(
                        scalar(s, "SELECT sign(pg_wal_lsn_diff('" + a + "', '" + b + "'))::int")));
    }

    private static String await(Statement s, String what, String sql, String notEqualTo)
            throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < end) {
            String v = scalar(s, sql);
            if (v != null && !v.equals(notEqualTo)) {
                return v;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(what + " did not appear");
    }
}
