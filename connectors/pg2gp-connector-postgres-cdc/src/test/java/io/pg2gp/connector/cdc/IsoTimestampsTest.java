package io.pg2gp.connector.cdc;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class IsoTimestampsTest {

    private static long reference(String s) {
        Instant i = OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1_000;
    }

    @Test
    void agreesWithJavaTimeOnWhatDebeziumWrites() {
        SplittableRandom random = new SplittableRandom(42);
        int[] offsets = {0, 0, 3 * 3600, -(5 * 3600 + 30 * 60), 14 * 3600};
        for (int k = 0; k < 20_000; k++) {
            long seconds = random.nextLong(-62_135_596_800L, 253_402_300_799L); // 0001..9999
            int nanos =
                    switch (k % 4) {
                        case 0 -> 0;
                        case 1 -> random.nextInt(1_000_000) * 1_000;
                        case 2 -> random.nextInt(1000) * 1_000_000;
                        default -> random.nextInt(1_000_000_000);
                    };
            ZoneOffset offset = ZoneOffset.ofTotalSeconds(offsets[k % offsets.length]);
            String text =
                    OffsetDateTime.ofInstant(Instant.ofEpochSecond(seconds, nanos), offset)
                            .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
            if (text.startsWith("+") || text.startsWith("-")) {
                continue;
            }
            assertThat(IsoTimestamps.parseMicros(text)).as(text).isEqualTo(reference(text));
        }
    }

    @Test
    void readsTheCommonShapes() {
        for (String s :
                new String[] {
                    "2025-03-01T08:15:30Z",
                    "2025-03-01T08:15:30.5Z",
                    "2025-03-01T08:15:30.123456Z",
                    "2025-03-01T08:15:30.123456789Z",
                    "1969-12-31T23:59:59.999999Z",
                    "2024-02-29T00:00:00+05:30",
                    "2024-02-29T00:00:00-08:00",
                    "0001-01-01T00:00:00Z",
                    "9999-12-31T23:59:59.999999Z"
                }) {
            assertThat(IsoTimestamps.parseMicros(s)).as(s).isEqualTo(reference(s));
        }
    }

    @Test
    void leavesEverythingElseToTheFullParser() {
        for (String s :
                new String[] {
                    "+10000-01-01T00:00:00Z",
                    "2025-02-30T00:00:00Z",
                    "2025-03-01T24:00:00Z",
                    "2025-03-01T08:15:60Z",
                    "2025-03-01T08:15:30",
                    "2025-03-01T08:15:30.Z",
                    "2025-03-01T08:15:30.1234567890Z",
                    "2025-03-01T08:15:30+05",
                    "2025-03-01T08:15:30+05:30:15",
                    "2025-03-01 08:15:30Z",
                    "2025-3-01T08:15:30Z",
                    "2025-03-01T08:15:30Zjunk",
                    ""
                }) {
            assertThat(IsoTimestamps.parseMicros(s)).as(s).isEqualTo(IsoTimestamps.UNPARSED);
        }
    }
}
