package io.pg2gp.connector.warehouse.internal.commit;

import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.internal.commit.GreenplumApplyFixture.Version;
import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.SharedGreenplum;

import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

/**
 * Compares storage layouts of the fact table under the seed's workload on Greenplum, through the
 * committer's real {@link BatchApplier}: heap (shipped), append-optimized row and column tables
 * with zstd, and a hot heap month beside cold months exchanged into AO column zstd tables. Each
 * layout gets the same history (rows over five closed months) and the same simulated days of
 * traffic in the open month: requests inserted pending, completed by the next batch with a wide
 * response, about 3% of changes deleting a random older request (as {@code SeedWorkload.step}).
 * Prints, per layout: apply time per batch, size, dead or hidden rows, VACUUM time and the size
 * after it, and a scan of the closed months.
 *
 * <p>Not a test (timings vary with the machine). Build the class path as for {@link
 * ApplyPlansOnGreenplum}, then:
 *
 * <pre>
 * java -cp ... io.pg2gp.connector.warehouse.internal.commit.StorageLayoutsOnGreenplum \
 *     [historyRows=200000] [days=4] [requestsPerDay=6000] [newPerBatch=250] [layouts=all]
 * </pre>
 */
public final class StorageLayoutsOnGreenplum {

    static final String AOCO =
            "appendonly=true, orientation=column, compresstype=zstd, compresslevel=1";
    static final String AOROW =
            "appendonly=true, orientation=row, compresstype=zstd, compresslevel=1";
    static final List<String> LAYOUTS =
            List.of("heap", "ao_row_zstd", "ao_column_zstd", "hot_heap_cold_aoco");
    static final Instant OPEN_MONTH = Instant.parse("2024-06-01T00:00:00Z");

    private StorageLayoutsOnGreenplum() {}

    public static void main(String[] args) throws Exception {
        int history = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int days = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int perDay = args.length > 2 ? Integer.parseInt(args[2]) : 6000;
        int perBatch = args.length > 3 ? Integer.parseInt(args[3]) : 250;
        List<String> layouts = args.length > 4 ? List.of(args[4].split(",")) : LAYOUTS;
        GreenplumCluster cluster = SharedGreenplum.cluster();
        Map<String, Map<String, String>> results = new LinkedHashMap<>();
        for (String layout : layouts) {
            results.put(layout, run(cluster, layout, history, days, perDay, perBatch));
            print(results);
        }
    }

    static Map<String, String> run(
            GreenplumCluster cluster,
            String layout,
            int history,
            int days,
            int perDay,
            int perBatch)
            throws SQLException {
        String db = SharedGreenplum.createDatabase("storage_" + layout.replace('_', 'x'));
        GreenplumApplyFixture gp = new GreenplumApplyFixture(cluster, db, "on");
        Map<String, String> out = new LinkedHashMap<>();
        try {
            String with =
                    layout.equals("ao_row_zstd")
                            ? AOROW
                            : layout.equals("ao_column_zstd") ? AOCO : null;
            String ddl = GreenplumApplyFixture.DDL;
            if (with != null) {
                ddl = ddl.replace("DISTRIBUTED BY", "WITH (" + with + ") DISTRIBUTED BY");
            }
            gp.execute(
                    "DROP TABLE public.items", ddl, "CREATE INDEX items_id ON public.items (id)");
            gp.execute(
                    "INSERT INTO public.items (id, user_id, name, created_at, _cdc_lsn, _cdc_op)"
                            + " SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(g), 12, '0'))::uuid,"
                            + " ('00000000-0000-0001-0000-' || lpad(to_hex(g % 500), 12, '0'))::uuid, "
                            + response("g")
                            + ", timestamptz '2024-01-01 00:00+00' + (g::float8 / "
                            + history
                            + ") * interval '151 days', 10, 'c' FROM generate_series(1, "
                            + history
                            + ") g");
            if (layout.equals("hot_heap_cold_aoco")) {
                long start = System.nanoTime();
                for (int month = 1; month <= 5; month++) {
                    exchangeToColumnar(gp, month);
                }
                out.put(
                        "exchange 5 months ms",
                        String.valueOf((System.nanoTime() - start) / 1_000_000));
            }
            gp.execute("ANALYZE public.items");
            out.put("size after history MB", mb(gp, "pg_total_relation_size"));
            simulate(gp, history, days, perDay, perBatch, out);
            out.put("live rows", String.valueOf(gp.count("SELECT count(*) FROM public.items")));
            out.put("table MB (data+aux)", mb(gp, "pg_total_relation_size"));
            out.put("of which indexes MB", mb(gp, "pg_indexes_size"));
            out.put("dead heap rows", String.valueOf(deadHeapRows(gp)));
            out.put("hidden AO rows", String.valueOf(hiddenAoRows(gp)));
            out.put("scan closed months ms", String.valueOf(scanMillis(gp)));
            long v = System.nanoTime();
            gp.execute("VACUUM public.items");
            out.put("VACUUM ms", String.valueOf((System.nanoTime() - v) / 1_000_000));
            out.put("MB after VACUUM", mb(gp, "pg_total_relation_size"));
            out.put("hidden AO rows after VACUUM", String.valueOf(hiddenAoRows(gp)));
        } finally {
            gp.close();
            cluster.execute("postgres", "DROP DATABASE IF EXISTS " + db);
        }
        return out;
    }

