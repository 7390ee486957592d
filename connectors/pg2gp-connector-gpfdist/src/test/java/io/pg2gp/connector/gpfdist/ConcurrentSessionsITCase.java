package io.pg2gp.connector.gpfdist;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property test: random batches (random row lengths, empty lines, CSV fields with quoted newlines,
 * rows longer than a block, chunks of rows) read by several statements at once, each with several
 * concurrent GETs. Per statement, the blocks tile the batch exactly (every row once), every block
 * boundary is a boundary the caller declared, and O/L name the block's place.
 */
class ConcurrentSessionsITCase {

    static Stream<Arguments> seeds() {
        // Fixed seeds: a failure names its seed and replays identically.
        return IntStream.rangeClosed(1, 24).mapToObj(seed -> Arguments.of(seed, seed % 4 != 0));
    }

    @ParameterizedTest(name = "seed {0}, F/O/L frames {1}")
    @MethodSource("seeds")
    void everyStatementGetsEveryRowOnceAndNoBlockSplitsARow(int seed, boolean metadata)
            throws Exception {
        Random random = new Random(seed);
        int blockSize = 16 + random.nextInt(2048);
        GeneratedBatch generated = GeneratedBatch.random(random, blockSize);
        int statements = 1 + random.nextInt(4);
        int segments = 1 + random.nextInt(8);

        try (GpfdistServer server =
                GpfdistServer.builder().bindAddress("127.0.0.1").blockMetadata(metadata).start()) {
            PublishedBatch batch = server.publish(generated.batch);
            Capture template = Capture.load("A-select-csv");
            List<byte[]> requests = new ArrayList<>();
            List<String> xids = new ArrayList<>();
            for (int s = 0; s < statements; s++) {
                String xid = seed + "-" + String.format("%010d", s);
                for (int g = 0; g < segments; g++) {
                    byte[] r = template.request(0, batch.path(), server.port());
                    r = Capture.withHeader(r, "X-GP-XID", xid);
                    requests.add(Capture.withHeader(r, "X-GP-SEGMENT-ID", String.valueOf(g)));
                    xids.add(xid);
                }
            }

            List<GpfdistResponse> answers = SegmentClient.concurrently(server.port(), requests);

            Map<String, List<Framing.Block>> byStatement = new LinkedHashMap<>();
            for (int i = 0; i < answers.size(); i++) {
                byStatement
                        .computeIfAbsent(xids.get(i), k -> new ArrayList<>())
                        .addAll(Framing.assertWellFramed(answers.get(i), metadata));
            }
            assertThat(byStatement).hasSize(statements);
            for (List<Framing.Block> blocks : byStatement.values()) {
                if (metadata) {
                    assertTilesTheBatch(blocks, generated);
                } else {
                    assertWholeRowsOnce(blocks, generated);
                }
            }
            assertThat(server.metrics().sessions()).isEqualTo(statements);
            assertThat(server.metrics().bytesServed())
                    .isEqualTo(statements * generated.bytes.length);
        }
    }

    /** With O frames the blocks can be put back in place: they must tile the batch exactly. */
    private static void assertTilesTheBatch(List<Framing.Block> blocks, GeneratedBatch g) {
        blocks.sort(Comparator.comparingLong(Framing.Block::offset));
        long at = 0;
        for (Framing.Block b : blocks) {
            assertThat(b.offset()).as("next block starts where the previous ended").isEqualTo(at);
            assertThat(g.unitEnds).as("block starts on a declared boundary").contains(b.offset());
            long end = b.offset() + b.data().length;
            assertThat(g.unitEnds).as("block ends on a declared boundary").contains(end);
            byte[] expected = Arrays.copyOfRange(g.bytes, (int) b.offset(), (int) end);
            assertThat(b.data()).isEqualTo(expected);
            assertThat(b.firstLine())
                    .as("L is the first row's number")
                    .isEqualTo(g.rowNumberAt(b.offset()));
            at = end;
        }
        assertThat(at).isEqualTo(g.bytes.length);
    }

