package io.pg2gp.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

class FollowedJobTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code /jobs/overview} as Flink answers it, reduced to the fields read. */
    private static JsonNode overview(String... jidNameStateStart) throws IOException {
        StringBuilder b = new StringBuilder("{\"jobs\":[");
        for (int i = 0; i < jidNameStateStart.length; i += 4) {
            if (i > 0) {
                b.append(',');
            }
            b.append(
                    String.format(
                            "{\"jid\":\"%s\",\"name\":\"%s\",\"state\":\"%s\",\"start-time\":%s}",
                            jidNameStateStart[i],
                            jidNameStateStart[i + 1],
                            jidNameStateStart[i + 2],
                            jidNameStateStart[i + 3]));
        }
        return JSON.readTree(b.append("]}").toString());
    }

    @Test
    void followsTheJobByNameOnceItsIdIsGoneSayingSoOnce() throws IOException {
        FollowedJob job = new FollowedJob("pg2gp-local", "aaaaaaaaaaaa");
        assertThat(job.state(overview("aaaaaaaaaaaa", "pg2gp-local", "RUNNING", "1")))
                .isEqualTo("RUNNING");
        // after recover: the cluster knows only the new job
        assertThat(job.state(overview("bbbbbbbbbbbb", "pg2gp-local", "RESTARTING", "2")))
                .isEqualTo("RESTARTING (now job bbbbbbbb, was aaaaaaaa)");
        assertThat(job.id()).isEqualTo("bbbbbbbbbbbb");
        assertThat(job.state(overview("bbbbbbbbbbbb", "pg2gp-local", "RUNNING", "2")))
                .isEqualTo("RUNNING");
    }

    @Test
    void aRedeployedJobIsFollowedAndOtherJobsAreIgnored() throws IOException {
        FollowedJob job = new FollowedJob("pg2gp-local-rollups", "old");
        JsonNode o =
                overview(
                        "old",
                        "pg2gp-local-rollups",
                        "CANCELED",
                        "1",
                        "ingest",
                        "pg2gp-local",
                        "RUNNING",
                        "5",
                        "new",
                        "pg2gp-local-rollups",
                        "RUNNING",
                        "3");
        assertThat(job.state(o)).isEqualTo("RUNNING (now job new, was old)");
        assertThat(job.state(o)).isEqualTo("RUNNING");
    }

    @Test
    void noJobOfThatNameIsOneShortLine() throws IOException {
        FollowedJob job = new FollowedJob("pg2gp-local", "aaaaaaaaaaaa");
        String s = job.state(overview());
        assertThat(s).isEqualTo("gone (job aaaaaaaa; no job named pg2gp-local runs)");
        assertThat(job.state(overview("aaaaaaaaaaaa", "pg2gp-local", "FAILED", "1")))
                .isEqualTo("FAILED");
    }

    @Test
    void aRestErrorWithTheServersStackTraceIsShortened() {
        StringBuilder body = new StringBuilder("GET /jobs/aaaa answered 404: {\"errors\":[\"");
        for (int i = 0; i < 200; i++) {
            body.append(
                    "\\n\\tat org.apache.flink.runtime.rest.handler.Some.method(Some.java:1)\n");
        }
        String line = Progress.shortMessage(new IOException(body.toString()));
        assertThat(line).doesNotContain("\n").hasSizeLessThanOrEqualTo(160);
        assertThat(line).startsWith("GET /jobs/aaaa answered 404");
    }
}
