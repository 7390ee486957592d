package io.pg2gp.benchmarks;

import io.pg2gp.connector.cdc.ChangeOp;
import io.pg2gp.jobs.ingest.model.EnrichedRequest;
import io.pg2gp.jobs.ingest.model.RequestRow;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Enriched request rows generated deterministically in memory (row i is always the same), shaped
 * like the real ones: uuid ids, a ~40-character query, a ~300-byte JSON response, and the user and
 * derived columns. The same rows feed the pg2gp sink, Flink's JdbcSink and the raw COPY.
 */
final class RequestRows {

    static final String[] AGENTS = {
        "Developer", "Architect", "Analyst", "QA", "DevOps", "Security", "Docs", "Support"
    };
    static final String[] QUERY_TYPES = {"code", "explain", "review", "search"};
    static final String[] QUERIES = {
        "How do I post a document in 1C today?",
        "Explain the register of accumulation",
        "Review this query: SELECT * FROM docs",
        "Why is my monthly report so slow?",
        "Generate a unit test for CalculateTax",
        "What is an information register?",
        "Which lock blocks the prod database?",
    };
    static final String[] MODELS = {"gpt-4o", "claude-3.5-sonnet", "llama-3-70b"};
    static final String[] ROLES = {"developer", "analyst", "admin", "viewer"};
    static final long EPOCH_MICROS = Instant.parse("2025-03-01T00:00:00Z").toEpochMilli() * 1000;

    /** The target's columns as COPY and the upsert name them. */
    static final String COLUMNS =
            "id, user_id, query, response, model, tokens_used, execution_time_ms, status,"
                    + " created_at, user_email, user_role, agent_used, query_type, hour_of_day,"
                    + " day_of_week, is_weekend, created_date, _cdc_lsn, _cdc_op, _cdc_committed_at";

    /**
     * The Flink JdbcSink reference: {@code sql} (bound by {@link #bind}) in batches of 5000 with
     * pgjdbc's {@code reWriteBatchedInserts}, at least once.
     */
    static Sink<EnrichedRequest> jdbcSink(String sql, String url, String user, String password) {
        return JdbcSink.<EnrichedRequest>builder()
                .withQueryStatement(sql, RequestRows::bind)
                .withExecutionOptions(JdbcExecutionOptions.builder().withBatchSize(5000).build())
                .buildAtLeastOnce(
                        new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                                .withUrl(url + "?reWriteBatchedInserts=true")
                                .withDriverName("org.postgresql.Driver")
                                .withUsername(user)
                                .withPassword(password)
                                .build());
    }

    /**
     * The reference load: a raw {@code COPY ... FROM STDIN} of {@link #COLUMNS} into {@code table}.
     */
    static CopyIn copyIn(Connection c, String table) throws SQLException {
        return c.unwrap(PGConnection.class)
                .getCopyAPI()
                .copyIn("COPY " + table + " (" + COLUMNS + ") FROM STDIN (FORMAT text)");
    }

    private RequestRows() {}

    /** SplitMix64: cheap, well-mixed, deterministic. */
    static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static String uuid(long salt, long i) {
        return new UUID(mix(i * 31 + salt), mix(~i * 17 + salt)).toString();
    }

    static String response(long i) {
        String hex = Long.toHexString(mix(i)) + Long.toHexString(mix(i + 1));
        StringBuilder answer = new StringBuilder(240);
        for (int k = 0; k < 7; k++) {
            answer.append(k == 0 ? "" : " ").append(hex);
        }
        return "{\"agent_used\": \""
                + AGENTS[(int) (i % AGENTS.length)]
                + "\", \"query_type\": \""
                + QUERY_TYPES[(int) ((i / 8) % QUERY_TYPES.length)]
                + "\", \"confidence\": "
                + (i % 100) / 100.0
                + ", \"answer\": \""
                + answer
                + "\"}";
    }

