package io.pg2gp.connector.warehouse.internal.load;

import org.postgresql.PGConnection;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Does what Greenplum does for {@code INSERT INTO staging SELECT ... FROM <gpfdist external
 * table>}, against a real PostgreSQL: N segments open one GET each at the same time with a GP6
 * segment's headers (as recorded from Greenplum 6.24.3), read protocol-1 frames to the empty {@code
 * D}, and their rows are parsed by PostgreSQL's COPY TEXT reader, the code Greenplum's TEXT format
 * shares. A data error comes back as PostgreSQL's SQLException, as Greenplum would raise it.
 */
final class GreenplumSegments implements GpfdistStagingLoader.SegmentRead {

    private static final AtomicInteger STATEMENTS = new AtomicInteger();

    private final int segments;
    private final Connection connection;
    private final String copySql;
    private String url;
    final List<Integer> blocksPerSegment = new ArrayList<>();
    int statements;

    GreenplumSegments(int segments, Connection connection, String stagingTable, String columns) {
        this.segments = segments;
        this.connection = connection;
        this.copySql = "COPY " + stagingTable + " (" + columns + ") FROM STDIN";
    }

    void location(String gpfdistUrl) {
        this.url = gpfdistUrl;
    }

    @Override
    public long run() throws SQLException {
        statements++;
        String xid = "10-" + String.format("%010d", STATEMENTS.incrementAndGet());
        ExecutorService pool = Executors.newFixedThreadPool(segments);
        try {
            List<Future<List<byte[]>>> reads = new ArrayList<>();
            for (int seg = 0; seg < segments; seg++) {
                int id = seg;
                reads.add(pool.submit(() -> read(id, xid)));
            }
            ByteArrayOutputStream rows = new ByteArrayOutputStream();
            for (Future<List<byte[]>> read : reads) {
                List<byte[]> blocks = read.get(30, TimeUnit.SECONDS);
                blocksPerSegment.add(blocks.size());
                for (byte[] block : blocks) {
                    rows.write(block);
                }
            }
            return connection
                    .unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyIn(copySql, new ByteArrayInputStream(rows.toByteArray()));
        } catch (SQLException e) {
            throw e;
        } catch (Exception e) {
            throw new SQLException("segment read failed: " + e.getMessage(), "08006", e);
        } finally {
            pool.shutdownNow();
        }
    }

    private List<byte[]> read(int segment, String xid) throws IOException {
        URI uri = URI.create(url.replace("gpfdist://", "http://"));
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(30_000);
            String head =
                    "GET "
                            + uri.getPath()
                            + " HTTP/1.1\r\n"
                            + "Host: "
                            + uri.getHost()
                            + ":"
                            + uri.getPort()
                            + "\r\nAccept: */*\r\nX-GP-XID: "
                            + xid
                            + "\r\nX-GP-CID: 2\r\nX-GP-SN: 0\r\nX-GP-SEGMENT-ID: "
                            + segment
                            + "\r\nX-GP-SEGMENT-COUNT: "
                            + segments
                            + "\r\nX-GP-LINE-DELIM-LENGTH: -1\r\nX-GP-PROTO: 1\r\n"
                            + "X-GP-MASTER_HOST: 127.0.0.1\r\nX-GP-MASTER_PORT: 7000\r\n"
                            + "X-GP-CSVOPT: m0x 92q  0n0h0\r\n"
                            + "X-GP_SEG_PG_CONF: /data/gp/primary/gpseg"
                            + segment
                            + "/postgresql.conf\r\nX-GP_SEG_DATADIR: /data/gp/primary/gpseg"
                            + segment
                            + "\r\nX-GP-DATABASE: warehouse\r\nX-GP-USER: gpadmin\r\n"
                            + "X-GP-SEG-PORT: 700"
                            + segment
                            + "\r\nX-GP-SESSION-ID: 10\r\n\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return frames(socket.getInputStream());
        }
    }

    /** The D payloads of a protocol-1 answer, or none for gpfdist's empty answer. */
    private static List<byte[]> frames(InputStream raw) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        String status = line(in);
        if (!status.startsWith("HTTP/1.0 200")) {
            throw new IOException("http response " + status);
        }
        boolean framed = false;
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            framed |= h.equals("X-GP-PROTO: 1"); // case-sensitive, as the segment matches it
        }
        List<byte[]> blocks = new ArrayList<>();
        if (!framed) {
            return blocks;
        }
        while (true) {
            int type = in.read();
            if (type < 0) {
                throw new IOException("gpfdist server closed connection");
            }
            byte[] payload = new byte[in.readInt()];
            in.readFully(payload);
            if (type == 'E') {
                throw new IOException(
                        "gpfdist error - " + new String(payload, StandardCharsets.UTF_8));
            }
            if (type == 'D') {
                if (payload.length == 0) {
                    return blocks;
                }
                blocks.add(payload);
            }
        }
    }

    private static String line(DataInputStream in) throws IOException {
        StringBuilder s = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new IOException("connection closed in the response head");
            }
            if (c != '\r') {
                s.append((char) c);
            }
        }
        return s.toString();
    }
}
