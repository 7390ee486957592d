package io.pg2gp.jobs.settings;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.description.HtmlFormatter;
import org.apache.flink.util.TimeUtils;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** What people read about an option: its description, expected form and default as text. */
public final class OptionText {

    private OptionText() {}

    /** The description as plain text (Flink's {@code Description} has no readable toString). */
    public static String describe(ConfigOption<?> option) {
        return new HtmlFormatter()
                .format(option.description())
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&");
    }

    /** The form a value must take, from the default's type (options without one are text). */
    public static String expectedForm(ConfigOption<?> option) {
        Object d = option.hasDefaultValue() ? option.defaultValue() : null;
        if (d instanceof Duration) {
            return "a duration such as 500ms, 5s, 2min or 1h";
        } else if (d instanceof MemorySize) {
            return "a size such as 512kb, 8mb or 1gb";
        } else if (d instanceof Integer || d instanceof Long) {
            return "a whole number";
        } else if (d instanceof Double || d instanceof Float) {
            return "a number such as 0.1";
        } else if (d instanceof Boolean) {
            return "true or false";
        } else if (d instanceof Enum<?> e) {
            return "one of "
                    + Arrays.stream(e.getDeclaringClass().getEnumConstants())
                            .map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT))
                            .collect(Collectors.joining(", "));
        }
        return "text";
    }

    /** The default as it is written in a pipeline file, or null without one. */
    public static String defaultText(ConfigOption<?> option) {
        if (!option.hasDefaultValue()) {
            return null;
        }
        Object value = option.defaultValue();
        if (value instanceof Duration d) {
            return TimeUtils.formatWithHighestUnit(d);
        } else if (value instanceof MemorySize m) {
            return m.toString();
        } else if (value instanceof Enum<?> e) {
            return e.name().toLowerCase(Locale.ROOT);
        }
        return String.valueOf(value);
    }

    /**
     * The known key closest to a mistyped one (edit distance, the same last word, or a key it
     * begins), if any is close enough to be what was meant.
     */
    public static Optional<String> closest(String key, Collection<String> known) {
        String tail = key.substring(key.lastIndexOf('.') + 1);
        return known.stream()
                .filter(
                        k ->
                                distance(normalize(k), normalize(key))
                                                <= Math.max(2, key.length() / 5)
                                        || k.endsWith("." + tail) && tail.length() > 3
                                        || k.startsWith(key) && key.indexOf('.') > 0)
                .min(Comparator.comparingInt(k -> distance(normalize(k), normalize(key))));
    }

    /** Separators are the commonest slip ({@code publication.create} for {@code -create}). */
    private static String normalize(String key) {
        return key.toLowerCase(Locale.ROOT).replace('_', '-').replace('.', '-');
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
