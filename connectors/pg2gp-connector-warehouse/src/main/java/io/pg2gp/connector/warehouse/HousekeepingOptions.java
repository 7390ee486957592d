package io.pg2gp.connector.warehouse;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;
import java.util.Objects;

/**
 * What the committer does between applies to keep the warehouse healthy where nothing else does
 * (Greenplum has no autovacuum): every apply deletes the rows it applied from staging, so staging
 * and staged dead letters are vacuumed on a schedule, and the target's partitions that the pipeline
 * changed are vacuumed and analysed once enough of their rows changed. Housekeeping runs after an
 * apply has committed, outside its transaction; a failure is logged and never fails the job.
 */
@PublicEvolving
public final class HousekeepingOptions implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Housekeeping on, with the defaults below. */
    public static final HousekeepingOptions DEFAULTS = builder().build();

    /** No housekeeping: for warehouses whose operators vacuum and analyse on their own schedule. */
    public static final HousekeepingOptions DISABLED = builder().enabled(false).build();

    private final boolean enabled;
    private final int vacuumEveryApplies;
    private final long vacuumAfterRows;
    private final int analyzeEveryApplies;
    private final double analyzeChangedFraction;

    private HousekeepingOptions(Builder b) {
        if (b.vacuumEveryApplies < 1) {
            throw new IllegalArgumentException(
                    "vacuum-every-applies must be at least 1, got " + b.vacuumEveryApplies);
        }
        if (b.vacuumAfterRows < 1) {
            throw new IllegalArgumentException(
                    "vacuum-after-rows must be at least 1, got " + b.vacuumAfterRows);
        }
        if (b.analyzeEveryApplies < 1) {
            throw new IllegalArgumentException(
                    "analyze-every-applies must be at least 1, got " + b.analyzeEveryApplies);
        }
        if (!(b.analyzeChangedFraction > 0 && b.analyzeChangedFraction <= 10)) {
            throw new IllegalArgumentException(
                    "analyze-changed-fraction must be in (0, 10], got " + b.analyzeChangedFraction);
        }
        this.enabled = b.enabled;
        this.vacuumEveryApplies = b.vacuumEveryApplies;
        this.vacuumAfterRows = b.vacuumAfterRows;
        this.analyzeEveryApplies = b.analyzeEveryApplies;
        this.analyzeChangedFraction = b.analyzeChangedFraction;
    }

    public static Builder builder() {
        return new Builder();
    }

    public boolean enabled() {
        return enabled;
    }

    /** Staging is vacuumed at the latest after this many applies. */
    public int vacuumEveryApplies() {
        return vacuumEveryApplies;
    }

    /** ... or sooner, once the applies since the last VACUUM purged this many staged rows. */
    public long vacuumAfterRows() {
        return vacuumAfterRows;
    }

    /** How often (in applies) the target's partitions are checked for stale statistics. */
    public int analyzeEveryApplies() {
        return analyzeEveryApplies;
    }

    /**
     * A partition is vacuumed and analysed when the rows changed since its last ANALYZE exceed this
     * fraction of the rows its statistics count (always when it has none).
     */
    public double analyzeChangedFraction() {
        return analyzeChangedFraction;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HousekeepingOptions other
                && enabled == other.enabled
                && vacuumEveryApplies == other.vacuumEveryApplies
                && vacuumAfterRows == other.vacuumAfterRows
                && analyzeEveryApplies == other.analyzeEveryApplies
                && analyzeChangedFraction == other.analyzeChangedFraction;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                enabled,
                vacuumEveryApplies,
                vacuumAfterRows,
                analyzeEveryApplies,
                analyzeChangedFraction);
    }

    @Override
    public String toString() {
        return "HousekeepingOptions{enabled="
                + enabled
                + ", vacuumEveryApplies="
                + vacuumEveryApplies
                + ", vacuumAfterRows="
                + vacuumAfterRows
                + ", analyzeEveryApplies="
                + analyzeEveryApplies
                + ", analyzeChangedFraction="
                + analyzeChangedFraction
                + '}';
    }

    /** Builds {@link HousekeepingOptions}; everything has a default. */
    public static final class Builder {
        private boolean enabled = true;
        private int vacuumEveryApplies = 20;
        private long vacuumAfterRows = 100_000;
        private int analyzeEveryApplies = 60;
        private double analyzeChangedFraction = 0.1;

        private Builder() {}

        /** Default true. */
        public Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        /** Default 20 (about every 100 s at 5 s checkpoints). */
        public Builder vacuumEveryApplies(int applies) {
            this.vacuumEveryApplies = applies;
            return this;
        }

        /** Default 100,000 staged rows. */
        public Builder vacuumAfterRows(long rows) {
            this.vacuumAfterRows = rows;
            return this;
        }

        /** Default 60 (about every 5 minutes at 5 s checkpoints). */
        public Builder analyzeEveryApplies(int applies) {
            this.analyzeEveryApplies = applies;
            return this;
        }

        /** Default 0.1 (10% of a partition's rows changed). */
        public Builder analyzeChangedFraction(double fraction) {
            this.analyzeChangedFraction = fraction;
            return this;
        }

        public HousekeepingOptions build() {
            return new HousekeepingOptions(this);
        }
    }
}
