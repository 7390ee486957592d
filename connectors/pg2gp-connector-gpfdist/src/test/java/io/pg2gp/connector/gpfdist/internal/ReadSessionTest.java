package io.pg2gp.connector.gpfdist.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;

import static org.assertj.core.api.Assertions.assertThat;

class ReadSessionTest {

    @Test
    void handsOutEachBlockOnceThenEnds() {
        ReadSession s = new ReadSession(2);
        assertThat(s.take()).isZero();
        assertThat(s.hasEnded()).isFalse();
        assertThat(s.take()).isEqualTo(1);
        assertThat(s.hasEnded()).as("all handed out, but no GET saw the end yet").isFalse();
        assertThat(s.take()).isEqualTo(ReadSession.NO_MORE_BLOCKS);
        assertThat(s.hasEnded()).isTrue();
        assertThat(s.take()).isEqualTo(ReadSession.NO_MORE_BLOCKS);
    }

    @Test
    void anEmptySessionEndsOnTheFirstTake() {
        ReadSession s = new ReadSession(0);
        assertThat(s.hasEnded()).isFalse();
        assertThat(s.take()).isEqualTo(ReadSession.NO_MORE_BLOCKS);
        assertThat(s.hasEnded()).isTrue();
    }

    @Test
    void concurrentTakersShareOneCursor() throws Exception {
        ReadSession s = new ReadSession(10_000);
        List<Integer> taken = Collections.synchronizedList(new ArrayList<>());
        CyclicBarrier start = new CyclicBarrier(8);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread thread =
                    new Thread(
                            () -> {
                                try {
                                    start.await();
                                } catch (Exception e) {
                                    throw new IllegalStateException(e);
                                }
                                int i;
                                while ((i = s.take()) != ReadSession.NO_MORE_BLOCKS) {
                                    taken.add(i);
                                }
                            });
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join(30_000);
        }
        assertThat(taken).hasSize(10_000).doesNotHaveDuplicates();
    }
}
