package io.pg2gp.connector.gpfdist.internal;

import org.apache.flink.annotation.Internal;

import java.security.SecureRandom;

/**
 * Unguessable batch paths: 128 random bits from {@link SecureRandom}, lowercase base32 (26 chars).
 * Anyone who can reach the port could otherwise read a batch by guessing its name.
 */
@Internal
public final class PathTokens {

    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final java.util.regex.Pattern SHAPE =
            java.util.regex.Pattern.compile("/[a-z2-7]{26}");

    private PathTokens() {}

    /** A new path such as {@code /k2b6...} (1 + 26 characters). */
    public static String newPath() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return "/" + base32(bytes);
    }

    /** Whether {@code path} has the shape {@link #newPath()} gives. */
    public static boolean isPath(String path) {
        return path != null && SHAPE.matcher(path).matches();
    }

    static String base32(byte[] bytes) {
        StringBuilder out = new StringBuilder((bytes.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : bytes) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(BASE32[(buffer >>> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(BASE32[(buffer << (5 - bits)) & 31]);
        }
        return out.toString();
    }
}
