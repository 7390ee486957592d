package io.pg2gp.connector.gpfdist;

import org.apache.flink.annotation.PublicEvolving;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An immutable batch of encoded rows, served by a {@link GpfdistServer} as one "file": a sequence
 * of blocks, each made of whole rows only.
 *
 * <p>The server never looks inside the bytes: a CSV field may hold a newline inside quotes, so row
 * boundaries cannot be recovered by scanning for newlines. The caller therefore declares them by
 * appending whole rows ({@link Builder#addRow}) or chunks of whole rows ({@link Builder#addRows}).
 * Each appended unit is copied into exactly one block, so a block boundary is always a unit
 * boundary. A block holds as many units as fit in the block size; a single unit larger than the
 * block size becomes a block of its own (a row cannot be split).
 *
 * <p>Each block also carries its byte offset in the batch and the number of its first row
 * (1-based), which the server sends as the gpfdist {@code O} and {@code L} frames so that Greenplum
 * names the right line in its error messages.
 */
@PublicEvolving
public final class ServedBatch {

    /** Default block size: 1 MiB, the upper end of what gpfdist itself hands out per frame. */
    public static final int DEFAULT_BLOCK_SIZE = 1 << 20;

    /** Largest accepted block size; larger blocks would only reduce parallelism across segments. */
    public static final int MAX_BLOCK_SIZE = 16 << 20;

    private final byte[][] data;
    private final int[] lengths;
    private final long[] offsets;
    private final long[] firstRows;
    private final long byteSize;
    private final long rowCount;

    private ServedBatch(Builder b) {
        int n = b.blocks.size();
        this.data = b.blocks.toArray(new byte[0][]);
        this.lengths = Arrays.copyOf(b.lengths, n);
        this.offsets = Arrays.copyOf(b.offsets, n);
        this.firstRows = Arrays.copyOf(b.firstRows, n);
        this.byteSize = b.bytesSealed;
        this.rowCount = b.rowsSealed;
    }

    /** A builder with the {@link #DEFAULT_BLOCK_SIZE default block size}. */
    public static Builder builder() {
        return new Builder(DEFAULT_BLOCK_SIZE);
    }

    /**
     * A builder cutting blocks of at most {@code blockSize} bytes (unless a single row is larger).
     */
    public static Builder builder(int blockSize) {
        return new Builder(blockSize);
    }

    /** A batch without rows: a reading segment gets an immediate end of data. */
    public static ServedBatch empty() {
        return builder().build();
    }

    public int blockCount() {
        return data.length;
    }

    /** The bytes of block {@code index}: whole rows, read-only. */
    public ByteBuffer blockData(int index) {
        return ByteBuffer.wrap(data[index], 0, lengths[index]).asReadOnlyBuffer();
    }

    public int blockLength(int index) {
        return lengths[index];
    }

    /** Byte offset of block {@code index} in the batch (the gpfdist {@code O} frame). */
    public long blockOffset(int index) {
        return offsets[index];
    }

    /** Number (1-based) of the first row of block {@code index} (the gpfdist {@code L} frame). */
    public long blockFirstRow(int index) {
        return firstRows[index];
    }

    /** Rows in block {@code index}, as declared by the caller when appending. */
    public long blockRowCount(int index) {
        long next = index + 1 < data.length ? firstRows[index + 1] : rowCount + 1;
        return next - firstRows[index];
    }

    public long byteSize() {
        return byteSize;
    }

    public long rowCount() {
        return rowCount;
    }

    @Override
    public String toString() {
        return "ServedBatch{rows="
                + rowCount
                + ", bytes="
                + byteSize
                + ", blocks="
                + data.length
                + "}";
    }

    /**
     * Collects rows into blocks. Bytes are copied, so the caller may reuse its arrays. Not
     * thread-safe; usable for one {@link #build()}.
     */
    public static final class Builder {
        private final int blockSize;
        private final List<byte[]> blocks = new ArrayList<>();
        private int[] lengths = new int[16];
        private long[] offsets = new long[16];
        private long[] firstRows = new long[16];
        private long bytesSealed;
        private long rowsSealed;

        private byte[] buffer; // block being filled, allocated lazily, grown up to blockSize
        private int firstCapacity; // small batches should not cost a whole block each
        private int fill;
        private long rowsInBuffer;
        private boolean built;

        private Builder(int blockSize) {
            if (blockSize < 1 || blockSize > MAX_BLOCK_SIZE) {
                throw new IllegalArgumentException(
                        "blockSize must be in [1, " + MAX_BLOCK_SIZE + "]: " + blockSize);
            }
            this.blockSize = blockSize;
            this.firstCapacity = Math.min(blockSize, 64 * 1024);
        }

        /** Appends one encoded row, including its line terminator. */
        public Builder addRow(byte[] row) {
            return addRow(row, 0, row.length);
        }

        /** Appends one encoded row, including its line terminator. */
        public Builder addRow(byte[] row, int offset, int length) {
            return add(row, offset, length, 1);
        }

        /** Appends a chunk of {@code rowCount} whole rows; it ends on a row boundary. */
        public Builder addRows(byte[] chunk, long rowCount) {
            return addRows(chunk, 0, chunk.length, rowCount);
        }

        /**
         * Appends a chunk of {@code rowCount} whole rows. The chunk is never split across blocks,
         * so keep chunks well below the block size for an even spread over the segments.
         */
        public Builder addRows(byte[] chunk, int offset, int length, long rowCount) {
            if (rowCount < 1) {
                throw new IllegalArgumentException("a chunk holds at least one row: " + rowCount);
            }
            return add(chunk, offset, length, rowCount);
        }

        private Builder add(byte[] src, int offset, int length, long rows) {
            if (built) {
                throw new IllegalStateException("build() was already called");
            }
            Objects.checkFromIndexSize(offset, length, src.length);
            if (length == 0) {
                throw new IllegalArgumentException("a row holds at least its line terminator");
            }
            byte last = src[offset + length - 1];
            if (last != '\n' && last != '\r') {
                throw new IllegalArgumentException(
                        "rows must end with their line terminator (LF, CRLF or CR)");
            }
            if (fill > 0 && fill + length > blockSize) {
                seal();
            }
            if (length > blockSize) {
                // A row larger than a block: it travels alone, rows are never split.
                addBlock(Arrays.copyOfRange(src, offset, offset + length), length, rows);
                return this;
            }
            if (buffer == null) {
                buffer = new byte[Math.max(firstCapacity, length)];
            } else if (fill + length > buffer.length) {
                buffer =
                        Arrays.copyOf(
                                buffer,
                                Math.min(blockSize, Math.max(fill + length, buffer.length * 2)));
            }
            System.arraycopy(src, offset, buffer, fill, length);
            fill += length;
            rowsInBuffer += rows;
            return this;
        }

        /** Closes the block being filled; a mostly empty one is trimmed and its buffer reused. */
        private void seal() {
            if (fill == 0) {
                return;
            }
            byte[] block;
            if (fill < buffer.length - buffer.length / 4) {
                block = Arrays.copyOf(buffer, fill);
            } else {
                block = buffer;
                buffer = null;
                firstCapacity = blockSize; // a large batch: skip the growing next time
            }
            addBlock(block, fill, rowsInBuffer);
            fill = 0;
            rowsInBuffer = 0;
        }

        private void addBlock(byte[] block, int length, long rows) {
            int i = blocks.size();
            if (i == lengths.length) {
                lengths = Arrays.copyOf(lengths, i * 2);
                offsets = Arrays.copyOf(offsets, i * 2);
                firstRows = Arrays.copyOf(firstRows, i * 2);
            }
            blocks.add(block);
            lengths[i] = length;
            offsets[i] = bytesSealed;
            firstRows[i] = rowsSealed + 1;
            bytesSealed += length;
            rowsSealed += rows;
        }

        public ServedBatch build() {
            if (built) {
                throw new IllegalStateException("build() was already called");
            }
            seal();
            built = true;
            buffer = null;
            return new ServedBatch(this);
        }
    }
}
