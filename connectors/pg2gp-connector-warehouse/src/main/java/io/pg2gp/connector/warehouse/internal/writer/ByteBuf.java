package io.pg2gp.connector.warehouse.internal.writer;

import java.util.Arrays;

/** A growable byte buffer without the synchronization of {@code ByteArrayOutputStream}. */
public final class ByteBuf {

    private byte[] bytes;
    private int size;

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

    public int size() {
        return size;
    }

    public byte[] array() {
        return bytes;
    }

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
