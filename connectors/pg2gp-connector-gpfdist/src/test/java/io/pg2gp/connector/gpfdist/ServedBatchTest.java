package io.pg2gp.connector.gpfdist;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServedBatchTest {

    @Test
    void packsWholeRowsIntoBlocksOfAtMostTheBlockSize() {
        ServedBatch.Builder b = ServedBatch.builder(10);
        for (String row : new String[] {"aaa\n", "bbb\n", "ccc\n", "dddddd\n", "e\n"}) {
            b.addRow(bytes(row));
        }
        ServedBatch batch = b.build();

        assertThat(batch.blockCount()).isEqualTo(3);
        assertThat(text(batch, 0)).isEqualTo("aaa\nbbb\n");
        assertThat(text(batch, 1)).isEqualTo("ccc\n");
        assertThat(text(batch, 2)).isEqualTo("dddddd\ne\n");
        assertThat(batch.blockOffset(0)).isZero();
        assertThat(batch.blockOffset(1)).isEqualTo(8);
        assertThat(batch.blockOffset(2)).isEqualTo(12);
        assertThat(batch.blockFirstRow(0)).isEqualTo(1);
        assertThat(batch.blockFirstRow(1)).isEqualTo(3);
        assertThat(batch.blockFirstRow(2)).isEqualTo(4);
        assertThat(batch.blockRowCount(2)).isEqualTo(2);
        assertThat(batch.byteSize()).isEqualTo(21);
        assertThat(batch.rowCount()).isEqualTo(5);
    }

    @Test
    void aRowLargerThanABlockTravelsAloneAndWhole() {
        ServedBatch batch =
                ServedBatch.builder(8)
                        .addRow(bytes("ab\n"))
                        .addRow(bytes("a row longer than eight bytes\n"))
                        .addRow(bytes("cd\n"))
                        .build();
        assertThat(batch.blockCount()).isEqualTo(3);
        assertThat(text(batch, 1)).isEqualTo("a row longer than eight bytes\n");
        assertThat(batch.blockFirstRow(2)).isEqualTo(3);
    }

    @Test
    void aChunkOfRowsIsNeverSplitAndCountsItsDeclaredRows() {
        // A quoted newline inside the chunk: only the caller knows where its rows end.
        byte[] chunk = bytes("1,\"two\nlines\"\n2,x\n3,y\n");
        ServedBatch batch =
                ServedBatch.builder(16)
                        .addRow(bytes("0,a\n"))
                        .addRows(chunk, 3)
                        .addRow(bytes("4,z\n"))
                        .build();
        assertThat(batch.blockCount()).isEqualTo(3);
        assertThat(text(batch, 1)).isEqualTo("1,\"two\nlines\"\n2,x\n3,y\n");
        assertThat(batch.blockFirstRow(1)).isEqualTo(2);
        assertThat(batch.blockFirstRow(2)).isEqualTo(5);
        assertThat(batch.rowCount()).isEqualTo(5);
    }

    @Test
    void copiesTheCallersBytesAndKeepsThemIntact() {
        byte[] row = bytes("abc\n");
        ServedBatch.Builder b = ServedBatch.builder().addRow(row, 0, 4);
        row[0] = 'X';
        ServedBatch batch = b.build();
        assertThat(text(batch, 0)).isEqualTo("abc\n");
        assertThat(batch.blockData(0).isReadOnly()).isTrue();
    }

    @Test
    void largeBatchesConcatenateToExactlyTheRowsAdded() {
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        ServedBatch.Builder b = ServedBatch.builder(1000);
        for (int i = 0; i < 5000; i++) {
            byte[] row = bytes("row " + i + ",".repeat(i % 37) + "\n");
            expected.writeBytes(row);
            b.addRow(row);
        }
        ServedBatch batch = b.build();
        ByteArrayOutputStream actual = new ByteArrayOutputStream();
        for (int i = 0; i < batch.blockCount(); i++) {
            assertThat(batch.blockLength(i)).isLessThanOrEqualTo(1000);
            assertThat(batch.blockOffset(i)).isEqualTo(actual.size());
            ByteBuffer data = batch.blockData(i);
            byte[] copy = new byte[data.remaining()];
            data.get(copy);
            actual.writeBytes(copy);
        }
        assertThat(actual.toByteArray()).isEqualTo(expected.toByteArray());
        assertThat(batch.rowCount()).isEqualTo(5000);
    }

    @Test
    void anEmptyBatchHasNoBlocks() {
        assertThat(ServedBatch.empty().blockCount()).isZero();
        assertThat(ServedBatch.empty().rowCount()).isZero();
    }

    @Test
    void rejectsWhatCannotBeServedAsWholeRows() {
        ServedBatch.Builder b = ServedBatch.builder();
        assertThatThrownBy(() -> b.addRow(bytes("no terminator")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.addRow(new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.addRows(bytes("a\n"), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ServedBatch.builder(0))
                .isInstanceOf(IllegalArgumentException.class);
        b.addRow(bytes("crlf\r\n")).addRow(bytes("\n"));
        b.build();
        assertThatThrownBy(() -> b.addRow(bytes("late\n")))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(ServedBatch batch, int block) {
        return StandardCharsets.UTF_8.decode(batch.blockData(block)).toString();
    }
}