    /** Without O frames: every block parses into whole CSV rows, all rows exactly once. */
    private static void assertWholeRowsOnce(List<Framing.Block> blocks, GeneratedBatch g) {
        List<String> rows = new ArrayList<>();
        for (Framing.Block b : blocks) {
            rows.addAll(csvRecords(b.data()));
        }
        List<String> expected = new ArrayList<>();
        g.rows.forEach(r -> expected.add(new String(r, StandardCharsets.ISO_8859_1)));
        assertThat(rows).containsExactlyInAnyOrderElementsOf(expected);
    }

    /** Splits at line ends outside quotes; a block ending inside a row fails. */
    static List<String> csvRecords(byte[] data) {
        List<String> records = new ArrayList<>();
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == '"') {
                quoted = !quoted;
            } else if (data[i] == '\n' && !quoted) {
                records.add(new String(data, start, i + 1 - start, StandardCharsets.ISO_8859_1));
                start = i + 1;
            }
        }
        assertThat(start).as("block ends on a row end (quoted=%s)", quoted).isEqualTo(data.length);
        return records;
    }

    /** Random rows appended one by one or in chunks, with their boundaries. */
    static final class GeneratedBatch {
        final List<byte[]> rows = new ArrayList<>();
        final Set<Long> unitEnds = new HashSet<>();
        final List<Long> rowStarts = new ArrayList<>();
        byte[] bytes;
        ServedBatch batch;

        long rowNumberAt(long offset) {
            int i = rowStarts.indexOf(offset);
            assertThat(i).as("a row starts at %d", offset).isNotNegative();
            return i + 1;
        }

        static GeneratedBatch random(Random random, int blockSize) {
            GeneratedBatch g = new GeneratedBatch();
            int count = random.nextInt(8) == 0 ? 0 : random.nextInt(600);
            for (int i = 0; i < count; i++) {
                g.rows.add(row(random, blockSize));
            }
            ServedBatch.Builder builder = ServedBatch.builder(blockSize);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            g.unitEnds.add(0L);
            int i = 0;
            while (i < g.rows.size()) {
                int k =
                        random.nextInt(4) == 0
                                ? Math.min(2 + random.nextInt(5), g.rows.size() - i)
                                : 1;
                ByteArrayOutputStream unit = new ByteArrayOutputStream();
                for (int j = i; j < i + k; j++) {
                    g.rowStarts.add((long) (all.size() + unit.size()));
                    unit.writeBytes(g.rows.get(j));
                }
                if (k == 1) {
                    builder.addRow(unit.toByteArray());
                } else {
                    builder.addRows(unit.toByteArray(), k);
                }
                all.writeBytes(unit.toByteArray());
                g.unitEnds.add((long) all.size());
                i += k;
            }
            g.bytes = all.toByteArray();
            g.batch = builder.build();
            return g;
        }

        /** A CSV row: empty lines, quoted fields with newlines, commas, quotes; LF or CRLF. */
        private static byte[] row(Random random, int blockSize) {
            if (random.nextInt(20) == 0) {
                return new byte[] {'\n'};
            }
            StringBuilder row = new StringBuilder();
            int fields = 1 + random.nextInt(5);
            for (int f = 0; f < fields; f++) {
                if (f > 0) {
                    row.append(',');
                }
                int kind = random.nextInt(10);
                if (kind < 6) {
                    row.append(text(random, random.nextInt(30), "abcxyz0123 "));
                } else if (kind < 9) {
                    String inner = text(random, random.nextInt(30), "ab,\n\r\"\"");
                    row.append('"').append(inner.replace("\"", "\"\"")).append('"');
                } else {
                    row.append(text(random, blockSize + random.nextInt(blockSize), "long"));
                }
            }
            row.append(random.nextInt(5) == 0 ? "\r\n" : "\n");
            return row.toString().getBytes(StandardCharsets.ISO_8859_1);
        }

        private static String text(Random random, int length, String alphabet) {
            StringBuilder s = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                s.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            return s.toString();
        }
    }
}
