package io.pg2gp.connector.gpfdist.internal;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class PathTokensTest {

    @Test
    void pathsCarry128RandomBitsInBase32() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String p = PathTokens.newPath();
            assertThat(p).matches("/[a-z2-7]{26}");
            seen.add(p);
        }
        assertThat(seen).hasSize(10_000);
    }

    @Test
    void encodesBase32LikeRfc4648InLowerCase() {
        // RFC 4648 test vector "foobar" -> MZXW6YTBOI (no padding)
        assertThat(PathTokens.base32("foobar".getBytes())).isEqualTo("mzxw6ytboi");
        assertThat(PathTokens.base32(new byte[16])).isEqualTo("a".repeat(26));
    }
}
