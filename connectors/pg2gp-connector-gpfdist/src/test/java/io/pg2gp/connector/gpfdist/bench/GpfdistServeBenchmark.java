package io.pg2gp.connector.gpfdist.bench;

import io.pg2gp.connector.gpfdist.GpfdistServer;
import io.pg2gp.connector.gpfdist.PublishedBatch;
import io.pg2gp.connector.gpfdist.ServedBatch;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Throughput of the endpoint: N segment-like clients (1, 2, 4, 8) pull one batch through one
 * session, next to a raw socket copy of the same blocks (a plain server writing the same byte
 * arrays to N sockets, first come first served, no HTTP, no frames). Prints one table; the ratio
 * gpfdist / raw is the protocol's cost (target: at least 0.8).
 *
 * <p>Not a test. Run from the repository root (argument: batch size in MiB, default 1024):
 *
 * <pre>
 * mvn -B -o -q test-compile -Dspotless.check.skip=true -pl connectors/pg2gp-connector-gpfdist
 * M=connectors/pg2gp-connector-gpfdist/target
 * java -Xms4g -Xmx4g -cp $M/test-classes:$M/classes:$HOME/.m2/repository/org/slf4j/slf4j-api/1.7.36/slf4j-api-1.7.36.jar \
 *     io.pg2gp.connector.gpfdist.bench.GpfdistServeBenchmark 1024
 * </pre>
 */
public final class GpfdistServeBenchmark {

    private static final int[] CLIENTS = {1, 2, 4, 8};
    private static final int RUNS = 3; // best of, on a shared machine
    private static final int READ_BUFFER = 256 * 1024; // the same for both kinds of client

    private GpfdistServeBenchmark() {}

