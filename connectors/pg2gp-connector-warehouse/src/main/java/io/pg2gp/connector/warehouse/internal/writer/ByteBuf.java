package io.pg2gp.connector.warehouse.internal.writer;

import org.apache.flink.annotation.Internal;

import java.util.Arrays;

/** A growable byte buffer without the synchronization of {@code ByteArrayOutputStream}. */
@Internal
public final class ByteBuf {

    private byte[] bytes;
    private int size;
    private char[] chars = new char[256];

    public ByteBuf(int initialCapacity) {
        this.bytes = new byte[Math.max(16, initialCapacity)];
    }

    public void write(int b) {
        if (size == bytes.length) {
            grow(size + 1);
        }
        bytes[size++] = (byte) b;
    }

    public void write(byte[] b, int off, int len) {
        if (size + len > bytes.length) {
            grow(size + len);
        }
        System.arraycopy(b, off, bytes, size, len);
        size += len;
    }

    public void write(byte[] b) {
        write(b, 0, b.length);
    }

    public void writeAscii(String s) {
        int n = s.length();
        if (size + n > bytes.length) {
            grow(size + n);
        }
        for (int i = 0; i < n; i++) {
            bytes[size++] = (byte) s.charAt(i);
        }
    }

    /**
     * Makes room for {@code extra} more bytes and returns the backing array, to be filled from
     * {@link #size()} on and committed with {@link #truncate}.
     */
    public byte[] reserve(int extra) {
        if (size + extra > bytes.length) {
            grow(size + extra);
        }
        return bytes;
    }

    /** A scratch array of at least {@code n} chars, reused from call to call. */
    public char[] chars(int n) {
        if (chars.length < n) {
            chars = new char[Math.max(n, chars.length * 2)];
        }
        return chars;
    }

    public int size() {
        return size;
    }

    public byte[] array() {
        return bytes;
    }

    /** Sets the size, within the capacity (to drop bytes, or to commit {@link #reserve}d ones). */
    public void truncate(int newSize) {
        size = newSize;
    }

    public void clear() {
        size = 0;
    }

    private void grow(int min) {
        bytes = Arrays.copyOf(bytes, Math.max(min, bytes.length * 2));
    }
}
