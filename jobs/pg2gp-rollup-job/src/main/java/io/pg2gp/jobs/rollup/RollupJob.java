package io.pg2gp.jobs.rollup;

import io.pg2gp.jobs.rollup.recompute.HourRanges;
import io.pg2gp.jobs.rollup.recompute.RollupRecomputer;
import io.pg2gp.jobs.settings.JobArguments;
import io.pg2gp.jobs.settings.PipelineConfig;
import io.pg2gp.jobs.settings.SettingException;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.sql.Connection;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Entry point of the rollup job: {@code flink run pg2gp-rollup-job-job.jar --config pipeline.yaml
 * [--set key=value ...]} keeps the rollups and the per-user features current. With {@code
 * --backfill <from> <to>} (ISO instants) it instead rebuilds every rollup for that range, a day per
 * transaction, then every user's features (they span the last year, whatever the range), and exits;
 * it is safe while the job runs (recomputes of one table take turns on a table lock).
 */
public final class RollupJob {

    private RollupJob() {}

    public static void main(String[] args) throws Exception {
        SettingException.exitOnUserError("pg2gp rollup job", () -> run(args));
    }

    private static void run(String[] args) throws Exception {
        int backfill = Arrays.asList(args).indexOf("--backfill");
        if (backfill >= 0) {
            if (backfill + 2 >= args.length) {
                throw new SettingException(
                        "--backfill needs <from> <to>, e.g. 2024-01-01 or 2024-01-01T00:00:00Z");
            }
            Instant from = instant(args[backfill + 1]);
            Instant to = instant(args[backfill + 2]);
            List<String> rest = new ArrayList<>(Arrays.asList(args));
            rest.subList(backfill, backfill + 3).clear();
            PipelineConfig config = JobArguments.parse(rest.toArray(String[]::new));
            long hours = backfill(config, from, to);
            System.out.println("rebuilt " + hours + " hours of every rollup");
            long users = backfillFeatures(config);
            System.out.println("rebuilt the features of " + users + " users");
            return;
        }
        PipelineConfig config = JobArguments.parse(args);
        RollupPipeline.prepare(config);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(
                        RollupPipeline.flinkConfiguration(config));
        RollupPipeline.build(env, config);
        env.execute(RollupPipeline.jobName(config));
    }

    /** An ISO instant, or a date (its start, UTC) as people write it on the command line. */
    static Instant instant(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException notInstant) {
            try {
                return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException notDate) {
                throw new SettingException(
                        "'"
                                + text
                                + "' is not a date or an instant; write 2025-01-01 (midnight UTC)"
                                + " or 2025-01-01T06:00:00Z");
            }
        }
    }

    /** Rebuilds the features of every user, in one transaction; returns the rows written. */
    public static long backfillFeatures(PipelineConfig config) throws Exception {
        RollupPipeline.prepare(config);
        try (Connection c = config.warehouseConnection().open("pg2gp feature backfill")) {
            return RollupPipeline.featureRecomputer(config).rebuild(c).rowsWritten();
        }
    }

    /** Rebuilds every rollup for the hours in {@code [from, to)}; returns the hours rebuilt. */
    public static long backfill(PipelineConfig config, Instant from, Instant to) throws Exception {
        Instant start = from.truncatedTo(ChronoUnit.HOURS);
        if (!to.isAfter(start)) {
            throw new SettingException("backfill range is empty: " + from + " .. " + to);
        }
        RollupPipeline.prepare(config);
        RollupRecomputer recomputer = RollupPipeline.recomputer(config);
        long total = 0;
        try (Connection c = config.warehouseConnection().open("pg2gp rollup backfill")) {
            for (Instant day = start; day.isBefore(to); day = day.plus(1, ChronoUnit.DAYS)) {
                List<Long> hours = new ArrayList<>();
                for (Instant h = day;
                        h.isBefore(day.plus(1, ChronoUnit.DAYS)) && h.isBefore(to);
                        h = h.plus(1, ChronoUnit.HOURS)) {
                    hours.add(h.toEpochMilli());
                }
                total += recomputer.recompute(c, HourRanges.of(hours)).hours();
            }
        }
        return total;
    }
}
