package io.pg2gp.benchmarks;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BenchArgsTest {

    @Test
    void theWarehouseIsPostgresUnlessGreenplumIsAsked() {
        BenchArgs plain = BenchArgs.parse(new String[] {"sink", "--rows", "20_000"});
        assertThat(plain.greenplum()).isFalse();
        assertThat(plain.rows()).isEqualTo(20_000);

        BenchArgs gp =
                BenchArgs.parse(
                        new String[] {"sink", "--warehouse", "greenplum", "--rows", "200000"});
        assertThat(gp.greenplum()).isTrue();
        assertThat(gp.benchmarks()).isEqualTo(List.of("sink"));
        assertThat(gp.rows()).isEqualTo(200_000);
        assertThat(gp.runs()).isEqualTo(3);
    }

    @Test
    void greenplumIsMeasuredBySinkEndToEndAndApplyOnlyAndOtherWarehousesAreRefused() {
        assertThat(BenchArgs.parse(new String[] {"e2e", "--warehouse", "greenplum"}).greenplum())
                .isTrue();
        assertThat(BenchArgs.parse(new String[] {"apply", "--warehouse", "greenplum"}).benchmarks())
                .containsExactly("apply");
        assertThatThrownBy(() -> BenchArgs.parse(new String[] {"all", "--warehouse", "greenplum"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sink, e2e, apply, features, sql benchmarks only");
        assertThatThrownBy(
                        () -> BenchArgs.parse(new String[] {"source", "--warehouse", "greenplum"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sink, e2e, apply, features, sql benchmarks only");
        assertThatThrownBy(() -> BenchArgs.parse(new String[] {"apply"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("add --warehouse greenplum");
        assertThatThrownBy(() -> BenchArgs.parse(new String[] {"sink", "--warehouse", "oracle"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("postgres or greenplum");
    }
}
