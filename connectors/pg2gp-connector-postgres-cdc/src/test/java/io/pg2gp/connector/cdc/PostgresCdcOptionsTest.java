package io.pg2gp.connector.cdc;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PostgresCdcOptionsTest {

    private static PostgresCdcOptions.Builder valid() {
        return PostgresCdcOptions.builder()
                .database("app")
                .user("cdc")
                .tables(List.of("public.users"));
    }

    @Test
    void invalidValuesNameTheirOption() {
        assertThatThrownBy(() -> valid().slotName("Bad Slot").build())
                .hasMessageContaining("slotName");
        assertThatThrownBy(() -> valid().tables(List.of("users")).build())
                .hasMessageContaining("captured table 'users' must be schema.table");
        assertThatThrownBy(() -> valid().port(0).build()).hasMessageContaining("port must be");
        assertThatThrownBy(() -> valid().splitSize(10).build()).hasMessageContaining("splitSize");
        assertThatThrownBy(() -> valid().database(null).build())
                .hasMessageContaining("database is required");
    }

    @Test
    void theHeartbeatTableIsCapturedToo() {
        assertThat(valid().heartbeatTable("public.hb").build().capturedTables())
                .containsExactly("public.users", "public.hb");
        assertThat(valid().build().capturedTables()).containsExactly("public.users");
    }

    @Test
    void unknownDebeziumOpsAreKeptAsUnknown() {
        assertThat(ChangeOp.fromCode("c")).isEqualTo(ChangeOp.INSERT);
        assertThat(ChangeOp.fromCode("r")).isEqualTo(ChangeOp.READ);
        assertThat(ChangeOp.fromCode("t")).isEqualTo(ChangeOp.TRUNCATE);
        assertThat(ChangeOp.fromCode("m")).isEqualTo(ChangeOp.UNKNOWN);
        assertThat(ChangeOp.fromCode("?"))
                .as("UNKNOWN's own code is no op")
                .isEqualTo(ChangeOp.UNKNOWN);
        assertThat(ChangeOp.fromCode(null)).isEqualTo(ChangeOp.UNKNOWN);
    }
}
