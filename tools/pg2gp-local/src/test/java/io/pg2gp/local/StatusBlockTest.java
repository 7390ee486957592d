package io.pg2gp.local;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The status block of {@code ./pg2gp run} fits a terminal of 80 columns. */
class StatusBlockTest {

    private static final String JOBS =
            "ingest RUNNING (checkpoint #12345, 3s ago) · rollups RUNNING";

    @Test
    void everyLineFitsEightyColumnsWithCountsInTheMillions() {
        String block =
                new StatusBlock(
                                "06:17:48",
                                JOBS,
                                List.of(
                                        new StatusBlock.TableLine(
                                                "public.requests_analytical",
                                                975_000,
                                                12_345_678,
                                                6_258_000),
                                        new StatusBlock.TableLine("public.users_dim", 36, 425, 0)),
                                25_346_123L,
                                0.6,
                                12,
                                25_674_456,
                                "459 kB")
                        .render();

        assertThat(block.lines()).allSatisfy(l -> assertThat(l).hasSizeLessThanOrEqualTo(80));
        assertThat(block)
                .isEqualTo(
                        "06:17:48 "
                                + JOBS
                                + "\n"
                                + "  requests_analytical  +975000 changes  written 12,345,678"
                                + "  removed 6,258,000\n"
                                + "  users_dim            +36     changes  written 425  removed"
                                + " 0\n"
                                + "  requests: warehouse 25,346,123 · source 25,674,456\n"
                                + "  freshness 0.6s · dead letters 12 · slot lag 459 kB\n");
    }

    @Test
    void beforeTheFirstCommitItSaysSoAndShowsWhatItKnows() {
        String block =
                new StatusBlock("06:17:48", JOBS, List.of(), null, 0, 0, 20_450, null).render();

        assertThat(block)
                .endsWith(
                        "  warehouse: waiting for the first commit\n"
                                + "  requests: warehouse - · source 20,450\n"
                                + "  slot lag (no slot yet)\n");
    }
}
