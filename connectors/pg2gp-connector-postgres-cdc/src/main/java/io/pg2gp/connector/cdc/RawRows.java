package io.pg2gp.connector.cdc;

import org.apache.flink.annotation.PublicEvolving;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Renders a change's before and after images as JSON, as Debezium delivered them, for a dead
 * letter: what the operator needs to repair the row by hand when it could not be converted.
 */
@PublicEvolving
public final class RawRows {

    private RawRows() {}

    /** {@code {"op":..,"before":{..},"after":{..}}}; an absent image is {@code null}. */
    public static String toJson(String rawOp, Struct before, Struct after) {
        StringBuilder sb = new StringBuilder(256).append("{\"op\":");
        string(sb, rawOp);
        sb.append(",\"before\":");
        value(sb, before);
        sb.append(",\"after\":");
        value(sb, after);
        return sb.append('}').toString();
    }

    private static void value(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Struct s) {
            sb.append('{');
            boolean first = true;
            for (Field f : s.schema().fields()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                string(sb, f.name());
                sb.append(':');
                value(sb, s.get(f));
            }
            sb.append('}');
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.append(v);
        } else if (v instanceof byte[] b) {
            string(sb, Base64.getEncoder().encodeToString(b));
        } else if (v instanceof ByteBuffer b) {
            byte[] copy = new byte[b.remaining()];
            b.duplicate().get(copy);
            string(sb, Base64.getEncoder().encodeToString(copy));
        } else if (v instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                value(sb, l.get(i));
            }
            sb.append(']');
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                string(sb, String.valueOf(e.getKey()));
                sb.append(':');
                value(sb, e.getValue());
            }
            sb.append('}');
        } else {
            string(sb, v.toString());
        }
    }

    /** A JSON string with every control character and lone surrogate escaped, NUL included. */
    private static void string(StringBuilder sb, String s) {
        if (s == null) {
            sb.append("null");
            return;
        }
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
