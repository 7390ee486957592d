package io.pg2gp.jobs.ingest.enrich;

import io.pg2gp.connector.cdc.StructValues;
import io.pg2gp.jobs.ingest.model.EnrichedRequest;
import io.pg2gp.jobs.ingest.model.RequestRow;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/**
 * The seed's computed columns, evaluated once per change:
 *
 * <ul>
 *   <li>{@code agent_used} = {@code response->>'agent_used'} (a string as is, another JSON value as
 *       its JSON text, JSON null as NULL);
 *   <li>{@code query_type} = {@code response->>'query_type'}, the agent's own classification (the
 *       seed names the column without a rule);
 *   <li>{@code hour_of_day}, {@code day_of_week} ({@code EXTRACT(DOW)}: 0 = Sunday), {@code
 *       is_weekend}, {@code created_date} from {@code created_at} in the configured time zone; NULL
 *       for an infinite {@code created_at}.
 * </ul>
 *
 * A response that is not a JSON object leaves the response-derived columns NULL and is counted; the
 * row itself is kept.
 */
public final class DerivedColumns {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ZoneId zone;

    public DerivedColumns(ZoneId zone) {
        this.zone = zone;
    }

    /** Fills the derived fields of {@code out}; returns false when the response was malformed. */
    public boolean fill(RequestRow r, EnrichedRequest out) {
        out.agentUsed = null;
        out.queryType = null;
        boolean wellFormed = true;
        if (r.response != null) {
            wellFormed = readResponse(r.response, out);
        }
        if (r.createdAtMicros == null || StructValues.isInfinite(r.createdAtMicros)) {
            // ±infinity has no hour, day or date (PostgreSQL's EXTRACT gives NULL too)
            out.hourOfDay = null;
            out.dayOfWeek = null;
            out.isWeekend = null;
            out.createdDate = null;
        } else {
            long micros = r.createdAtMicros;
            ZonedDateTime t =
                    Instant.ofEpochSecond(
                                    Math.floorDiv(micros, 1_000_000L),
                                    Math.floorMod(micros, 1_000_000L) * 1000L)
                            .atZone(zone);
            out.hourOfDay = t.getHour();
            int dow = t.getDayOfWeek().getValue() % 7; // ISO Monday=1..Sunday=7 -> Sunday=0
            out.dayOfWeek = dow;
            out.isWeekend = dow == 0 || dow == 6;
            out.createdDate = (int) t.toLocalDate().toEpochDay();
        }
        return wellFormed;
    }

    /**
     * Reads the two top-level fields with the streaming parser, skipping the rest (the whole answer
     * text) without building a tree. The fields are set only when the whole object parses.
     */
    private static boolean readResponse(String response, EnrichedRequest out) {
        try (JsonParser p = MAPPER.getFactory().createParser(response)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            String agent = null;
            String type = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("agent_used".equals(name)) {
                    agent = textOf(p, value);
                } else if ("query_type".equals(name)) {
                    type = textOf(p, value);
                } else {
                    p.skipChildren();
                }
            }
            out.agentUsed = agent;
            out.queryType = type;
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * PostgreSQL's {@code ->>}: strings unquoted, JSON null as NULL, anything else as JSON text.
     */
    private static String textOf(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        JsonNode node = MAPPER.readTree(p);
        return node.toString();
    }
}
