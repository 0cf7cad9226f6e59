package dev.obscura.ring;

/**
 * Fixed-point encoding of real numbers into Z_2^64: {@code x} is stored as {@code rint(x * 2^f)} (ties to even),
 * read as a signed 64-bit integer, with {@code f} fractional bits (default 16).
 *
 * <p>The encodable range is {@code |x * 2^f| < 2^62}: a value below 2^62 in magnitude is what the secure truncation
 * protocol handles exactly, and one bit of head-room above it keeps a sum of two encodable values from wrapping.
 * Encoding anything else (NaN, infinity, a larger magnitude) fails with {@link FixedPointRangeException}.
 *
 * <p>Immutable and thread-safe.
 */
public final class FixedPoint {
    /** The default number of fractional bits. */
    public static final int DEFAULT_FRAC_BITS = 16;
    /** Encoded magnitudes must stay below {@code 2^RANGE_BITS}. */
    public static final int RANGE_BITS = 62;
    private static final double LIMIT = 0x1p62;

    private final int fracBits;
    private final double scale;

    public FixedPoint(final int fracBits) {
        if (fracBits < 0 || fracBits > 40) {
            throw new IllegalArgumentException("fracBits must be in [0, 40], fracBits=" + fracBits);
        }
        this.fracBits = fracBits;
        this.scale = Math.scalb(1.0, fracBits);
    }

    /** The encoding with {@link #DEFAULT_FRAC_BITS}. */
    public static FixedPoint defaultEncoding() {
        return new FixedPoint(DEFAULT_FRAC_BITS);
    }

    /** Number of fractional bits f. */
    public int fracBits() {
        return fracBits;
    }

    /** The encoding of 1.0, that is 2^f. */
    public long one() {
        return 1L << fracBits;
    }

    /** The value of one unit in the last place, 2^-f. */
    public double ulp() {
        return 1.0 / scale;
    }

    /** The largest encodable magnitude: the largest double below 2^(62 - f). */
    public double maxMagnitude() {
        return Math.nextDown(Math.scalb(1.0, RANGE_BITS - fracBits));
    }

    /**
     * The largest magnitude a product (or a sum of products: a matrix product, a convolution) of two fixed-point
     * values may reach for its truncation to be exact: the product carries 2f fractional bits before it is
     * truncated back to f, so it must stay below {@code 2^(62 - 2f)} (about 1.07e9 at f = 16).
     */
    public double maxProductMagnitude() {
        return Math.nextDown(Math.scalb(1.0, RANGE_BITS - 2 * fracBits));
    }

    /** Whether {@code x} can be encoded. */
    public boolean encodable(final double x) {
        return Math.abs(x * scale) < LIMIT;
    }

    /**
     * Encodes one value.
     *
     * @throws FixedPointRangeException (index 0) when the value is not encodable
     */
    public long encode(final double x) {
        return encode(x, 0, fracBits);
    }

    /** Decodes one element. */
    public double decode(final long v) {
        return v / scale;
    }

    /**
     * The reference encoding shared by every backend: {@code rint(x * 2^fracBits)} with the range check, reporting
     * {@code index} on failure. {@code x * 2^f} is exact (a power-of-two scaling), so only {@code rint} rounds.
     */
    public static long encode(final double x, final long index, final int fracBits) {
        final double scaled = Math.scalb(x, fracBits);
        // NaN fails this test too: every comparison with NaN is false.
        if (!(Math.abs(scaled) < LIMIT)) {
            throw new FixedPointRangeException(index, fracBits, FixedPointRangeException.reason(x));
        }
        return (long) Math.rint(scaled);
    }

    @Override
    public String toString() {
        return "FixedPoint[fracBits=" + fracBits + "]";
    }
}
