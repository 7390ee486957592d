package io.pg2gp.connector.warehouse.internal.commit;

import io.pg2gp.connector.warehouse.DeleteMode;
import io.pg2gp.connector.warehouse.internal.commit.GreenplumApplyFixture.Version;
import io.pg2gp.testutils.GreenplumCluster;
import io.pg2gp.testutils.SharedGreenplum;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The apply's lock footprint on a real Greenplum 6: while an apply that replaced and deleted rows
 * in several partitions waits at its commit, holding every lock it took (an exclusive-mode lock on
 * the fact table, its partitions, staging and touched_hours), a reader of the fact table is not
 * blocked and sees the table as it was before the apply.
 */
class ApplyLocksGreenplumITCase {

    private static final Instant JAN = Instant.parse("2024-01-10T10:00:00Z");
    private static final Instant MAY = Instant.parse("2024-05-10T10:00:00Z");

    private GreenplumApplyFixture gp;
    private String db;

    @AfterEach
    void close() throws SQLException {
        if (gp != null) {
            gp.close();
            SharedGreenplum.cluster().execute("postgres", "DROP DATABASE IF EXISTS " + db);
        }
    }

    @Test
    void readersAreNotBlockedWhileAnApplyHoldsItsLocks() throws Exception {
        GreenplumCluster cluster = SharedGreenplum.cluster();
        db = SharedGreenplum.createDatabase("apply_locks");
        gp = new GreenplumApplyFixture(cluster, db, "on");
        List<Version> first = new ArrayList<>();
        for (int k = 0; k < 20; k++) {
            Instant at = (k % 2 == 0 ? JAN : MAY).plusSeconds(k);
            first.add(
                    new Version(
                            1, k, new UUID(0, k), new UUID(1, k % 3), "v1", at, null, 10 + k, 'c'));
        }
        BatchApplier applier = gp.applier(DeleteMode.MIRROR);
        gp.stage(1, first);
        applier.apply(gp.c, gp.committable(1, 1));

        List<Version> second = new ArrayList<>();
        for (int k = 0; k < 20; k++) {
            Version v = first.get(k);
            char op = k % 5 == 0 ? 'd' : 'u';
            second.add(
                    new Version(
                            2,
                            k,
                            v.id(),
                            v.user(),
                            op == 'd' ? null : "v2",
                            v.at(),
                            op == 'd' ? null : v.at(),
                            100 + k,
                            op));
        }
        gp.stage(2, second);
        int session = ObservedApply.sessionId(gp.c);
        List<String> heldAtCommit = new ArrayList<>();
        List<String> readerSaw = new ArrayList<>();
        try (Connection observer = cluster.connect(db);
                Connection reader = cluster.connect(db)) {
            BatchApplier.Result result =
                    ObservedApply.apply(
                            applier,
                            gp.c,
                            gp.committable(2, 2),
                            sql -> {
                                if (sql.equals("COMMIT")) {
                                    Map<String, List<Integer>> locks =
                                            ObservedApply.relationLocks(observer, session);
                                    heldAtCommit.addAll(locks.keySet());
                                    readerSaw.add(read(reader));
                                }
                            });
            assertThat(result.deleted()).isEqualTo(20);
            assertThat(result.upserted()).isEqualTo(16);
            // The apply holds a write lock on the table and its partitions at that point...
            assertThat(heldAtCommit)
                    .anyMatch(l -> l.matches("items (Row)?ExclusiveLock"))
                    .anyMatch(l -> l.matches("items_1_prt_\\* (Row)?ExclusiveLock"));
            // ...and the reader, with a statement timeout, neither waited nor saw the uncommitted
            // apply: 20 rows of version 1.
            assertThat(readerSaw).containsExactly("20 rows, 20 of v1");
            assertThat(read(reader)).isEqualTo("16 rows, 0 of v1");
        }
    }

    private static String read(Connection reader) throws SQLException {
        try (Statement s = reader.createStatement()) {
            s.execute("SET statement_timeout = '60s'");
            try (ResultSet rs =
                    s.executeQuery(
                            "SELECT count(*), sum(CASE WHEN name = 'v1' THEN 1 ELSE 0 END) FROM"
                                    + " public.items")) {
                rs.next();
                return rs.getLong(1) + " rows, " + rs.getLong(2) + " of v1";
            }
        }
    }
}
