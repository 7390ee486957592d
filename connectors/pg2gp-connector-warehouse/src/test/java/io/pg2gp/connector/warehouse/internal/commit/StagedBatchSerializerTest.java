package io.pg2gp.connector.warehouse.internal.commit;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link StagedBatch}es travel between operators and sit in checkpoints: the format is frozen. */
class StagedBatchSerializerTest {

    private static final StagedBatchSerializer SERIALIZER = StagedBatchSerializer.INSTANCE;

    private static final StagedBatch BATCH =
            new StagedBatch("public.t", 0x0102030405060708L, 7L, 3, 1000L, 2L, 0x1122334455667788L);

    /**
     * Version 1 of {@link #BATCH}, field by field: targetTable as modified UTF-8 with a 2-byte
     * length ({@code 0 8 "public.t"}), batchId, tag (long), subtask (int), rows, deadLetters,
     * maxLsn (long), all big-endian.
     */
    private static final byte[] BATCH_V1 = {
        0, 8, 112, 117, 98, 108, 105, 99, 46, 116, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 7,
        0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 3, -24, 0, 0, 0, 0, 0, 0, 0, 2, 17, 34, 51, 68, 85, 102, 119,
        -120
    };

    @Test
    void versionIsOne() {
        assertThat(SERIALIZER.getVersion()).isEqualTo(1);
    }

    @Test
    void writesTheVersionOneFormat() throws IOException {
        assertThat(SERIALIZER.serialize(BATCH)).containsExactly(BATCH_V1);
    }

    @Test
    void readsTheVersionOneFormat() throws IOException {
        assertThat(SERIALIZER.deserialize(1, BATCH_V1)).isEqualTo(BATCH);
    }

    @Test
    void roundTripsEveryField() throws IOException {
        for (StagedBatch b :
                List.of(
                        BATCH,
                        new StagedBatch("", 0, 0, 0, 0, 0, 0),
                        new StagedBatch(
                                "схема.таблица_😀",
                                Long.MIN_VALUE,
                                Long.MAX_VALUE,
                                Integer.MAX_VALUE,
                                Long.MAX_VALUE,
                                Long.MIN_VALUE,
                                -1L),
                        new StagedBatch(
                                "public.requests", -5, Long.MAX_VALUE, 0, 12_345, 0, 987_654))) {
            assertThat(SERIALIZER.deserialize(SERIALIZER.getVersion(), SERIALIZER.serialize(b)))
                    .isEqualTo(b);
        }
    }

    @Test
    void rejectsUnknownVersions() {
        assertThatThrownBy(() -> SERIALIZER.deserialize(2, BATCH_V1))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("version 2");
        assertThatThrownBy(() -> SERIALIZER.deserialize(0, BATCH_V1))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("version 0");
    }
}
