package io.pg2gp.connector.warehouse.internal.writer;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The writer state sits in checkpoints and savepoints: its version 1 bytes are pinned. */
class WriterStateSerializerTest {

    private static final WriterStateSerializer SERIALIZER = WriterStateSerializer.INSTANCE;

    /** Version 1 of checkpoint 0x0102030405060708: the id as a big-endian long. */
    private static final byte[] STATE_V1 = {1, 2, 3, 4, 5, 6, 7, 8};

    @Test
    void versionIsOne() {
        assertThat(SERIALIZER.getVersion()).isEqualTo(1);
    }

    @Test
    void writesTheVersionOneFormat() throws IOException {
        assertThat(SERIALIZER.serialize(new WriterState(0x0102030405060708L)))
                .containsExactly(STATE_V1);
        assertThat(SERIALIZER.serialize(new WriterState(-1L)))
                .containsExactly(-1, -1, -1, -1, -1, -1, -1, -1);
    }

    @Test
    void readsTheVersionOneFormat() throws IOException {
        assertThat(SERIALIZER.deserialize(1, STATE_V1))
                .isEqualTo(new WriterState(0x0102030405060708L));
    }

    @Test
    void roundTrips() throws IOException {
        for (long id : new long[] {0, 1, 42, Long.MAX_VALUE, Long.MIN_VALUE}) {
            WriterState s = new WriterState(id);
            assertThat(SERIALIZER.deserialize(SERIALIZER.getVersion(), SERIALIZER.serialize(s)))
                    .isEqualTo(s);
        }
    }

    @Test
    void rejectsUnknownVersions() {
        assertThatThrownBy(() -> SERIALIZER.deserialize(2, STATE_V1))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("version 2");
    }
}
