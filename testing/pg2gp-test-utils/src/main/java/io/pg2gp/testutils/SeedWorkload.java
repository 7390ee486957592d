package io.pg2gp.testutils;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Writes traffic shaped like the seed's workload into the source tables: new users; requests
 * inserted as {@code pending} and later completed with a response, status and execution time;
 * occasional deletes. Used by the tests, the demo traffic and the benchmarks.
 */
public final class SeedWorkload {

    public static final String[] AGENTS = {
        "Developer", "Architect", "Analyst", "QA", "DevOps", "Security", "Docs", "Support"
    };
    private static final String[] ROLES = {"developer", "analyst", "admin", "viewer"};
    private static final String[] MODELS = {"gpt-4o", "claude-3.5-sonnet", "llama-3-70b"};
    private static final String[] QUERY_TYPES = {"code", "explain", "review", "search"};
    private static final String[] QUERIES = {
        "How do I post a document in 1C?",
        "Explain the register of accumulation",
        "Review this query: SELECT * FROM\tdocuments",
        "Why is my report slow?\nIt scans everything",
        "Generate a unit test for \"CalculateTax\"",
        "Что такое регистр сведений?",
        "Path C:\\bases\\prod is locked",
    };

    private final Connection c;
    private final Random random;
    private final List<String> users = new ArrayList<>();
    private final List<String> pending = new ArrayList<>();
    private final List<String> requests = new ArrayList<>();
    private final PreparedStatement insertUser;
    private final PreparedStatement insertRequest;
    private final PreparedStatement completeRequest;
    private final PreparedStatement deleteRequest;
    private final PreparedStatement updateUser;
    private long clockMicros;
    private boolean wallClock;

    public SeedWorkload(Connection c, long seed) throws SQLException {
        this.c = c;
        this.random = new Random(seed);
        this.clockMicros = Instant.parse("2025-03-01T00:00:00Z").toEpochMilli() * 1000;
        insertUser =
                c.prepareStatement(
                        "INSERT INTO public.users (id, email, role, registered_at) VALUES (?::uuid, ?, ?, ?)");
        insertRequest =
                c.prepareStatement(
                        "INSERT INTO public.requests (id, user_id, query, response, model,"
                                + " tokens_used, execution_time_ms, status, created_at) VALUES"
                                + " (?::uuid, ?::uuid, ?, NULL, ?, NULL, NULL, 'pending', ?)");
        completeRequest =
                c.prepareStatement(
                        "UPDATE public.requests SET response = ?::jsonb, tokens_used = ?,"
                                + " execution_time_ms = ?, status = ? WHERE id = ?::uuid");
        deleteRequest = c.prepareStatement("DELETE FROM public.requests WHERE id = ?::uuid");
        updateUser = c.prepareStatement("UPDATE public.users SET role = ? WHERE id = ?::uuid");
    }

    /**
     * Starts the simulated clock at {@code start} instead of March 2025 (the tests' fixed dates),
     * e.g. a few days before now, so a demo's recent-days views have data.
     */
    public SeedWorkload startingAt(Instant start) {
        this.clockMicros = start.toEpochMilli() * 1000;
        return this;
    }

    /** From now on rows are dated now, as live traffic is (the simulated clock runs faster). */
    public SeedWorkload onWallClock() {
        this.wallClock = true;
        return this;
    }

    public List<String> userIds() {
        return users;
    }

    public List<String> requestIds() {
        return requests;
    }

    /** When {@code true} (default), created_at advances with a simulated clock over months. */
    private Timestamp nextCreatedAt() {
        if (wallClock) {
            return Timestamp.from(Instant.now());
        }
        clockMicros += 1_000_000L * (1 + random.nextInt(120));
        Timestamp t = new Timestamp(clockMicros / 1000);
        t.setNanos((int) (clockMicros % 1_000_000) * 1000);
        return t;
    }

    public String addUser() throws SQLException {
        String id = uuid();
        insertUser.setString(1, id);
        insertUser.setString(2, "user" + users.size() + "." + id.substring(0, 6) + "@example.com");
        insertUser.setString(3, ROLES[random.nextInt(ROLES.length)]);
        insertUser.setTimestamp(4, nextCreatedAt());
        insertUser.executeUpdate();
        users.add(id);
        return id;
    }

    public String addRequest() throws SQLException {
        if (users.isEmpty()) {
            addUser();
        }
        return addRequest(users.get(random.nextInt(users.size())));
    }

    public String addRequest(String userId) throws SQLException {
        String id = uuid();
        insertRequest.setString(1, id);
        insertRequest.setString(2, userId);
        insertRequest.setString(3, QUERIES[random.nextInt(QUERIES.length)]);
        insertRequest.setString(4, MODELS[random.nextInt(MODELS.length)]);
        insertRequest.setTimestamp(5, nextCreatedAt());
        insertRequest.executeUpdate();
        requests.add(id);
        pending.add(id);
        return id;
    }

    /** Completes one pending request (response, tokens, time, status); false if none pending. */
    public boolean completeRequest() throws SQLException {
        if (pending.isEmpty()) {
            return false;
        }
        String id = pending.remove(random.nextInt(pending.size()));
        completeRequest.setString(1, response());
        completeRequest.setInt(2, 50 + random.nextInt(4000));
        completeRequest.setInt(3, 100 + random.nextInt(random.nextInt(10) == 0 ? 20000 : 4000));
        completeRequest.setString(4, random.nextInt(20) == 0 ? "error" : "success");
        completeRequest.setString(5, id);
        completeRequest.executeUpdate();
        return true;
    }

    public boolean deleteRequest() throws SQLException {
        if (requests.isEmpty()) {
            return false;
        }
        String id = requests.remove(random.nextInt(requests.size()));
        pending.remove(id);
        deleteRequest.setString(1, id);
        deleteRequest.executeUpdate();
        return true;
    }

    public void changeUserRole(String userId) throws SQLException {
        updateUser.setString(1, ROLES[random.nextInt(ROLES.length)]);
        updateUser.setString(2, userId);
        updateUser.executeUpdate();
    }

    /** One step of steady demo traffic: mostly inserts and completions, some users and deletes. */
    public void step() throws SQLException {
        int dice = random.nextInt(100);
        if (dice < 3 || users.isEmpty()) {
            addUser();
        } else if (dice < 50) {
            addRequest();
        } else if (dice < 97) {
            if (!completeRequest()) {
                addRequest();
            }
        } else {
            deleteRequest();
        }
    }

    private String response() {
        StringBuilder answer = new StringBuilder();
        int words = 5 + random.nextInt(40);
        for (int i = 0; i < words; i++) {
            answer.append(i == 0 ? "" : " ").append("word").append(random.nextInt(1000));
        }
        return "{\"agent_used\": \""
                + AGENTS[random.nextInt(AGENTS.length)]
                + "\", \"query_type\": \""
                + QUERY_TYPES[random.nextInt(QUERY_TYPES.length)]
                + "\", \"confidence\": "
                + (random.nextInt(100) / 100.0)
                + ", \"answer\": \""
                + answer
                + "\"}";
    }

    private String uuid() {
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    public Connection connection() {
        return c;
    }
}
