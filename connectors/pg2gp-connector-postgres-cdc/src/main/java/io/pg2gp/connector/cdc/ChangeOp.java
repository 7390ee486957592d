package io.pg2gp.connector.cdc;

import org.apache.flink.annotation.PublicEvolving;

/** The kind of a change event, after Debezium's {@code op} codes. */
@PublicEvolving
public enum ChangeOp {
    /** A row read by the snapshot ({@code r}). */
    READ('r'),
    INSERT('c'),
    UPDATE('u'),
    DELETE('d'),
    /** An op this pipeline does not know; never silently dropped. */
    UNKNOWN('?'),
    /**
     * A {@code TRUNCATE} of a captured table ({@code t}): no row, only the table. Last, so the
     * ordinals of the others (in state written before it existed) stay as they were.
     */
    TRUNCATE('t');

    private final char code;

    ChangeOp(char code) {
        this.code = code;
    }

    public char code() {
        return code;
    }

    public static ChangeOp fromCode(String code) {
        if (code != null && code.length() == 1) {
            for (ChangeOp op : values()) {
                if (op.code == code.charAt(0)) {
                    return op;
                }
            }
        }
        return UNKNOWN;
    }
}
