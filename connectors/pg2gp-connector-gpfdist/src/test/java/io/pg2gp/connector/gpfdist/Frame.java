package io.pg2gp.connector.gpfdist;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** One gpfdist frame as a segment reads it: type byte, big-endian int32 length, payload. */
record Frame(char type, byte[] payload) {

    boolean isEndOfData() {
        return type == 'D' && payload.length == 0;
    }

    /** Payload of an {@code O} or {@code L} frame. */
    long asLong() {
        return ByteBuffer.wrap(payload).getLong();
    }

    String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return type + "(" + payload.length + ")";
    }
}
