package dev.obscura.network;

/**
 * Quotes a string that came from outside (a peer's abort reason, a line of a configuration file) for a message:
 * control characters escaped, the length capped, so that it can neither drive a terminal nor flood a log.
 */
final class Untrusted {
    /** The most characters of an untrusted string that a message shows. */
    static final int MAX_CHARS = 200;

    private Untrusted() {
    }

    /** {@code s} with control characters as {@code \\uXXXX} and at most {@link #MAX_CHARS} characters. */
    static String quote(final String s) {
        final StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_CHARS) + 16);
        for (int i = 0; i < s.length(); i++) {
            if (b.length() >= MAX_CHARS) {
                b.append("...(").append(s.length()).append(" chars)");
                break;
            }
            final char c = s.charAt(i);
            if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
