package io.pg2gp.connector.warehouse.internal.commit;

import io.pg2gp.connector.warehouse.HousekeepingOptions;
import io.pg2gp.connector.warehouse.internal.sql.HousekeepingStatements;
import io.pg2gp.connector.warehouse.internal.sql.WarehouseSetup;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The committer's housekeeping after each apply: VACUUM of staging and the other tables the apply
 * deletes from, every {@link HousekeepingOptions#vacuumEveryApplies()} applies or sooner after
 * {@link HousekeepingOptions#vacuumAfterRows()} staged rows; and every {@link
 * HousekeepingOptions#analyzeEveryApplies()} applies ANALYZE of staging and of each partition of
 * the target whose rows changed by more than {@link HousekeepingOptions#analyzeChangedFraction()}
 * since its last ANALYZE, with VACUUM where updates and deletes also left dead rows (Greenplum has
 * no autovacuum; on PostgreSQL this only runs sooner what autovacuum would). Runs on the
 * committer's connection between applies, in autocommit (VACUUM cannot run in a transaction block),
 * so it never holds up an apply and never sees one half done.
 */
@Internal
public final class WarehouseHousekeeper {

    private static final Logger LOG = LoggerFactory.getLogger(WarehouseHousekeeper.class);

    /** What one {@link #afterApply} call did, for logs and tests. */
    public record Report(List<String> vacuumed, List<String> analyzed, long millis) {
        public boolean isEmpty() {
            return vacuumed.isEmpty() && analyzed.isEmpty();
        }
    }

    /** Changed rows below which a partition with statistics is not analysed again. */
    static final long MIN_CHANGED = 500;

    private static final Report NOTHING = new Report(List.of(), List.of(), 0);

    private final HousekeepingOptions options;
    private final HousekeepingStatements sql;
    private final Set<String> warned = new HashSet<>();
    private final Map<Long, Long> changedAtAnalyze = new HashMap<>();

    /** Per leaf, its rows updated or deleted (cumulative) when it was last vacuumed here. */
    private final Map<Long, Long> removedAtVacuum = new HashMap<>();

    private int appliesSinceVacuum;
    private long rowsSinceVacuum;
    private int appliesSinceAnalyze;
    private long applies;
    private Boolean stagingSlotted;

    public WarehouseHousekeeper(HousekeepingOptions options, HousekeepingStatements sql) {
        this.options = options;
        this.sql = sql;
    }

    /**
     * Called after an apply of {@code stagedRows} rows committed. Never throws: a failed statement
     * is logged and the next one runs; the pipeline does not depend on housekeeping.
     */
    public Report afterApply(Connection c, long stagedRows) {
        if (!options.enabled()) {
            return NOTHING;
        }
        appliesSinceVacuum++;
        appliesSinceAnalyze++;
        applies++;
        rowsSinceVacuum += stagedRows;
        boolean vacuum =
                appliesSinceVacuum >= options.vacuumEveryApplies()
                        || rowsSinceVacuum >= options.vacuumAfterRows();
        // Also at applies 1, 2, 4, 8, ...: a snapshot fills partitions that have no statistics
        // yet, and its applies ran ~10x slower until the first regular round (the soak's
        // figures); a round only touches partitions without statistics or changed enough.
        boolean early = applies < options.analyzeEveryApplies() && Long.bitCount(applies) == 1;
        boolean regular = appliesSinceAnalyze >= options.analyzeEveryApplies();
        boolean analyze = early || regular;
        if (!vacuum && !analyze) {
            return NOTHING;
        }
        long start = System.nanoTime();
        List<String> vacuumed = new ArrayList<>();
        List<String> analyzed = new ArrayList<>();
        try {
            if (!c.getAutoCommit()) {
                c.setAutoCommit(true);
            }
            if (vacuum) {
                appliesSinceVacuum = 0;
                rowsSinceVacuum = 0;
                for (String statement : sql.vacuumChurned()) {
                    // Truncated staging slots hold dead rows only where a slot fell back to a
                    // DELETE: vacuumed with the regular ANALYZE rounds (a VACUUM reads the rows
                    // staged for later checkpoints: 1.5 s per early round at 1M rows).
                    if (!regular && statement.equals(sql.vacuumStaging()) && stagingSlotted(c)) {
                        continue;
                    }
                    if (run(c, statement)) {
                        vacuumed.add(statement);
                    }
                }
            }
            if (analyze) {
                appliesSinceAnalyze = 0;
                // Staging's shape does not change with the number of applies: the early rounds
                // are for the target's partitions, staging is analysed in the first and the
                // regular ones (each ANALYZE costs Greenplum's coordinator ~0.5 CPU-s).
                analyzeRound(c, !early || applies == 1, early, analyzed);
                if (!analyzed.isEmpty() && run(c, sql.vacuumStatistics())) {
                    vacuumed.add(sql.vacuumStatistics());
                }
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("housekeeping failed; the pipeline goes on without it: {}", e.getMessage());
        }
        Report report = new Report(vacuumed, analyzed, (System.nanoTime() - start) / 1_000_000);
        LOG.info(
                "housekeeping in {} ms: vacuumed {}, analysed {}",
                report.millis(),
                vacuumed,
                analyzed);
        return report;
    }

    /** ANALYZE of staging and VACUUM ANALYZE of the stale leaves, at the round's sample size. */
    private void analyzeRound(Connection c, boolean staging, boolean early, List<String> analyzed)
            throws SQLException {
        for (String setting : sql.analyzeSettings()) {
            run(c, setting);
        }
        try {
            if (staging && run(c, sql.analyzeStaging())) {
                analyzed.add(sql.analyzeStaging());
            }
            for (StaleLeaf leaf : staleLeaves(c, early && sql.serverAnalyzes())) {
                String statement =
                        leaf.dead() ? sql.vacuumAnalyze(leaf.name()) : sql.analyze(leaf.name());
                if (run(c, statement)) {
                    analyzed.add(statement);
                }
            }
        } finally {
            for (String reset : sql.resetAnalyzeSettings()) {
                run(c, reset);
            }
        }
    }

    /** A leaf to analyse, and whether it also holds dead rows to VACUUM. */
    private record StaleLeaf(String name, boolean dead) {}

    /**
     * A leaf's counters summed over the segments: rows changed in any way and rows updated or
     * deleted (both cumulative), and the dead rows counted now.
     */
    private record Counters(long changed, long removed, long dead) {
        static final Counters NONE = new Counters(0, 0, 0);
    }

    /**
     * Leaves to analyse: on first sight those without statistics (an empty one is cheap to analyse,
     * and Greenplum merges leaf statistics into the root's, which GPORCA plans with, only once
     * every leaf has them); later those whose rows changed since the last look at them by more than
     * the fraction of the rows their statistics count, at least {@value #MIN_CHANGED} (or by any
     * row while they have none). The change counters are cumulative, so each leaf's value at its
     * last ANALYZE here is remembered; a counter that went back (statistics reset by a restart)
     * starts over from its new value.
     *
     * <p>A leaf is vacuumed with its ANALYZE only where it may hold dead rows: the segments count
     * some, or rows were updated or deleted in it since its last VACUUM here. A leaf that only
     * received inserts (a month being filled) is analysed alone: a VACUUM would read and rewrite
     * every new page to free nothing.
     */
    private List<StaleLeaf> staleLeaves(Connection c, boolean unanalysedOnly) throws SQLException {
        Map<Long, String> names = new LinkedHashMap<>();
        Map<Long, Long> counted = new HashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql.leaves())) {
            while (rs.next()) {
                names.put(rs.getLong(1), rs.getString(2));
                counted.put(rs.getLong(1), rs.getLong(3));
            }
        }
        if (names.isEmpty()) {
            return List.of();
        }
        Map<Long, Counters> counters = new HashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql.changes(names.keySet()))) {
            while (rs.next()) {
                counters.put(
                        rs.getLong(1), new Counters(rs.getLong(2), rs.getLong(3), rs.getLong(4)));
            }
        }
        List<StaleLeaf> stale = new ArrayList<>();
        for (Map.Entry<Long, String> leaf : names.entrySet()) {
            long oid = leaf.getKey();
            long rows = counted.get(oid);
            Counters leafCounters = counters.getOrDefault(oid, Counters.NONE);
            long now = leafCounters.changed();
            Long before = changedAtAnalyze.get(oid);
            boolean analyze;
            if (before == null) {
                analyze = rows <= 0;
            } else if (now < before) {
                analyze = false;
                changedAtAnalyze.put(oid, now);
            } else {
                long changed = now - before;
                analyze =
                        rows <= 0
                                ? changed > 0
                                : changed
                                        >= Math.max(
                                                MIN_CHANGED,
                                                options.analyzeChangedFraction() * rows);
            }
            // Where autovacuum analyses changed tables (PostgreSQL), the early rounds are for
            // leaves without statistics only: re-analysing the growing target at applies 2, 4
            // and 8 cost ~2.5 s of server time each at 1M rows.
            if (unanalysedOnly && before != null && rows > 0) {
                analyze = false;
            }
            if (before == null || analyze) {
                changedAtAnalyze.put(oid, now);
            }
            if (analyze) {
                long removed = leafCounters.removed();
                boolean dead =
                        leafCounters.dead() > 0 || removed != removedAtVacuum.getOrDefault(oid, 0L);
                removedAtVacuum.put(oid, removed);
                stale.add(new StaleLeaf(leaf.getValue(), dead));
            }
        }
        return stale;
    }

    /** Asked once: whether staging is partitioned into slots that the apply truncates. */
    private boolean stagingSlotted(Connection c) throws SQLException {
        if (stagingSlotted == null) {
            stagingSlotted =
                    sql.stagingSlots() > 0 && WarehouseSetup.stagingSlotted(c, sql.stagingTable());
        }
        return stagingSlotted;
    }

    /**
     * Runs one statement; false when it failed or the server skipped it with a warning (e.g. a role
     * that does not own the table may not VACUUM it), logged once per statement.
     */
    private boolean run(Connection c, String statement) {
        try (Statement s = c.createStatement()) {
            s.execute(statement);
            SQLWarning w = s.getWarnings();
            if (w != null && w.getMessage() != null && w.getMessage().contains("skipping")) {
                warnOnce(statement, w.getMessage());
                return false;
            }
            return true;
        } catch (SQLException e) {
            warnOnce(statement, e.getMessage());
            return false;
        }
    }

    private void warnOnce(String statement, String message) {
        if (warned.add(statement)) {
            LOG.warn("housekeeping statement {} did not run: {}", statement, message);
        } else {
            LOG.debug("housekeeping statement {} did not run: {}", statement, message);
        }
    }
}
