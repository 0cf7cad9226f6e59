package dev.obscura.network;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the quantities of the configuration file and the command line: durations ({@code 250ms}, {@code 60s},
 * {@code 2m}), byte counts ({@code 4096}, {@code 64KiB}, {@code 1GiB}) and bandwidths ({@code 100mbit},
 * {@code 1gbit}). Each throws {@link IllegalArgumentException} with the accepted forms.
 */
public final class Units {
    private static final Pattern NUMBER_UNIT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([a-zA-Z/]*)");

    private Units() {
    }

    /** A duration: a number with {@code ms}, {@code s}, {@code m} or {@code h} ({@code us} for micro-seconds). */
    public static Duration duration(final String text) {
        final Matcher m = match(text, "a duration such as 250ms, 60s or 2m");
        final double value = Double.parseDouble(m.group(1));
        final double nanos = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "us" -> value * 1e3;
            case "ms" -> value * 1e6;
            case "s" -> value * 1e9;
            case "m", "min" -> value * 60e9;
            case "h" -> value * 3600e9;
            default -> throw new IllegalArgumentException("expected a duration such as 250ms, 60s or 2m, got '"
                + text.strip() + "'");
        };
        return Duration.ofNanos(Math.round(nanos));
    }

    /** A byte count: a whole number, optionally with {@code B}, {@code KiB}, {@code MiB} or {@code GiB}. */
    public static long bytes(final String text) {
        final Matcher m = match(text, "a size such as 4096, 64KiB or 1GiB");
        final long scale = switch (m.group(2)) {
            case "", "B" -> 1;
            case "KiB" -> 1L << 10;
            case "MiB" -> 1L << 20;
            case "GiB" -> 1L << 30;
            default -> throw new IllegalArgumentException("expected a size such as 4096, 64KiB or 1GiB, got '"
                + text.strip() + "'");
        };
        final double value = Double.parseDouble(m.group(1)) * scale;
        if (value != Math.rint(value) || value > Long.MAX_VALUE / 2) {
            throw new IllegalArgumentException("expected a whole number of bytes, got '" + text.strip() + "'");
        }
        return (long) value;
    }

    /** A bandwidth in bits per second: a number with {@code kbit}, {@code mbit} or {@code gbit}. */
    public static long bitsPerSecond(final String text) {
        final Matcher m = match(text, "a bandwidth such as 100mbit or 1gbit");
        final double scale = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "bit" -> 1;
            case "kbit" -> 1e3;
            case "mbit" -> 1e6;
            case "gbit" -> 1e9;
            default -> throw new IllegalArgumentException("expected a bandwidth such as 100mbit or 1gbit, got '"
                + text.strip() + "'");
        };
        final long bits = Math.round(Double.parseDouble(m.group(1)) * scale);
        if (bits <= 0) {
            throw new IllegalArgumentException("bandwidth must be positive, got '" + text.strip() + "'");
        }
        return bits;
    }

    /** A duration written back in the unit that keeps it whole: the canonical form of the configuration. */
    static String format(final Duration d) {
        final long nanos = d.toNanos();
        if (nanos % 1_000_000_000L == 0) {
            return nanos / 1_000_000_000L + "s";
        }
        if (nanos % 1_000_000L == 0) {
            return nanos / 1_000_000L + "ms";
        }
        return nanos / 1_000L + "us";
    }

    private static Matcher match(final String text, final String expected) {
        final Matcher m = NUMBER_UNIT.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("expected " + expected + ", got '" + Untrusted.quote(text.strip())
                + "'");
        }
        return m;
    }
}
