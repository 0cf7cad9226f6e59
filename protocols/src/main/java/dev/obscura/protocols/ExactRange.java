package dev.obscura.protocols;

import dev.obscura.backend.Backend;
import dev.obscura.mpc.RingMap;
import dev.obscura.ring.RingTensor;
import java.math.BigInteger;

/**
 * Whether the exact integer value of a linear or bilinear map of ring values stays below 2^62 in magnitude: the
 * arithmetic of checked mode's plaintext twin. The ring computes every map modulo 2^64, so the twin's ring result
 * {@code r} says nothing about a wrap; this class finds the integer {@code z} with {@code z = r mod 2^64} exactly,
 * in two steps.
 * <ol>
 *   <li>A bound from the operands' magnitudes: {@code |z| <= terms max|x|} for a linear map and
 *       {@code terms max|x| max|y|} for a bilinear one ({@link RingMap}). Computed in {@code double} (three
 *       roundings, a relative error below 2^-50) and compared with {@code 2^62 (1 - 2^-40)}, it settles the range of
 *       every element at once in the common case, at the cost of a pass over the operands.</li>
 *   <li>Otherwise, exactly, by limbs: each operand is split into {@code L} limbs of {@code w} bits,
 *       {@code x = sum_i 2^(w i) x_i} (the top limb signed, the others unsigned), with {@code w} chosen so that the
 *       map of limbs cannot wrap ({@code terms 2^(degree w) <= 2^62}); then {@code z = sum_i 2^(w i) map(x_i, ...)}
 *       (linear) or {@code sum_{i,j} 2^(w (i + j)) map(x_i, y_j)} (bilinear), each map run by the backend on exact
 *       {@code long}s. The terms are added per element in {@code double} with an error bound {@code e} (at most
 *       {@code (m + 2) 2^-52} of the sum of the terms' magnitudes for {@code m} terms): when {@code e < 2^60}, the
 *       sum decides the element unless it lies within {@code e} of 2^62, and then {@code |z| < 2^63} so that
 *       {@code z} is the ring result {@code r} read as a signed {@code long}, which decides it exactly; otherwise
 *       (terms beyond 2^110, from operands near 2^63) a {@link BigInteger} sum does.</li>
 * </ol>
 * So the answer is exact, with no margin: an element below 2^62 passes, one at 2^62 does not.
 */
final class ExactRange {
    /** The bound of every value, product and sum of products, as a ring value: {@code 2^62}. */
    static final long LIMIT = 1L << 62;
    private static final double SAFE_BOUND = 0x1p62 * (1 - 0x1p-40);

    private ExactRange() {
    }

    /**
     * Whether every element of the integer value of {@code map(operands)} lies strictly between {@code -2^62} and
     * {@code 2^62}, where {@code ring} is that value modulo 2^64 (the map run on the ring).
     */
    static boolean inRange(final Backend be, final RingMap map, final RingTensor[] operands, final RingTensor ring) {
        double bound = map.terms();
        if (map.degree() == 1) {
            double max = 0;
            for (final RingTensor x : operands) {
                max = Math.max(max, maxAbs(x));
            }
            bound *= max;
        } else {
            bound *= maxAbs(operands[0]) * maxAbs(operands[1]);
        }
        return bound < SAFE_BOUND || byLimbs(be, map, operands, ring);
    }

    /** Whether every element of {@code t}, a ring value read as signed, lies strictly inside {@code +-2^62}. */
    static boolean inRange(final RingTensor t) {
        final long n = t.numel();
        for (long i = 0; i < n; i++) {
            final long v = t.get(i);
            if (v >= LIMIT || v <= -LIMIT) {
                return false;
            }
        }
        return true;
    }

    /** The largest magnitude of an element of {@code t} read as signed ({@code 2^63} for {@code Long.MIN_VALUE}). */
    static double maxAbs(final RingTensor t) {
        long max = 0;
        final long n = t.numel();
        for (long i = 0; i < n; i++) {
            final long v = t.get(i);
            if (v == Long.MIN_VALUE) {
                return 0x1p63;
            }
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    /** Step 2 of the class comment. */
    private static boolean byLimbs(final Backend be, final RingMap map, final RingTensor[] operands,
                                   final RingTensor ring) {
        final int termBits = 64 - Long.numberOfLeadingZeros(map.terms() - 1);
        final int w = (62 - termBits) / map.degree();
        if (w < 1) {
            throw new IllegalStateException("too many terms to recompute exactly, terms=" + map.terms());
        }
        final int limbs = (63 + w - 1) / w;
        final long[][][] parts = new long[operands.length][][];
        for (int o = 0; o < operands.length; o++) {
            parts[o] = split(operands[o].toArray(), w, limbs);
        }
        final int count = map.degree() == 1 ? limbs : limbs * limbs;
        final long[][] terms = new long[count][];
        final int[] exponents = new int[count];
        for (int k = 0; k < count; k++) {
            final int i = map.degree() == 1 ? k : k / limbs;
            final int j = map.degree() == 1 ? k : k % limbs;
            final RingTensor[] in = new RingTensor[operands.length];
            try (RingTensor out = RingTensor.zeros(ring.shape())) {
                try {
                    for (int o = 0; o < operands.length; o++) {
                        in[o] = RingTensor.of(parts[o][o == 0 ? i : j], operands[o].shape());
                    }
                    map.kernel().apply(be, in, out);
                } finally {
                    for (final RingTensor t : in) {
                        if (t != null) {
                            t.close();
                        }
                    }
                }
                terms[k] = out.toArray();
            }
            exponents[k] = map.degree() == 1 ? w * i : w * (i + j);
        }
        final double relativeError = (count + 2) * 0x1p-52;
        final long n = ring.numel();
        for (int e = 0; e < n; e++) {
            double sum = 0;
            double magnitude = 0;
            for (int k = 0; k < count; k++) {
                final double v = Math.scalb((double) terms[k][e], exponents[k]);
                sum += v;
                magnitude += Math.abs(v);
            }
            final double error = magnitude * relativeError;
            if (error < 0x1p60) {
                if (Math.abs(sum) + error < 0x1p62) {
                    continue;
                }
                if (Math.abs(sum) - error >= 0x1p62) {
                    return false;
                }
                final long r = ring.get(e); // |z| < 2^62 + 2 error < 2^63: z is r
                if (r >= LIMIT || r <= -LIMIT) {
                    return false;
                }
                continue;
            }
            BigInteger z = BigInteger.ZERO;
            for (int k = 0; k < count; k++) {
                z = z.add(BigInteger.valueOf(terms[k][e]).shiftLeft(exponents[k]));
            }
            if (z.abs().bitLength() > 62) {
                return false;
            }
        }
        return true;
    }

    /** The {@code limbs} limbs of {@code w} bits of every element: unsigned, but the top one signed. */
    private static long[][] split(final long[] x, final int w, final int limbs) {
        final long mask = (1L << w) - 1;
        final long[][] out = new long[limbs][x.length];
        for (int i = 0; i < limbs; i++) {
            final int shift = w * i;
            final long[] limb = out[i];
            for (int e = 0; e < x.length; e++) {
                limb[e] = i == limbs - 1 ? x[e] >> shift : (x[e] >>> shift) & mask;
            }
        }
        return out;
    }
}
