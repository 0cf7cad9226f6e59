package dev.obscura.privacy;

import dev.obscura.ring.FixedPoint;
import java.util.Arrays;
import java.util.Objects;

/**
 * The sum of vectors each clipped to L2 norm {@code C}, exact in fixed point: the query whose L2 sensitivity the
 * Gaussian mechanism of DP-SGD (Abadi et al., "Deep Learning with Differential Privacy", CCS 2016, Algorithm 1)
 * bounds by {@code C}. Each vector ({@link #add}) is scaled by {@code min(1, C' / ||g||)}, rounded to the fixed-point
 * grid and added to a {@code long} accumulator, so the sum itself is exact integer arithmetic; the per-example
 * gradients of central DP-SGD, or workers' updates in federated averaging with clipping per worker, are the
 * vectors.
 *
 * <p>The rounding must not push a clipped vector past {@code C}, so the vectors are clipped to a slightly smaller
 * {@code C'} that leaves room for every rounding on the way, for {@code P} coordinates and {@code f} fractional bits:
 * <pre>
 *   C' = (C - sqrt(P) * 2^-(f+1)) * (1 - (P + 4) * 2^-52)
 * </pre>
 * Rounding each coordinate to the grid moves it by at most half a unit, so the L2 norm by at most
 * {@code sqrt(P)/2} units, {@code sqrt(P) * 2^-(f+1)} in real units (the first factor). The norm is a double sum of
 * {@code P} squares, a square root, a division and one product per coordinate, together a relative error below
 * {@code (P + 4) 2^-53} (the second factor, with room to spare). So every rounded, clipped vector has norm at most
 * {@code C} exactly, and the sensitivity the accountant assumes holds for the integers that are summed. For MnistCnn
 * ({@code P} = 33,542) at 16 fractional bits, {@code C'} is {@code C - 0.0014}.
 *
 * <p>Not thread-safe.
 */
public final class ClippedSum {
    private final int length;
    private final double clipNorm;
    private final double effectiveClipNorm;
    private final FixedPoint encoding;
    private final long[] sum;
    private int count;
    private int clipped;

    /**
     * An empty sum of vectors of {@code length} values clipped to {@code clipNorm} on {@code encoding}'s grid.
     *
     * @throws IllegalArgumentException when {@code clipNorm} is not a positive number, or so small against the grid
     *     that no room is left for rounding
     */
    public ClippedSum(final int length, final double clipNorm, final FixedPoint encoding) {
        if (length < 1) {
            throw new IllegalArgumentException("length must be positive, length=" + length);
        }
        if (!(clipNorm > 0) || clipNorm == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("clip norm must be a positive number, clip=" + clipNorm);
        }
        this.encoding = Objects.requireNonNull(encoding, "encoding");
        this.length = length;
        this.clipNorm = clipNorm;
        this.effectiveClipNorm = (clipNorm - Math.sqrt(length) * encoding.ulp() / 2) * (1 - (length + 4) * 0x1p-52);
        if (!(effectiveClipNorm > 0.5 * clipNorm)) {
            throw new IllegalArgumentException("clip norm too small for the fixed-point grid: rounding "
                + length + " values could exceed it, clip=" + clipNorm + ", fracBits=" + encoding.fracBits());
        }
        if (!encoding.encodable(clipNorm)) {
            throw new IllegalArgumentException("clip norm not encodable, clip=" + clipNorm + ", fracBits="
                + encoding.fracBits());
        }
        this.sum = new long[length];
    }

    /**
     * Clips {@code values[offset .. offset + length)} to norm {@code C'} (see the class comment), rounds it to the grid
     * and adds it to the sum. Returns the vector's L2 norm before clipping.
     *
     * @throws IllegalArgumentException when a value is not finite (nothing is added then)
     */
    public double add(final float[] values, final int offset) {
        Objects.checkFromIndexSize(offset, length, values.length);
        double squares = 0;
        for (int i = offset; i < offset + length; i++) {
            squares += (double) values[i] * values[i];
        }
        final double norm = Math.sqrt(squares);
        if (!Double.isFinite(norm)) {
            throw new IllegalArgumentException("a gradient value is not finite (training diverged?), vector="
                + count + ", norm=" + norm);
        }
        final double factor = norm > effectiveClipNorm ? effectiveClipNorm / norm : 1.0;
        final int fracBits = encoding.fracBits();
        for (int i = 0; i < length; i++) {
            // |value * factor| <= C', so the encoding is in range and the sum of 2^31 of them still is.
            sum[i] += (long) Math.rint(Math.scalb(values[offset + i] * factor, fracBits));
        }
        count++;
        if (factor < 1.0) {
            clipped++;
        }
        return norm;
    }

    /** The fixed-point sum (the accumulator itself, for the noise to be added in place). */
    public long[] sum() {
        return sum;
    }

    /** The number of vectors added since the last {@link #reset}. */
    public int count() {
        return count;
    }

    /** How many of them were longer than the clip norm and scaled down. */
    public int clipped() {
        return clipped;
    }

    /** The clip norm {@code C}. */
    public double clipNorm() {
        return clipNorm;
    }

    /** The norm {@code C'} the vectors are actually clipped to, which leaves room for rounding. */
    public double effectiveClipNorm() {
        return effectiveClipNorm;
    }

    /** The encoding of the sum. */
    public FixedPoint encoding() {
        return encoding;
    }

    /** Empties the sum. */
    public void reset() {
        Arrays.fill(sum, 0L);
        count = 0;
        clipped = 0;
    }

    /** Never shows the sum (a function of private data). */
    @Override
    public String toString() {
        return "ClippedSum[length=" + length + ", clip=" + clipNorm + ", count=" + count + "]";
    }
}
