package io.pg2gp.jobs.rollup.recompute;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The predicates a recompute's keys become (no database: the ITCases run them). */
class FeatureRecomputerTest {

    private static final String A = "00000000-0000-0000-0000-00000000000a";
    private static final String B = "00000000-0000-0000-0000-00000000000b";
    private static final String C = "00000000-0000-0000-0000-00000000000c";

    @Test
    void usersOfACommitShareOneTermForAllItsDays() {
        FeatureRecomputer.Keys keys =
                FeatureRecomputer.Keys.parse(
                        List.of(
                                A + "|2026-03-04",
                                B + "|2026-03-04",
                                A + "|2026-06-17",
                                B + "|2026-06-17"));

        assertThat(keys.dayRows("user_id"))
                .isEqualTo(
                        "(user_id IN ('"
                                + A
                                + "', '"
                                + B
                                + "') AND day IN (DATE '2026-03-04', DATE '2026-06-17'))");
        assertThat(keys.factRows("user_id", "created_at"))
                .isEqualTo(
                        "(user_id IN ('"
                                + A
                                + "', '"
                                + B
                                + "') AND ((created_at >= TIMESTAMPTZ '2026-03-04 00:00:00+00'"
                                + " AND created_at < TIMESTAMPTZ '2026-03-05 00:00:00+00') OR"
                                + " (created_at >= TIMESTAMPTZ '2026-06-17 00:00:00+00' AND"
                                + " created_at < TIMESTAMPTZ '2026-06-18 00:00:00+00')))");
    }

    @Test
    void usersWithOtherDaysGetTheirOwnTermAndWholeUsersAllTheirRows() {
        FeatureRecomputer.Keys keys =
                FeatureRecomputer.Keys.parse(
                        List.of(C + "|2026-03-04", A + "|2026-06-17", B + "|2026-03-04", "o'k"));

        assertThat(keys.dayRows("user_id"))
                .isEqualTo(
                        "user_id IN ('o''k') OR (user_id IN ('"
                                + B
                                + "', '"
                                + C
                                + "') AND day IN (DATE '2026-03-04')) OR (user_id IN ('"
                                + A
                                + "') AND day IN (DATE '2026-06-17'))");
        assertThat(keys.users()).containsExactly(A, B, C, "o'k");
    }

    @Test
    void aUserAskedForWholeIsNotAlsoAskedForByDay() {
        FeatureRecomputer.Keys keys = FeatureRecomputer.Keys.parse(List.of(A + "|2026-03-04", A));

        assertThat(keys.dayRows("user_id")).isEqualTo("user_id IN ('" + A + "')");
    }
}