    /** Row {@code i} of {@code users} users, as the enrichment step would have produced it. */
    static EnrichedRequest enriched(long i, long users) {
        long user = i % users;
        RequestRow r = new RequestRow();
        r.id = uuid(1, i);
        r.userId = uuid(2, user);
        r.query = QUERIES[(int) (i % QUERIES.length)] + " #" + i;
        r.response = response(i);
        r.model = MODELS[(int) (i % MODELS.length)];
        r.tokensUsed = (int) (50 + i % 4000);
        r.executionTimeMs = (int) (100 + (i * 7) % 4000);
        r.status = i % 20 == 0 ? "error" : "success";
        r.createdAtMicros = EPOCH_MICROS + i * 1_000_000L;

        EnrichedRequest e = new EnrichedRequest();
        e.op = ChangeOp.INSERT;
        e.rawOp = "c";
        e.lsn = 1_000_000L + i;
        e.commitMicros = r.createdAtMicros + 1000;
        e.request = r;
        e.userKnown = true;
        e.userEmail = "user" + user + "@example.com";
        e.userRole = ROLES[(int) (user % ROLES.length)];
        e.agentUsed = AGENTS[(int) (i % AGENTS.length)];
        e.queryType = QUERY_TYPES[(int) ((i / 8) % QUERY_TYPES.length)];
        ZonedDateTime t =
                Instant.ofEpochSecond(r.createdAtMicros / 1_000_000L).atZone(ZoneOffset.UTC);
        e.hourOfDay = t.getHour();
        e.dayOfWeek = t.getDayOfWeek().getValue() % 7;
        e.isWeekend = e.dayOfWeek == 0 || e.dayOfWeek == 6;
        e.createdDate = (int) t.toLocalDate().toEpochDay();
        return e;
    }

    /** The Flink map that turns a sequence number into its row. */
    static final class Generate implements MapFunction<Long, EnrichedRequest> {
        private static final long serialVersionUID = 1L;

        /** Shared by the subtasks of a MiniCluster job (one JVM): LSNs in emission order. */
        private static final AtomicLong EMITTED = new AtomicLong(1_000_000L);

        private final long users;
        private final boolean commitOrderedLsns;

        Generate(long users) {
            this(users, false);
        }

        /**
         * {@code commitOrderedLsns}: LSNs rise in the order rows are emitted across subtasks, as a
         * source's commit order does, instead of {@code 1,000,000 + i}: with parallel sequence
         * readers the latter puts lower LSNs into later checkpoints (subtask 0 counts from 0,
         * subtask 1 from n/2), which no real source does and which keeps every batch after the
         * first off the insert-only apply.
         */
        Generate(long users, boolean commitOrderedLsns) {
            this.users = users;
            this.commitOrderedLsns = commitOrderedLsns;
        }

        @Override
        public EnrichedRequest map(Long i) {
            EnrichedRequest e = enriched(i, users);
            if (commitOrderedLsns) {
                e.lsn = EMITTED.incrementAndGet();
            }
            return e;
        }
    }

    // ---- Flink JdbcSink: one upsert per row ----

    /** Batched upsert; never replaces a newer version (the same guard the pg2gp sink applies). */
    static String upsertSql(String table) {
        StringBuilder set = new StringBuilder();
        for (String c : COLUMNS.split(",\\s*")) {
            if (!c.equals("id")) {
                set.append(set.length() == 0 ? "" : ", ")
                        .append(c)
                        .append(" = EXCLUDED.")
                        .append(c);
            }
        }
        return insertSql(table)
                + " ON CONFLICT (id) DO UPDATE SET "
                + set
                + ", _synced_at = now() WHERE "
                + table
                + "._cdc_lsn <= EXCLUDED._cdc_lsn";
    }

