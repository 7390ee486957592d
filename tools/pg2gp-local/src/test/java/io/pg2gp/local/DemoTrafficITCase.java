package io.pg2gp.local;

import io.pg2gp.testutils.PostgresServer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo traffic goes on after the source restarts (here: an immediate stop, then a start). */
class DemoTrafficITCase {

    private static PostgresServer start(Path dir, int port) {
        return PostgresServer.builder("demo-source").baseDir(dir).port(port).keepData(true).start();
    }

    private static void await(String what, Duration within, java.util.function.BooleanSupplier ok)
            throws InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError(what + " not within " + within);
            }
            Thread.sleep(100);
        }
    }

    @Test
    void trafficResumesAfterASourceRestart(@TempDir Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        PostgresServer source = start(dir, port);
        DemoTraffic traffic = null;
        try {
            source.createDatabase("app");
            source.execute("app", LocalPipeline.resource("/sql/source/01_schema.sql"));
            traffic = new DemoTraffic(source, "app", 200);
            traffic.seed(5, 20);
            traffic.start();
            DemoTraffic t = traffic;
            await("first changes", Duration.ofSeconds(20), () -> t.changes() > 0);

            source.close(); // the traffic's connection breaks
            long atStop = traffic.changes();
            source = start(dir, port);

            await(
                    "changes after the restart",
                    Duration.ofSeconds(30),
                    () -> t.changes() > atStop + 50);
            assertThat(traffic.reconnects()).isEqualTo(1);
        } finally {
            if (traffic != null) {
                traffic.stop();
            }
            source.close();
        }
    }
}
