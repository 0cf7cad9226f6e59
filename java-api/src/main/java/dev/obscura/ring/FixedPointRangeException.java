package dev.obscura.ring;

/**
 * A fixed-point range error: a value that cannot be encoded (NaN, infinite, or outside the representable range), a
 * number of fractional bits for which products cannot be exact, or an operation whose result can leave the range in
 * which it is exact. The message says that it is a range error and names the index, the bound and the range, never a
 * value (inputs are private data).
 */
public final class FixedPointRangeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final long index;

    /** An encoding failure of the value at {@code index}; {@code what} says why, see {@link #reason(double)}. */
    public FixedPointRangeException(final long index, final int fracBits, final String what) {
        super("value at index " + index + " cannot be encoded with fracBits=" + fracBits + ": " + what
            + "; the encodable range is |x| < 2^" + (FixedPoint.RANGE_BITS - fracBits) + " (|x * 2^fracBits| < 2^"
            + FixedPoint.RANGE_BITS + ")");
        this.index = index;
    }

    private FixedPointRangeException(final String message) {
        super(message);
        this.index = -1;
    }

    /** The fractional bits {@code fracBits} are outside {@code [0, FixedPoint.MAX_FRAC_BITS]}. */
    static FixedPointRangeException fracBits(final int fracBits) {
        return new FixedPointRangeException("fixed-point range error: fracBits must be in [0, "
            + FixedPoint.MAX_FRAC_BITS + "], fracBits=" + fracBits + (fracBits < 0 ? "" : "; with f fractional bits"
            + " the product 1.0 * 1.0 is 2^(2f) before its truncation, which is exact only below 2^"
            + FixedPoint.RANGE_BITS + ", so 2f must be at most " + (FixedPoint.RANGE_BITS - 1)));
    }

    /**
     * A product-shaped {@code operation} whose result can reach {@code bound} in magnitude (a bound computed from
     * public sizes and ranges, never from data) above what the truncation handles exactly at {@code fracBits}.
     */
    static FixedPointRangeException product(final String operation, final double bound, final int fracBits) {
        return new FixedPointRangeException("fixed-point range error: " + operation + " can reach |result| = "
            + bound + " before truncation, but at fracBits=" + fracBits + " a product (or a sum of products) is exact"
            + " only while |result| < 2^(" + FixedPoint.RANGE_BITS + " - 2*" + fracBits + ") = "
            + Math.scalb(1.0, FixedPoint.RANGE_BITS - 2 * fracBits) + "; use fewer fractional bits or smaller values");
    }

    /** Index of the first value that failed to encode, or -1 when the error is not about one value. */
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
