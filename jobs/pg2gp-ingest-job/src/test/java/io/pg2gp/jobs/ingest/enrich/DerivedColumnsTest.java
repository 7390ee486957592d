package io.pg2gp.jobs.ingest.enrich;

import io.pg2gp.connector.cdc.StructValues;
import io.pg2gp.jobs.ingest.model.EnrichedRequest;
import io.pg2gp.jobs.ingest.model.RequestRow;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

class DerivedColumnsTest {

    private static RequestRow row(String response, String createdAt) {
        RequestRow r = new RequestRow();
        r.response = response;
        if (createdAt != null) {
            Instant i = Instant.parse(createdAt);
            r.createdAtMicros = i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
        }
        return r;
    }

    private static EnrichedRequest fill(String response, String createdAt, ZoneId zone) {
        EnrichedRequest e = new EnrichedRequest();
        new DerivedColumns(zone).fill(row(response, createdAt), e);
        return e;
    }

    @Test
    void agentAndQueryTypeAsPostgresArrowArrowGivesThem() {
        EnrichedRequest e =
                fill(
                        "{\"agent_used\": \"Architect\", \"query_type\": \"code\"}",
                        null,
                        ZoneOffset.UTC);
        assertThat(e.agentUsed).isEqualTo("Architect");
        assertThat(e.queryType).isEqualTo("code");
        assertThat(fill("{\"agent_used\": 5}", null, ZoneOffset.UTC).agentUsed).isEqualTo("5");
        assertThat(fill("{\"agent_used\": {\"a\": [1]}}", null, ZoneOffset.UTC).agentUsed)
                .isEqualTo("{\"a\":[1]}");
        assertThat(fill("{\"agent_used\": null}", null, ZoneOffset.UTC).agentUsed).isNull();
        assertThat(fill("{}", null, ZoneOffset.UTC).agentUsed).isNull();
        assertThat(fill(null, null, ZoneOffset.UTC).agentUsed).isNull();
    }

    @Test
    void malformedOrNonObjectResponsesKeepTheRowWithNullDerivedFields() {
        DerivedColumns d = new DerivedColumns(ZoneOffset.UTC);
        for (String bad : new String[] {"{not json", "[1, 2]", "\"text\"", "42"}) {
            EnrichedRequest e = new EnrichedRequest();
            e.agentUsed = "stale";
            assertThat(d.fill(row(bad, "2025-03-01T10:00:00Z"), e)).as(bad).isFalse();
            assertThat(e.agentUsed).isNull();
            assertThat(e.queryType).isNull();
            assertThat(e.hourOfDay).isEqualTo(10);
        }
        assertThat(d.fill(row("{\"agent_used\": \"QA\"}", null), new EnrichedRequest())).isTrue();
    }

    @Test
    void timeColumnsFollowPostgresExtractInTheConfiguredZone() {
        // 2025-03-01 was a Saturday; 23:30 UTC is already Sunday 02:30 in Moscow.
        EnrichedRequest utc = fill(null, "2025-03-01T23:30:00.123456Z", ZoneOffset.UTC);
        assertThat(utc.hourOfDay).isEqualTo(23);
        assertThat(utc.dayOfWeek).isEqualTo(6);
        assertThat(utc.isWeekend).isTrue();
        assertThat(LocalDate.ofEpochDay(utc.createdDate)).isEqualTo(LocalDate.of(2025, 3, 1));
        EnrichedRequest msk = fill(null, "2025-03-01T23:30:00Z", ZoneId.of("Europe/Moscow"));
        assertThat(msk.hourOfDay).isEqualTo(2);
        assertThat(msk.dayOfWeek).isZero();
        assertThat(LocalDate.ofEpochDay(msk.createdDate)).isEqualTo(LocalDate.of(2025, 3, 2));
        EnrichedRequest monday = fill(null, "2025-03-03T08:00:00Z", ZoneOffset.UTC);
        assertThat(monday.dayOfWeek).isEqualTo(1);
        assertThat(monday.isWeekend).isFalse();
        EnrichedRequest old = fill(null, "1969-12-31T23:59:59.5Z", ZoneOffset.UTC);
        assertThat(old.hourOfDay).isEqualTo(23);
        assertThat(LocalDate.ofEpochDay(old.createdDate)).isEqualTo(LocalDate.of(1969, 12, 31));
        assertThat(fill(null, null, ZoneOffset.UTC).hourOfDay).isNull();
    }

    @Test
    void infiniteCreatedAtLeavesTheTimeColumnsNull() {
        for (long sentinel :
                new long[] {
                    StructValues.POSITIVE_INFINITY_MICROS, StructValues.NEGATIVE_INFINITY_MICROS
                }) {
            RequestRow r = row(null, null);
            r.createdAtMicros = sentinel;
            EnrichedRequest e = new EnrichedRequest();
            new DerivedColumns(ZoneOffset.UTC).fill(r, e);
            assertThat(e.hourOfDay).isNull();
            assertThat(e.dayOfWeek).isNull();
            assertThat(e.isWeekend).isNull();
            assertThat(e.createdDate).isNull();
        }
    }
}
