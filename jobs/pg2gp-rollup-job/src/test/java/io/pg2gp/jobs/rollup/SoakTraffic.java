package io.pg2gp.jobs.rollup;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Source traffic shaped like the seed's, at a steady rate of small transactions for a soak: 60 days
 * of requests seeded up front, then requests created "now" (a clock that starts at {@link #NOW} and
 * runs in real time) and completed later, updates of requests up to 60 days old, requests moved
 * across hours and to other users, deletes, new users and role changes. One change per transaction,
 * as the application writes them.
 */
final class SoakTraffic implements AutoCloseable {

    /** Where the simulated clock starts: 60 days back from it span three monthly partitions. */
    static final Instant NOW = Instant.parse("2025-06-01T00:00:00Z");

    static final Duration HISTORY = Duration.ofDays(60);

    private static final String[] ROLES = {"developer", "analyst", "admin", "viewer"};
    private static final String[] AGENTS = {
        "Developer", "Architect", "Analyst", "QA", "DevOps", "Security", "Docs", "Support"
    };
    private static final String[] MODELS = {"gpt-4o", "claude-3.5-sonnet", "llama-3-70b"};

    private final Connection c;
    private final Random random;
    private final List<String> users = new ArrayList<>();
    private final List<String> requests = new ArrayList<>();
    private final List<String> pending = new ArrayList<>();
    private final AtomicLong transactions = new AtomicLong();
    private final PreparedStatement insertUser;
    private final PreparedStatement insertRequest;
    private final PreparedStatement completeRequest;
    private final PreparedStatement updateOld;
    private final PreparedStatement moveHour;
    private final PreparedStatement moveUser;
    private final PreparedStatement deleteRequest;
    private final PreparedStatement changeRole;
    private volatile boolean running;
    private volatile SQLException failure;
    private Thread thread;
    private long startedNanos;

    SoakTraffic(Connection c, long seed) throws SQLException {
        this.c = c;
        this.random = new Random(seed);
        c.setAutoCommit(true);
        insertUser =
                c.prepareStatement(
                        "INSERT INTO public.users (id, email, role, registered_at) VALUES"
                                + " (gen_random_uuid(), 'soak-' || gen_random_uuid() ||"
                                + " '@example.com', ?, ?) RETURNING id::text");
        insertRequest =
                c.prepareStatement(
                        "INSERT INTO public.requests (id, user_id, query, model, status,"
                                + " created_at) VALUES (gen_random_uuid(), ?::uuid, ?, ?,"
                                + " 'pending', ?) RETURNING id::text");
        completeRequest =
                c.prepareStatement(
                        "UPDATE public.requests SET response = jsonb_build_object('agent_used',"
                                + " ?::text, 'query_type', 'code', 'answer', repeat('word ', ?)),"
                                + " tokens_used = ?, execution_time_ms = ?, status = ? WHERE id ="
                                + " ?::uuid");
        updateOld =
                c.prepareStatement(
                        "UPDATE public.requests SET status = ?, tokens_used = coalesce(tokens_used,"
                                + " 0) + ? WHERE id = ?::uuid");
        moveHour =
                c.prepareStatement(
                        "UPDATE public.requests SET created_at = greatest(?, least(?, created_at"
                                + " + ? * interval '1 hour')) WHERE id = ?::uuid");
        moveUser =
                c.prepareStatement(
                        "UPDATE public.requests SET user_id = ?::uuid WHERE id = ?::uuid");
        deleteRequest = c.prepareStatement("DELETE FROM public.requests WHERE id = ?::uuid");
        changeRole = c.prepareStatement("UPDATE public.users SET role = ? WHERE id = ?::uuid");
    }

    /**
     * {@code userCount} users and {@code requestCount} requests created over the {@link #HISTORY}
     * before {@link #NOW} (a third still pending), written in one statement each.
     */
    void seed(int userCount, int requestCount) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT setseed(0.42)");
            s.execute(
                    "INSERT INTO public.users (id, email, role, registered_at) SELECT"
                            + " gen_random_uuid(), 'seed' || g || '@example.com',"
                            + " (ARRAY['developer', 'analyst', 'admin', 'viewer'])[1 + g % 4],"
                            + " timestamptz '"
                            + NOW.minus(HISTORY.multipliedBy(2))
                            + "' FROM generate_series(1, "
                            + userCount
                            + ") g");
            s.execute(
                    "INSERT INTO public.requests (id, user_id, query, response, model,"
                            + " tokens_used, execution_time_ms, status, created_at) SELECT"
                            + " gen_random_uuid(), u.ids[1 + g % array_length(u.ids, 1)],"
                            + " 'seeded question ' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE"
                            + " jsonb_build_object('agent_used', (ARRAY['Developer', 'Architect',"
                            + " 'Analyst', 'QA'])[1 + g % 4], 'query_type', 'explain', 'answer',"
                            + " repeat('word ', 5 + g % 40)) END, 'gpt-4o', CASE WHEN g % 3 = 0"
                            + " THEN NULL ELSE 50 + g % 4000 END, CASE WHEN g % 3 = 0 THEN NULL"
                            + " ELSE 100 + g % 9000 END, CASE WHEN g % 3 = 0 THEN 'pending' ELSE"
                            + " 'success' END, timestamptz '"
                            + NOW
                            + "' - random() * interval '"
                            + HISTORY.toDays()
                            + " days' FROM generate_series(1, "
                            + requestCount
                            + ") g, (SELECT array_agg(id ORDER BY id) ids FROM public.users) u");
            try (ResultSet rs = s.executeQuery("SELECT id::text FROM public.users ORDER BY id")) {
                while (rs.next()) {
                    users.add(rs.getString(1));
                }
            }
            try (ResultSet rs =
                    s.executeQuery(
                            "SELECT id::text, status = 'pending' FROM public.requests ORDER BY id")) {
                while (rs.next()) {
                    requests.add(rs.getString(1));
                    if (rs.getBoolean(2)) {
                        pending.add(rs.getString(1));
                    }
                }
            }
        }
    }

    /** Starts writing {@code perSecond} transactions a second (or what the source sustains). */
    void start(int perSecond) {
        running = true;
        startedNanos = System.nanoTime();
        thread = new Thread(() -> run(perSecond), "pg2gp-soak-traffic");
        thread.setDaemon(true);
        thread.start();
    }

    private void run(int perSecond) {
        long intervalNanos = 1_000_000_000L / perSecond;
        long next = System.nanoTime();
        try {
            while (running) {
                change();
                transactions.incrementAndGet();
                next += intervalNanos;
                long sleep = next - System.nanoTime();
                if (sleep > 0) {
                    Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                } else if (sleep < -1_000_000_000L) {
                    next = System.nanoTime(); // fell behind: do not burst to catch up
                }
            }
        } catch (SQLException e) {
            failure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One transaction: a single change drawn from the seed-shaped mix. */
    private void change() throws SQLException {
        int dice = random.nextInt(100);
        if (dice < 35 || requests.size() < 10) {
            insertRequest.setString(1, users.get(random.nextInt(users.size())));
            insertRequest.setString(2, "question " + random.nextInt(100_000));
            insertRequest.setString(3, MODELS[random.nextInt(MODELS.length)]);
            insertRequest.setTimestamp(4, Timestamp.from(now()));
            String id = single(insertRequest);
            requests.add(id);
            pending.add(id);
        } else if (dice < 65 && !pending.isEmpty()) {
            String id = removeRandom(pending);
            completeRequest.setString(1, AGENTS[random.nextInt(AGENTS.length)]);
            completeRequest.setInt(2, 5 + random.nextInt(60));
            completeRequest.setInt(3, 50 + random.nextInt(4000));
            completeRequest.setInt(4, 100 + random.nextInt(random.nextInt(10) == 0 ? 20000 : 4000));
            completeRequest.setString(5, random.nextInt(20) == 0 ? "error" : "success");
            completeRequest.setString(6, id);
            completeRequest.executeUpdate();
        } else if (dice < 80) {
            // Any request, up to 60 days old.
            updateOld.setString(1, random.nextBoolean() ? "reviewed" : "success");
            updateOld.setInt(2, 1 + random.nextInt(50));
            updateOld.setString(3, requests.get(random.nextInt(requests.size())));
            updateOld.executeUpdate();
        } else if (dice < 86) {
            moveHour.setTimestamp(1, Timestamp.from(NOW.minus(HISTORY)));
            moveHour.setTimestamp(2, Timestamp.from(now()));
            moveHour.setInt(3, (random.nextBoolean() ? 1 : -1) * (1 + random.nextInt(72)));
            moveHour.setString(4, requests.get(random.nextInt(requests.size())));
            moveHour.executeUpdate();
        } else if (dice < 90) {
            moveUser.setString(1, users.get(random.nextInt(users.size())));
            moveUser.setString(2, requests.get(random.nextInt(requests.size())));
            moveUser.executeUpdate();
        } else if (dice < 96) {
            String id = removeRandom(requests);
            pending.remove(id);
            deleteRequest.setString(1, id);
            deleteRequest.executeUpdate();
        } else if (dice < 99) {
            changeRole.setString(1, ROLES[random.nextInt(ROLES.length)]);
            changeRole.setString(2, users.get(random.nextInt(users.size())));
            changeRole.executeUpdate();
        } else {
            insertUser.setString(1, ROLES[random.nextInt(ROLES.length)]);
            insertUser.setTimestamp(2, Timestamp.from(now()));
            users.add(single(insertUser));
        }
    }

    /** The simulated clock: {@link #NOW} plus the real time since traffic started. */
    private Instant now() {
        return NOW.plusNanos(System.nanoTime() - startedNanos);
    }

    private String removeRandom(List<String> list) {
        int i = random.nextInt(list.size());
        String picked = list.get(i);
        list.set(i, list.get(list.size() - 1));
        list.remove(list.size() - 1);
        return picked;
    }

    private static String single(PreparedStatement p) throws SQLException {
        try (ResultSet rs = p.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }

    long transactions() {
        return transactions.get();
    }

    /** Stops the traffic; throws what stopped it early, if anything did. */
    void stop() throws SQLException, InterruptedException {
        running = false;
        if (thread != null) {
            thread.join(10_000);
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public void close() throws SQLException {
        running = false;
        c.close();
    }
}
