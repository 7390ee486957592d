package io.pg2gp.jobs.rollup.source;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Version 1 bytes are fixed: a savepoint taken by this release must restore in the next one. */
class TouchedHoursSplitSerializerTest {

    @Test
    void roundTripsAndKeepsItsVersionOneLayout() throws Exception {
        TouchedHoursSplit split = new TouchedHoursSplit(Map.of("it/public.facts", 42L));
        byte[] bytes = TouchedHoursSplitSerializer.INSTANCE.serialize(split);
        assertThat(HexFormat.of().formatHex(bytes))
                .isEqualTo(
                        "00000001"
                                + "000f"
                                + HexFormat.of().formatHex("it/public.facts".getBytes())
                                + "000000000000002a");
        TouchedHoursSplit back = TouchedHoursSplitSerializer.INSTANCE.deserialize(1, bytes);
        assertThat(back.offsets()).containsExactly(Map.entry("it/public.facts", 42L));
        assertThat(back.splitId()).isEqualTo(TouchedHoursSplit.ID);
        assertThat(
                        new EnumeratorStateSerializer()
                                .deserialize(
                                        1,
                                        new EnumeratorStateSerializer()
                                                .serialize(java.util.List.of(split)))
                                .get(0)
                                .offsets())
                .isEqualTo(split.offsets());
    }
}
