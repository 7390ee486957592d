package io.pg2gp.connector.gpfdist;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Checks answers the way the segment-side reader (url_curl.c) would accept them. */
final class Framing {

    /** A block as the segment sees it: O and L frames (or -1 without metadata) and the rows. */
    record Block(String fileName, long offset, long firstLine, byte[] data) {}

    private Framing() {}

    /**
     * Asserts that {@code r} is either gpfdist's empty answer (head, then exactly one empty D
     * frame) or a protocol-1 answer of whole blocks ending with exactly one empty D frame; returns
     * its blocks.
     */
    static List<Block> assertWellFramed(GpfdistResponse r, boolean metadata) {
        if (r.isEmptyAnswer()) {
            assertThat(r.body).as("empty answer body").containsExactly('D', 0, 0, 0, 0);
            return List.of();
        }
        assertThat(r.isDataAnswer()).as("data answer announces X-GP-PROTO: 1: %s", r).isTrue();
        List<Frame> frames = r.frames;
        assertThat(frames).as("frames").isNotEmpty();
        assertThat(frames.get(frames.size() - 1).isEndOfData())
                .as("ends with empty D: %s", r)
                .isTrue();
        return blocks(frames.subList(0, frames.size() - 1), metadata, r);
    }

    /** Asserts a protocol-1 answer of whole blocks ending with an E frame; returns the message. */
    static String assertEndsWithError(GpfdistResponse r, boolean metadata) {
        assertThat(r.isDataAnswer()).as("error is sent inside a data answer: %s", r).isTrue();
        List<Frame> frames = r.frames;
        assertThat(frames).isNotEmpty();
        Frame last = frames.get(frames.size() - 1);
        assertThat(last.type()).as("last frame of %s", r).isEqualTo('E');
        blocks(frames.subList(0, frames.size() - 1), metadata, r);
        return last.text();
    }

    private static List<Block> blocks(List<Frame> frames, boolean metadata, GpfdistResponse r) {
        List<Block> blocks = new ArrayList<>();
        int i = 0;
        while (i < frames.size()) {
            String name = null;
            long offset = -1;
            long line = -1;
            if (metadata) {
                assertThat(frames.size() - i)
                        .as("F,O,L,D group in %s", r)
                        .isGreaterThanOrEqualTo(4);
                Frame f = frames.get(i);
                Frame o = frames.get(i + 1);
                Frame l = frames.get(i + 2);
                assertThat(f.type()).isEqualTo('F');
                assertThat(f.payload().length).isBetween(1, 256);
                assertThat(o.type()).isEqualTo('O');
                assertThat(o.payload()).hasSize(8);
                assertThat(l.type()).isEqualTo('L');
                assertThat(l.payload()).hasSize(8);
                name = f.text();
                offset = o.asLong();
                line = l.asLong();
                i += 3;
            }
            Frame d = frames.get(i);
            assertThat(d.type()).as("frame %d of %s", i, r).isEqualTo('D');
            assertThat(d.payload()).as("only the last D frame is empty: %s", r).isNotEmpty();
            blocks.add(new Block(name, offset, line, d.payload()));
            i++;
        }
        return blocks;
    }
}
