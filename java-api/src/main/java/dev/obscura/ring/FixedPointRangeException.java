package dev.obscura.ring;

/**
 * A value could not be encoded in fixed point: NaN, infinite, or outside the representable range. The message
 * names the index and the range, never the value (inputs are private data).
 */
public final class FixedPointRangeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final long index;

    public FixedPointRangeException(final long index, final int fracBits, final String what) {
        super("value at index " + index + " cannot be encoded with fracBits=" + fracBits + ": " + what
            + "; the encodable range is |x| < 2^" + (62 - fracBits) + " (|x * 2^fracBits| < 2^62)");
        this.index = index;
    }

    /** Index of the first value that failed. */
    public long index() {
        return index;
    }

    /** Why {@code value} cannot be encoded, for the message: never includes the value itself. */
    public static String reason(final double value) {
        if (Double.isNaN(value)) {
            return "it is NaN";
        }
        if (Double.isInfinite(value)) {
            return "it is infinite";
        }
        return "its magnitude is out of range";
    }
}
