package dev.obscura.text;

/**
 * Strings that came from outside the program (a file's contents, a file name, an environment variable, a
 * command-line argument), made safe to put in a message that reaches a terminal or a log: control characters
 * cannot move the cursor or recolour the screen, a line cannot be split, and a hostile length cannot flood it.
 *
 * <p>{@link #quote} follows logfmt: a plain value ({@code model.obscura}, {@code 0.conv2d.weight},
 * {@code /tmp/data}) is left as it is, so messages stay readable; anything else is put in double quotes with
 * {@code "} and {@code \} escaped, {@code \n}, {@code \r} and {@code \t} written as such, and every other character
 * that is not printable (ISO controls such as ESC, Unicode format characters such as the bidirectional overrides,
 * line and paragraph separators, unpaired surrogates, private-use and unassigned code points) written as
 * {@code \}{@code uXXXX}. The result is cut at {@link #MAX_CHARS} characters of output, followed by the original
 * length: {@code "AAAA..."... (65536 chars)}.
 *
 * <p>Stateless and thread-safe.
 */
public final class UntrustedText {
    /** The most characters of a quoted value's text that a message shows. */
    public static final int MAX_CHARS = 100;

    private UntrustedText() {
    }

    /**
     * {@code value} as it may appear in a message: unchanged when it is plain (not empty, at most {@link #MAX_CHARS}
     * characters, each printable and none of space, {@code "}, {@code \}, {@code ,} or {@code =}), else quoted and
     * escaped (see the class comment). {@code null} gives the text {@code null}; any other object its
     * {@code toString()}, treated alike.
     */
    public static String quote(final Object value) {
        return quote(value, MAX_CHARS);
    }

    /**
     * {@link #quote(Object)} with another cap: at most {@code maxChars} characters of the value are shown (and a value
     * longer than that is quoted); for a string the program made itself (a model's own architecture, say), which
     * may be long but is quoted only to escape and delimit it.
     */
    public static String quote(final Object value, final int maxChars) {
        if (maxChars < 1) {
            throw new IllegalArgumentException("maxChars must be positive, maxChars=" + maxChars);
        }
        if (value == null) {
            return "null";
        }
        final String s = value.toString();
        if (s.length() <= maxChars && isPlain(s)) {
            return s;
        }
        final StringBuilder out = new StringBuilder(Math.min(s.length(), maxChars) + 24).append('"');
        final int end = escape(s, out, 1 + maxChars);
        out.append('"');
        if (end < s.length()) {
            out.append("... (").append(s.length()).append(" chars)");
        }
        return out.toString();
    }

    /**
     * {@code line} with every non-printable character escaped as {@link #quote} does, without quotes (a printable
     * {@code "} or {@code \} stays as it is), cut at {@code maxChars} characters of output followed by
     * {@code ... (N chars)}: the last safeguard for a whole message line, such as a command's one-line error.
     */
    public static String printable(final String line, final int maxChars) {
        if (maxChars < 1) {
            throw new IllegalArgumentException("maxChars must be positive, maxChars=" + maxChars);
        }
        if (line == null) {
            return "null";
        }
        final StringBuilder out = new StringBuilder(Math.min(line.length(), maxChars) + 24);
        int i = 0;
        while (i < line.length() && out.length() < maxChars) {
            final int cp = line.codePointAt(i);
            if (isPrintable(cp) || cp == ' ') {
                out.appendCodePoint(cp);
            } else {
                appendEscape(cp, out);
            }
            i += Character.charCount(cp);
        }
        if (i < line.length()) {
            out.append("... (").append(line.length()).append(" chars)");
        }
        return out.toString();
    }

    /** Whether {@link #quote} leaves {@code s} as it is, but for its length. */
    static boolean isPlain(final String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); ) {
            final int cp = s.codePointAt(i);
            if (!isPrintable(cp) || cp == '"' || cp == '\\' || cp == ',' || cp == '=') {
                return false;
            }
            i += Character.charCount(cp);
        }
        return true;
    }

    /**
     * Appends {@code s} escaped to {@code out} until {@code out} holds at least {@code limit} characters (the
     * opening quote and the cap's worth of text); returns
     * the index in {@code s} where it stopped ({@code s.length()} when all of it fit).
     */
    private static int escape(final String s, final StringBuilder out, final int limit) {
        int i = 0;
        while (i < s.length() && out.length() < limit) {
            final int cp = s.codePointAt(i);
            if (cp == '"' || cp == '\\') {
                out.append('\\').append((char) cp);
            } else if (isPrintable(cp) || cp == ' ') {
                out.appendCodePoint(cp);
            } else {
                appendEscape(cp, out);
            }
            i += Character.charCount(cp);
        }
        return i;
    }

    private static void appendEscape(final int cp, final StringBuilder out) {
        switch (cp) {
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            default -> {
                // A supplementary code point that is not printable is escaped as its two UTF-16 units.
                for (final char c : Character.toChars(cp)) {
                    out.append(String.format("\\u%04x", (int) c));
                }
            }
        }
    }

    /**
     * Whether {@code cp} shows as itself and cannot act on a terminal: not whitespace, not a control, format,
     * separator, surrogate, private-use or unassigned code point.
     */
    private static boolean isPrintable(final int cp) {
        if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
            return false;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED, Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }
}
