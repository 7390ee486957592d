package io.pg2gp.benchmarks;

import io.pg2gp.connector.warehouse.WarehouseTable;
import io.pg2gp.connector.warehouse.testutils.WriterEncodingHarness;
import io.pg2gp.jobs.ingest.model.EnrichedRequest;
import io.pg2gp.jobs.ingest.sink.RequestRecordSerializer;
import io.pg2gp.jobs.settings.WarehouseTables;

import java.nio.charset.StandardCharsets;

/**
 * Row encoding, the CPU a writer spends per row before any I/O: enriched requests → warehouse
 * records → staging rows, as COPY TEXT cut into gpfdist blocks (Greenplum) and as COPY BINARY
 * (PostgreSQL). Next to them, in the same run, the benchmark's plain StringBuilder encoder of the
 * same rows (the one the raw COPY reference uses) turned into UTF-8 bytes.
 */
final class EncodeBenchmark {

    private static final WarehouseTable TABLE = WarehouseTables.requestsAnalytical("public");
    private static final int CHUNK = 8 << 20;

    private final BenchArgs args;

    EncodeBenchmark(BenchArgs args) {
        this.args = args;
    }

    void run() {
        long n = args.rows();
        Report.title(String.format("encode: %,d enriched request rows in memory", n));
        EnrichedRequest[] rows = new EnrichedRequest[(int) Math.min(n, 200_000)];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = RequestRows.enriched(i, args.users());
        }
        Measurement pg2gp = new Measurement("pg2gp COPY TEXT rows + gpfdist blocks");
        Measurement binary = new Measurement("pg2gp COPY BINARY rows (PostgreSQL)");
        Measurement plain = new Measurement("StringBuilder line + getBytes(UTF_8)");
        long[] bytes = new long[2];
        for (int run = 0; run <= args.runs(); run++) {
            boolean warmUp = run == 0; // JIT
            long start = System.nanoTime();
            bytes[0] = encode(WriterEncodingHarness.gpfdist(TABLE, CHUNK), rows, n);
            long textEnd = System.nanoTime();
            bytes[1] = encode(WriterEncodingHarness.copyBinary(TABLE, CHUNK), rows, n);
            long mid = System.nanoTime();
            long plainBytes = encodePlain(rows, n);
            long end = System.nanoTime();
            if (!warmUp) {
                pg2gp.add(n, textEnd - start, String.format("%,d bytes", bytes[0]));
                binary.add(n, mid - textEnd, String.format("%,d bytes", bytes[1]));
                plain.add(n, end - mid, String.format("%,d bytes", plainBytes));
            }
        }
        pg2gp.printSummary();
        binary.printSummary();
        plain.printSummary();
        Report.line(
                "pg2gp encoding: %.0f MB/s of COPY TEXT (%.0f bytes/row), %.0f MB/s of COPY BINARY"
                        + " (%.0f bytes/row)",
                pg2gp.median() * bytes[0] / n / 1e6,
                bytes[0] / (double) n,
                binary.median() * bytes[1] / n / 1e6,
                bytes[1] / (double) n);
        Report.line(
                "ratio pg2gp / plain StringBuilder encoder: text %.2fx, binary %.2fx",
                pg2gp.median() / plain.median(), binary.median() / plain.median());
    }

    /** What a writer does per row, and per 8 MiB chunk what its loader does before sending. */
    private static long encode(WriterEncodingHarness writer, EnrichedRequest[] rows, long n) {
        RequestRecordSerializer serializer = new RequestRecordSerializer();
        for (long i = 0; i < n; i++) {
            writer.add(serializer.serialize(rows[(int) (i % rows.length)]));
        }
        return writer.finish();
    }

    private static long encodePlain(EnrichedRequest[] rows, long n) {
        StringBuilder sb = new StringBuilder(1024);
        long total = 0;
        for (long i = 0; i < n; i++) {
            sb.setLength(0);
            RequestRows.encodeCopyLine(rows[(int) (i % rows.length)], sb);
            total += sb.toString().getBytes(StandardCharsets.UTF_8).length;
        }
        return total;
    }
}