    public static void main(String[] args) throws Exception {
        long mib = args.length > 0 ? Long.parseLong(args[0]) : 1024;
        ServedBatch batch = batchOf(mib);
        byte[][] rawBlocks = copyOfBlocks(batch);
        ExecutorService threads = Executors.newCachedThreadPool();
        try (GpfdistServer server = GpfdistServer.builder().bindAddress("127.0.0.1").start()) {
            PublishedBatch published = server.publish(batch);
            // Warm-up: JIT and socket buffers, not measured.
            rawCopy(rawBlocks, batch.byteSize(), 2, threads);
            gpfdistPull(server, published, batch.byteSize(), 2, threads);

            System.out.printf(
                    "gpfdist serve benchmark: %d bytes (%d MiB) in %d blocks of <= %d KiB,"
                            + " one session, loopback, %d cores, best of %d; MB = 10^6 bytes%n",
                    batch.byteSize(),
                    batch.byteSize() >> 20,
                    batch.blockCount(),
                    ServedBatch.DEFAULT_BLOCK_SIZE / 1024,
                    Runtime.getRuntime().availableProcessors(),
                    RUNS);
            System.out.printf(
                    "%7s %18s %16s %7s%n", "clients", "raw socket MB/s", "gpfdist MB/s", "ratio");
            for (int n : CLIENTS) {
                double raw = 0;
                double gp = 0;
                for (int run = 0; run < RUNS; run++) {
                    raw = Math.max(raw, rawCopy(rawBlocks, batch.byteSize(), n, threads));
                    gp = Math.max(gp, gpfdistPull(server, published, batch.byteSize(), n, threads));
                }
                System.out.printf("%7d %18.0f %16.0f %7.2f%n", n, raw, gp, gp / raw);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    /** CSV rows of about 100 bytes in chunks that fill one block each. */
    private static ServedBatch batchOf(long mib) {
        StringBuilder chunk = new StringBuilder();
        int rows = 0;
        while (chunk.length() < ServedBatch.DEFAULT_BLOCK_SIZE - 128) {
            chunk.append(1_000_000 + rows)
                    .append(',')
                    .append(rows % 97)
                    .append(",\"request text, with a comma ")
                    .append(rows)
                    .append("\",gpt-4o,512,1234,ok,2024-06-01 12:34:56.789+00\n");
            rows++;
        }
        byte[] bytes = chunk.toString().getBytes(StandardCharsets.US_ASCII);
        ServedBatch.Builder b = ServedBatch.builder();
        for (long total = 0; total + bytes.length <= mib << 20; total += bytes.length) {
            b.addRows(bytes, rows);
        }
        return b.build();
    }

    private static byte[][] copyOfBlocks(ServedBatch batch) {
        byte[][] blocks = new byte[batch.blockCount()][];
        for (int i = 0; i < blocks.length; i++) {
            ByteBuffer data = batch.blockData(i);
            blocks[i] = new byte[data.remaining()];
            data.get(blocks[i]);
        }
        return blocks;
    }

    /** MB/s of N clients pulling one session of the batch from the endpoint. */
    private static double gpfdistPull(
            GpfdistServer server,
            PublishedBatch batch,
            long expected,
            int n,
            ExecutorService threads)
            throws Exception {
        String xid = "bench-" + System.nanoTime();
        List<Callable<Long>> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] request = request(batch.path(), server.port(), xid, i, n);
            clients.add(() -> pullFrames(server.port(), request));
        }
        return run(clients, expected, threads);
    }

    /** MB/s of N clients reading the same blocks from a plain socket server. */
    private static double rawCopy(byte[][] blocks, long expected, int n, ExecutorService threads)
            throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 128, InetAddress.getLoopbackAddress())) {
            AtomicInteger cursor = new AtomicInteger();
            List<Future<?>> senders = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                senders.add(
                        threads.submit(
                                () -> {
                                    try (Socket s = listener.accept()) {
                                        OutputStream out = s.getOutputStream();
                                        int b;
                                        while ((b = cursor.getAndIncrement()) < blocks.length) {
                                            out.write(blocks[b]);
                                        }
                                    }
                                    return null;
                                }));
            }
            List<Callable<Long>> clients = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                clients.add(() -> pullRaw(listener.getLocalPort()));
            }
            double mbps = run(clients, expected, threads);
            for (Future<?> f : senders) {
                f.get();
            }
            return mbps;
        }
    }

    private static double run(List<Callable<Long>> clients, long expected, ExecutorService threads)
            throws Exception {
        long start = System.nanoTime();
        List<Future<Long>> results = threads.invokeAll(clients);
        long total = 0;
        for (Future<Long> r : results) {
            total += r.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (total != expected) {
            throw new IllegalStateException("read " + total + " bytes, expected " + expected);
        }
        return total / 1e6 / seconds;
    }

    /** Reads a gpfdist answer like a segment: head, then frames up to the empty D frame. */
    private static long pullFrames(int port, byte[] request) throws IOException {
        try (SocketChannel ch =
                SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            ch.write(ByteBuffer.wrap(request));
            ByteBuffer buf = ByteBuffer.allocateDirect(READ_BUFFER);
            FrameCounter frames = new FrameCounter();
            boolean inHead = true;
            int matched = 0; // of "\r\n\r\n"
            while (ch.read(buf) >= 0) {
                buf.flip();
                while (inHead && buf.hasRemaining()) {
                    byte c = buf.get();
                    matched = (c == "\r\n\r\n".charAt(matched)) ? matched + 1 : (c == '\r' ? 1 : 0);
                    inHead = matched < 4;
                }
                frames.consume(buf);
                buf.clear();
            }
            if (!frames.ended) {
                throw new IOException("no end of data frame");
            }
            return frames.dataBytes;
        }
    }

    private static long pullRaw(int port) throws IOException {
        try (SocketChannel ch =
                SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            ByteBuffer buf = ByteBuffer.allocateDirect(READ_BUFFER);
            long total = 0;
            int n;
            while ((n = ch.read(buf)) >= 0) {
                total += n;
                buf.clear();
            }
            return total;
        }
    }

    /** Streaming frame parser: skips payloads, counts D bytes, notes the empty D frame. */
    private static final class FrameCounter {
        private final ByteBuffer header = ByteBuffer.allocate(5);
        private long payloadLeft;
        private boolean dataFrame;
        long dataBytes;
        boolean ended;

        void consume(ByteBuffer buf) throws IOException {
            while (buf.hasRemaining()) {
                if (payloadLeft > 0) {
                    int skip = (int) Math.min(payloadLeft, buf.remaining());
                    buf.position(buf.position() + skip);
                    payloadLeft -= skip;
                    if (dataFrame) {
                        dataBytes += skip;
                    }
                    continue;
                }
                while (header.hasRemaining() && buf.hasRemaining()) {
                    header.put(buf.get());
                }
                if (header.hasRemaining()) {
                    return;
                }
                header.flip();
                byte type = header.get();
                payloadLeft = header.getInt();
                header.clear();
                dataFrame = type == 'D';
                if (type == 'E') {
                    throw new IOException("gpfdist error frame");
                }
                if (dataFrame && payloadLeft == 0) {
                    ended = true;
                }
            }
        }
    }

    private static byte[] request(String path, int port, String xid, int segment, int segments) {
        String head =
                "GET "
                        + path
                        + " HTTP/1.1\r\n"
                        + "Host: 127.0.0.1:"
                        + port
                        + "\r\n"
                        + "Accept: */*\r\n"
                        + "X-GP-XID: "
                        + xid
                        + "\r\n"
                        + "X-GP-CID: 2\r\n"
                        + "X-GP-SN: 0\r\n"
                        + "X-GP-SEGMENT-ID: "
                        + segment
                        + "\r\n"
                        + "X-GP-SEGMENT-COUNT: "
                        + segments
                        + "\r\n"
                        + "X-GP-LINE-DELIM-LENGTH: -1\r\n"
                        + "X-GP-PROTO: 1\r\n"
                        + "X-GP-CSVOPT: m1x 34q 34n0h0\r\n\r\n";
        return head.getBytes(StandardCharsets.US_ASCII);
    }
}
