package dev.obscura.ring;

/**
 * Fixed-point encoding of real numbers into Z_2^64: {@code x} is stored as {@code rint(x * 2^f)} (ties to even),
 * read as a signed 64-bit integer, with {@code f} fractional bits (default 16).
 *
 * <p>The encodable range is {@code |x * 2^f| < 2^62}: a value below 2^62 in magnitude is what the secure truncation
 * protocol handles exactly, and one bit of head-room above it keeps a sum of two encodable values from wrapping.
 * Encoding anything else (NaN, infinity, a larger magnitude) fails with {@link FixedPointRangeException}.
 *
 * <h2>Products and the number of fractional bits</h2>
 * A product of two encoded values carries 2f fractional bits until it is truncated back to f: {@code x * y} is held
 * as {@code (x 2^f)(y 2^f) = xy 2^(2f)}, and the truncation that rescales it is exact only while that magnitude
 * stays below 2^62 ({@link #RANGE_BITS}). So a product, and a sum of products (a matrix product, a convolution), is
 * exact while {@code |xy| < 2^(62 - 2f)} ({@link #maxProductMagnitude()}, about 1.07e9 at f = 16), a far smaller
 * range than the encodable one. The smallest product that must work is {@code 1.0 * 1.0}, held as
 * {@code 2^(2f)}: it is below 2^62 only when {@code 2f <= 61}, that is {@code f <= 30} ({@link #MAX_FRAC_BITS}).
 * For larger f even {@code 1.0 * 1.0} leaves the ring's exact range (at f = 40 it comes out 0), so such encodings
 * are refused. {@link #requireProductRange} checks a product-shaped operation's bound before it runs.
 *
 * <p>Immutable and thread-safe.
 */
public final class FixedPoint {
    /** The default number of fractional bits. */
    public static final int DEFAULT_FRAC_BITS = 16;
    /** Encoded magnitudes must stay below {@code 2^RANGE_BITS}. */
    public static final int RANGE_BITS = 62;
    /**
     * The largest number of fractional bits: {@code 1.0 * 1.0 = 2^(2f)} before truncation must stay below
     * {@code 2^RANGE_BITS}, so {@code 2f <= RANGE_BITS - 1 = 61}, {@code f <= 30}.
     */
    public static final int MAX_FRAC_BITS = (RANGE_BITS - 1) / 2;
    private static final double LIMIT = 0x1p62;

    private final int fracBits;
    private final double scale;

    /**
     * The encoding with {@code fracBits} fractional bits.
     *
     * @throws FixedPointRangeException (an {@link IllegalArgumentException}) unless {@code 0 <= fracBits <= 30}
     */
    public FixedPoint(final int fracBits) {
        if (fracBits < 0 || fracBits > MAX_FRAC_BITS) {
            throw FixedPointRangeException.fracBits(fracBits);
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

    /**
     * Checks that a product-shaped {@code operation} (a product, a matrix product, a convolution, a sum of products)
     * whose exact result can reach {@code bound} in magnitude stays within {@link #maxProductMagnitude()}. Pass a
     * bound computed from public sizes and ranges (for a matrix product of inner size K with entries of magnitude
     * at most A and B: {@code K A B}), never a value: it appears in the message.
     *
     * @param operation what is checked, for the message (for example {@code "matmul with K=256"})
     * @param bound the largest magnitude the exact result can reach
     * @throws FixedPointRangeException when {@code bound} is not below {@code 2^(62 - 2f)}, or is NaN
     */
    public void requireProductRange(final String operation, final double bound) {
        if (!(Math.abs(bound) <= maxProductMagnitude())) {
            throw FixedPointRangeException.product(operation, bound, fracBits);
        }
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