    /** A completed request's payload, about 300 bytes (the query plus the response JSON). */
    static String response(String g) {
        return "'{\"agent_used\": \"agent' || ("
                + g
                + " % 5) || '\", \"answer\": \"'"
                + " || repeat('word' || ("
                + g
                + " % 997) || ' ', 20 + "
                + g
                + " % 25) || '\"}'";
    }

    /** Month m (1 = January, partition items_1_prt_{m+1}) moved into an AO column zstd table. */
    static void exchangeToColumnar(GreenplumApplyFixture gp, int month) throws SQLException {
        String part = "public.items_1_prt_" + (month + 1);
        gp.execute(
                "CREATE TABLE public.items_cold (LIKE "
                        + part
                        + ") WITH ("
                        + AOCO
                        + ") DISTRIBUTED BY (user_id)",
                "INSERT INTO public.items_cold SELECT * FROM " + part,
                "CREATE INDEX items_cold_id_" + month + " ON public.items_cold (id)",
                "ALTER TABLE public.items EXCHANGE PARTITION FOR (timestamptz '2024-0"
                        + month
                        + "-01 00:00+00') WITH TABLE public.items_cold",
                "DROP TABLE public.items_cold");
    }

    /**
     * The open month's traffic: each batch inserts {@code perBatch} new pending requests, completes
     * those of the previous batch (same hour, wide response) and deletes about 3% as many random
     * older requests (history or completed), as the seed's demo traffic does.
     */
    static void simulate(
            GreenplumApplyFixture gp,
            int history,
            int days,
            int perDay,
            int perBatch,
            Map<String, String> out)
            throws SQLException {
        BatchApplier applier = gp.applier(DeleteMode.MIRROR);
        Random random = new Random(11);
        List<Version> pending = new ArrayList<>();
        List<Version> completed = new ArrayList<>();
        Set<Long> deletedHistory = new HashSet<>();
        List<Long> millis = new ArrayList<>();
        long lsn = 1_000;
        long next = 1;
        int batches = days * perDay / perBatch;
        long step = 86_400L * days / batches;
        for (int b = 1; b <= batches; b++) {
            Instant clock = OPEN_MONTH.plusSeconds(step * b);
            List<Version> versions = new ArrayList<>();
            int seq = 0;
            for (Version p : pending) {
                String done =
                        "{\"agent_used\": \"agent"
                                + random.nextInt(5)
                                + "\", \"answer\": \""
                                + "word".repeat(20 + random.nextInt(25))
                                + random.nextInt(1000)
                                + "\"}";
                Version v =
                        new Version(b, seq++, p.id(), p.user(), done, p.at(), p.at(), ++lsn, 'u');
                versions.add(v);
                completed.add(v);
            }
            pending.clear();
            for (int i = 0; i < perBatch; i++) {
                UUID user = new UUID(1, random.nextInt(500));
                Instant at = clock.plusSeconds(i);
                Version v =
                        new Version(
                                b,
                                seq++,
                                new UUID(4, next++),
                                user,
                                "pending query " + i,
                                at,
                                null,
                                ++lsn,
                                'c');
                versions.add(v);
                pending.add(v);
            }
            for (int d = 0; d < Math.max(1, perBatch * 3 / 47); d++) {
                Version gone;
                if (random.nextBoolean() || completed.isEmpty()) {
                    long g = 1 + random.nextInt(history);
                    if (!deletedHistory.add(g)) {
                        continue;
                    }
                    Instant at =
                            Instant.parse("2024-01-01T00:00:00Z")
                                    .plusNanos(
                                            (long) ((double) g / history * 151 * 86_400_000_000L)
                                                    * 1000);
                    gone =
                            new Version(
                                    b,
                                    seq,
                                    new UUID(0, g),
                                    new UUID(1, g % 500),
                                    null,
                                    at,
                                    null,
                                    0,
                                    'd');
                } else {
                    Version c = completed.remove(random.nextInt(completed.size()));
                    gone = new Version(b, seq, c.id(), c.user(), null, c.at(), null, 0, 'd');
                }
                versions.add(
                        new Version(
                                b,
                                seq++,
                                gone.id(),
                                gone.user(),
                                null,
                                gone.at(),
                                null,
                                ++lsn,
                                'd'));
            }
            gp.stage(b, versions);
            long start = System.nanoTime();
            applier.apply(gp.c, gp.committable(b, b));
            millis.add((System.nanoTime() - start) / 1_000_000);
        }
        millis.sort(Long::compare);
        out.put("applies", String.valueOf(batches));
        out.put("changes per apply", String.valueOf(2 * perBatch + perBatch * 3 / 47));
        out.put("apply p50 ms", String.valueOf(millis.get(millis.size() / 2)));
        out.put("apply p95 ms", String.valueOf(millis.get(millis.size() * 95 / 100)));
        out.put(
                "apply mean ms",
                String.valueOf(millis.stream().mapToLong(Long::longValue).sum() / millis.size()));
    }

