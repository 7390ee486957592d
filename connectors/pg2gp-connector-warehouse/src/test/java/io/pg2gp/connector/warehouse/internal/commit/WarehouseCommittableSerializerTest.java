package io.pg2gp.connector.warehouse.internal.commit;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Committables live in the committer's checkpointed state, so a later release must read what this
 * one wrote: the version 1 bytes are pinned here.
 */
class WarehouseCommittableSerializerTest {

    private static final WarehouseCommittableSerializer SERIALIZER =
            WarehouseCommittableSerializer.INSTANCE;

    private static final WarehouseCommittable COMMITTABLE =
            new WarehouseCommittable(
                    -2L,
                    5L,
                    "s.t",
                    List.of(
                            new StagedBatch("s.t", 9L, 5L, 0, 3L, 0L, 258L),
                            new StagedBatch("s.t", 10L, 4L, 1, 0L, 1L, 0L)));

    /**
     * Version 1 of {@link #COMMITTABLE}: commitId (-2), checkpointId (5) as longs, targetTable as
     * modified UTF-8 with a 2-byte length, the batch count (int), then each batch in {@link
     * StagedBatchSerializer} version 1: table, batchId, tag, subtask (int), rows, deadLetters,
     * maxLsn.
     */
    private static final byte[] COMMITTABLE_V1 = {
        -1, -1, -1, -1, -1, -1, -1, -2, 0, 0, 0, 0, 0, 0, 0, 5, 0, 3, 115, 46, 116, 0, 0, 0, 2, 0,
        3, 115, 46, 116, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 3, 115, 46, 116, 0, 0, 0, 0, 0,
        0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        1, 0, 0, 0, 0, 0, 0, 0, 0
    };

    @Test
    void versionIsOne() {
        assertThat(SERIALIZER.getVersion()).isEqualTo(1);
    }

    @Test
    void writesTheVersionOneFormat() throws IOException {
        assertThat(SERIALIZER.serialize(COMMITTABLE)).containsExactly(COMMITTABLE_V1);
    }

    @Test
    void readsTheVersionOneFormat() throws IOException {
        WarehouseCommittable read = SERIALIZER.deserialize(1, COMMITTABLE_V1);
        assertThat(read).isEqualTo(COMMITTABLE);
        assertThat(read.batches()).containsExactlyElementsOf(COMMITTABLE.batches());
    }

    @Test
    void roundTripsManyAndNoBatches() throws IOException {
        List<StagedBatch> many =
                java.util.stream.LongStream.range(0, 50)
                        .mapToObj(
                                i ->
                                        new StagedBatch(
                                                "public.requests",
                                                i * 7919,
                                                i,
                                                (int) (i % 4),
                                                i * 100,
                                                i % 3,
                                                Long.MAX_VALUE - i))
                        .toList();
        for (WarehouseCommittable c :
                List.of(
                        COMMITTABLE,
                        new WarehouseCommittable(0, 0, "", List.of()),
                        new WarehouseCommittable(
                                Long.MIN_VALUE, Long.MAX_VALUE, "public.requests", many),
                        new WarehouseCommittable(
                                42,
                                1,
                                "ü.😀",
                                List.of(new StagedBatch("ü.😀", 1, 1, 0, 1, 0, 1))))) {
            assertThat(SERIALIZER.deserialize(SERIALIZER.getVersion(), SERIALIZER.serialize(c)))
                    .isEqualTo(c);
        }
    }

    @Test
    void rejectsUnknownVersions() {
        assertThatThrownBy(() -> SERIALIZER.deserialize(2, COMMITTABLE_V1))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("version 2");
        assertThatThrownBy(() -> SERIALIZER.deserialize(-1, COMMITTABLE_V1))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("version -1");
    }
}
