package io.pg2gp.connector.gpfdist.internal;

import io.pg2gp.connector.gpfdist.ServedBatch;

import org.junit.jupiter.api.Test;

import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

class PublicationTest {

    private static final ServedBatch ROWS =
            ServedBatch.builder().addRow("1,a\n".getBytes(StandardCharsets.US_ASCII)).build();

    @Test
    void releaseCutsAReaderThatDoesNotFinishWithinTheGrace() {
        Publication p = new Publication("/p", ROWS);
        AtomicBoolean closed = new AtomicBoolean();
        Closeable stuck = () -> closed.set(true);
        assertThat(p.attach(stuck)).isSameAs(ROWS);

        p.release("released", 10);

        assertThat(closed).isTrue();
        assertThat(p.failure()).isEqualTo("released");
        assertThat(p.isReleased()).isTrue();
        assertThat(p.attach(() -> {})).as("no new readers").isNull();
    }

    @Test
    void releaseLetsAReaderThatFinishesInTheGraceEndOnItsOwn() throws Exception {
        Publication p = new Publication("/p", ROWS);
        AtomicBoolean closed = new AtomicBoolean();
        Closeable reader = () -> closed.set(true);
        p.attach(reader);
        // The reader notices the failure at its next block, sends its E frame and detaches.
        CompletableFuture<Void> readerThread =
                CompletableFuture.runAsync(
                        () -> {
                            while (p.failure() == null) {
                                Thread.onSpinWait();
                            }
                            p.detach(reader);
                        });

        p.release("released", TimeUnit.SECONDS.toMillis(30));

        readerThread.get(30, TimeUnit.SECONDS);
        assertThat(closed).as("not cut").isFalse();
    }

    @Test
    void theFirstFailureWinsAndSessionsAreKeyedByScan() {
        Publication p = new Publication("/p", ROWS);
        p.fail("first");
        p.fail("second");
        assertThat(p.failure()).isEqualTo("first");

        int[] created = {0};
        SegmentRequest.SessionKey a = new SegmentRequest.SessionKey("10-2", "2", "0");
        ReadSession s1 = p.session(a, 1, () -> created[0]++);
        ReadSession s2 =
                p.session(new SegmentRequest.SessionKey("10-2", "2", "0"), 1, () -> created[0]++);
        ReadSession s3 =
                p.session(new SegmentRequest.SessionKey("10-2", "2", "1"), 1, () -> created[0]++);
        assertThat(s2).isSameAs(s1);
        assertThat(s3).isNotSameAs(s1);
        assertThat(created[0]).isEqualTo(2);
    }
}