    static String partitionsOf() {
        return "SELECT inhrelid FROM pg_inherits WHERE inhparent = 'public.items'::regclass";
    }

    static String mb(GreenplumApplyFixture gp, String function) throws SQLException {
        long bytes =
                gp.count(
                        "SELECT coalesce(sum("
                                + function
                                + "(inhrelid)), 0)::bigint FROM pg_inherits"
                                + " WHERE inhparent = 'public.items'::regclass");
        return String.format("%.1f", bytes / 1048576.0);
    }

    /** Dead tuples of the heap partitions, summed over the segments' statistics. */
    static long deadHeapRows(GreenplumApplyFixture gp) throws SQLException {
        return gp.count(
                "SELECT coalesce(sum(n_dead_tup), 0)::bigint FROM gp_dist_random('pg_stat_all_tables') s"
                        + " JOIN pg_class c ON c.oid = s.relid WHERE c.relstorage = 'h' AND s.relid IN ("
                        + partitionsOf()
                        + ")");
    }

    /**
     * Rows deleted or replaced in the append-optimized partitions that VACUUM has not compacted.
     */
    static long hiddenAoRows(GreenplumApplyFixture gp) throws SQLException {
        long hidden = 0;
        List<String> aos = new ArrayList<>();
        try (var s = gp.c.createStatement();
                var rs =
                        s.executeQuery(
                                "SELECT c.oid::regclass::text FROM pg_class c WHERE c.relstorage IN ('a', 'c')"
                                        + " AND c.oid IN ("
                                        + partitionsOf()
                                        + ")")) {
            while (rs.next()) {
                aos.add(rs.getString(1));
            }
        }
        for (String t : aos) {
            // The function reads the segment it runs on: call it on every segment.
            hidden +=
                    gp.count(
                            "SELECT coalesce(sum((f).hidden_tupcount), 0)::bigint FROM (SELECT"
                                    + " gp_toolkit.__gp_aovisimap_hidden_info('"
                                    + t
                                    + "'::regclass) AS f FROM gp_dist_random('gp_id')) x");
        }
        return hidden;
    }

    /** A dashboard-like aggregate over the five closed months. */
    static long scanMillis(GreenplumApplyFixture gp) throws SQLException {
        long start = System.nanoTime();
        gp.count(
                "SELECT count(*) FROM (SELECT date_trunc('day', created_at), count(*), avg(length(name))"
                        + " FROM public.items WHERE created_at < timestamptz '2024-06-01 00:00+00' GROUP BY 1) x");
        return (System.nanoTime() - start) / 1_000_000;
    }

    static void print(Map<String, Map<String, String>> results) {
        List<String> layouts = new ArrayList<>(results.keySet());
        List<String> rows = new ArrayList<>();
        results.values()
                .forEach(
                        m ->
                                m.keySet()
                                        .forEach(
                                                k -> {
                                                    if (!rows.contains(k)) {
                                                        rows.add(k);
                                                    }
                                                }));
        StringBuilder sb = new StringBuilder(String.format("%n%-28s", "layout"));
        layouts.forEach(l -> sb.append(String.format(" | %18s", l)));
        for (String r : rows) {
            sb.append(String.format("%n%-28s", r));
            layouts.forEach(
                    l -> sb.append(String.format(" | %18s", results.get(l).getOrDefault(r, "-"))));
        }
        System.out.println(sb);
    }
}
