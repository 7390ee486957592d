package io.pg2gp.connector.warehouse.internal.writer;

import org.apache.flink.annotation.Internal;

/** A row the warehouse cannot hold, with the reason, kept for the dead-letter table. */
@Internal
public record DeadLetter(String reason, long lsn, char op, String payloadJson) {

    /** Renders values as a JSON array with every control character escaped, NUL included. */
    public static String toJson(String[] names, Object[] values) {
        StringBuilder sb = new StringBuilder(128).append('{');
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            appendString(sb, i < names.length ? names[i] : "col" + i);
            sb.append(':');
            Object v = values[i];
            if (v == null) {
                sb.append("null");
            } else if (v instanceof Number || v instanceof Boolean) {
                sb.append(v);
            } else {
                appendString(sb, v.toString());
            }
        }
        return sb.append('}').toString();
    }

    private static void appendString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || Character.isSurrogate(c)) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        sb.append('"');
    }
}
