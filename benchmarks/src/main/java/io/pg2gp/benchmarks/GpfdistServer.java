package io.pg2gp.benchmarks;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Greenplum's own {@code gpfdist} binary serving a directory: the physical reference for parallel
 * loading, where every segment pulls blocks of the file straight from it.
 */
final class GpfdistServer implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final int port;
    private final Path log;

    private GpfdistServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts {@code binary} on a free port serving {@code dir}; returns once it accepts. */
    static GpfdistServer start(Path binary, Path dir) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = dir.resolve("gpfdist.log");
        Process p =
                new ProcessBuilder(
                                binary.toString(),
                                "-d",
                                dir.toString(),
                                "-p",
                                String.valueOf(port),
                                "-l",
                                log.toString(),
                                "-m",
                                String.valueOf(1 << 20))
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("gpfdist.out").toFile())
                        .start();
        GpfdistServer server = new GpfdistServer(p, port, log);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!p.isAlive()) {
                throw new IllegalStateException(
                        binary
                                + " exited "
                                + p.exitValue()
                                + ": "
                                + Files.readString(dir.resolve("gpfdist.out")));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return server;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    server.close();
                    throw new IllegalStateException(
                            binary
                                    + " does not accept on port "
                                    + port
                                    + " after "
                                    + START_TIMEOUT);
                }
                Thread.sleep(100);
            }
        }
    }

    /**
     * The URL of {@code file} (relative to the served directory) as segments on this host read it.
     */
    String url(String host, String file) {
        return "gpfdist://" + host + ":" + port + "/" + file;
    }

    Path log() {
        return log;
    }

    /** CPU-seconds the gpfdist process used so far (NaN where the JDK cannot tell). */
    double cpuSeconds() {
        return process.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
