package io.pg2gp.local;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Set;

/**
 * A job of the session cluster followed by name, not by id: after {@code recover}, a redeploy or a
 * resubmission the job has a new id, and the progress line moves to it with one short note instead
 * of failing on the id the cluster no longer knows.
 */
final class FollowedJob {

    private static final Set<String> TERMINAL = Set.of("FINISHED", "CANCELED", "FAILED");

    private final String name;
    private volatile String id;

    FollowedJob(String name, String id) {
        this.name = name;
        this.id = id;
    }

    String id() {
        return id;
    }

    /**
     * The followed job's state from Flink's {@code /jobs/overview}; switches to the newest live job
     * of the same name once the followed one is gone or ended, saying so once.
     */
    String state(JsonNode overview) {
        JsonNode current = null;
        JsonNode newestLive = null;
        for (JsonNode j : overview.path("jobs")) {
            if (!name.equals(j.path("name").asText())) {
                continue;
            }
            if (j.path("jid").asText().equals(id)) {
                current = j;
            }
            if (!TERMINAL.contains(j.path("state").asText())
                    && (newestLive == null
                            || j.path("start-time").asLong()
                                    > newestLive.path("start-time").asLong())) {
                newestLive = j;
            }
        }
        if (current != null && !TERMINAL.contains(current.path("state").asText())) {
            return current.path("state").asText();
        }
        if (newestLive != null) {
            String was = id;
            id = newestLive.path("jid").asText();
            return newestLive.path("state").asText()
                    + " (now job "
                    + shortId(id)
                    + ", was "
                    + shortId(was)
                    + ")";
        }
        if (current != null) {
            return current.path("state").asText();
        }
        return "gone (job " + shortId(id) + "; no job named " + name + " runs)";
    }

    private static String shortId(String id) {
        return id.length() > 8 ? id.substring(0, 8) : id;
    }
}