    /**
     * A plain INSERT of one row: what JdbcSink can do on Greenplum 6, which has no ON CONFLICT
     * (PostgreSQL 9.4 grammar); with reWriteBatchedInserts pgjdbc sends a batch as multi-row
     * VALUES.
     */
    static String insertSql(String table) {
        return "INSERT INTO "
                + table
                + " ("
                + COLUMNS
                + ") VALUES (?::uuid, ?::uuid, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    }

    static void bind(PreparedStatement p, EnrichedRequest e) throws SQLException {
        RequestRow r = e.request;
        p.setString(1, r.id);
        p.setString(2, r.userId);
        p.setString(3, r.query);
        p.setString(4, r.response);
        p.setString(5, r.model);
        p.setInt(6, r.tokensUsed);
        p.setInt(7, r.executionTimeMs);
        p.setString(8, r.status);
        p.setObject(9, timestamp(r.createdAtMicros), Types.TIMESTAMP_WITH_TIMEZONE);
        p.setString(10, e.userEmail);
        p.setString(11, e.userRole);
        p.setString(12, e.agentUsed);
        p.setString(13, e.queryType);
        p.setInt(14, e.hourOfDay);
        p.setInt(15, e.dayOfWeek);
        p.setBoolean(16, e.isWeekend);
        p.setObject(17, LocalDate.ofEpochDay(e.createdDate), Types.DATE);
        p.setLong(18, e.lsn);
        p.setString(19, "c");
        p.setObject(20, timestamp(e.commitMicros), Types.TIMESTAMP_WITH_TIMEZONE);
    }

    private static OffsetDateTime timestamp(long micros) {
        return Instant.ofEpochSecond(
                        Math.floorDiv(micros, 1_000_000L),
                        Math.floorMod(micros, 1_000_000L) * 1000L)
                .atOffset(ZoneOffset.UTC);
    }

    // ---- raw COPY: the same rows in COPY TEXT ----

    /** Appends row {@code e} as one COPY TEXT line of {@link #COLUMNS}. */
    static void encodeCopyLine(EnrichedRequest e, StringBuilder sb) {
        RequestRow r = e.request;
        text(sb, r.id).append('\t');
        text(sb, r.userId).append('\t');
        text(sb, r.query).append('\t');
        text(sb, r.response).append('\t');
        text(sb, r.model).append('\t');
        sb.append(r.tokensUsed).append('\t');
        sb.append(r.executionTimeMs).append('\t');
        text(sb, r.status).append('\t');
        sb.append(timestamp(r.createdAtMicros)).append('\t');
        text(sb, e.userEmail).append('\t');
        text(sb, e.userRole).append('\t');
        text(sb, e.agentUsed).append('\t');
        text(sb, e.queryType).append('\t');
        sb.append(e.hourOfDay).append('\t');
        sb.append(e.dayOfWeek).append('\t');
        sb.append(e.isWeekend ? 't' : 'f').append('\t');
        sb.append(LocalDate.ofEpochDay(e.createdDate)).append('\t');
        sb.append(e.lsn).append('\t');
        sb.append('c').append('\t');
        sb.append(timestamp(e.commitMicros)).append('\n');
    }

    private static StringBuilder text(StringBuilder sb, String s) {
        if (s == null) {
            return sb.append("\\N");
        }
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> sb.append(c);
            }
        }
        return sb;
    }

    /** Rows [0, n) pre-encoded in chunks of about 8 MiB, ready for one COPY FROM STDIN. */
    static List<byte[]> encodeCopy(long n, long users) {
        List<byte[]> chunks = new ArrayList<>();
        StringBuilder sb = new StringBuilder(9 << 20);
        for (long i = 0; i < n; i++) {
            encodeCopyLine(enriched(i, users), sb);
            if (sb.length() >= 8 << 20) {
                chunks.add(sb.toString().getBytes(StandardCharsets.UTF_8));
                sb.setLength(0);
            }
        }
        if (sb.length() > 0) {
            chunks.add(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        return chunks;
    }

    static long bytes(List<byte[]> chunks) {
        long n = 0;
        for (byte[] c : chunks) {
            n += c.length;
        }
        return n;
    }
}
