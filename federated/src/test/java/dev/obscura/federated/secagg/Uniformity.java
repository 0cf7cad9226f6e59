package dev.obscura.federated.secagg;

import java.util.Arrays;

/**
 * The statistics of the uniformity tests: Pearson's chi-square on byte values and the one-sample Kolmogorov-Smirnov
 * distance from the uniform distribution on [0, 1).
 */
final class Uniformity {
    /**
     * Critical value of the chi-square distribution with 255 degrees of freedom for p = 1e-6 (upper tail): a uniform
     * byte exceeds it once in a million tests. SciPy {@code chi2.isf(1e-6, 255)}, as in the protocols' hygiene test.
     */
    static final double CHI_SQUARE_255_P_1E6 = 377.08;

    private Uniformity() {
    }

    /** Pearson's statistic of {@code counts} against equal expected counts. */
    static double chiSquare(final long[] counts) {
        final double expected = Arrays.stream(counts).sum() / (double) counts.length;
        double chi = 0;
        for (final long c : counts) {
            chi += (c - expected) * (c - expected) / expected;
        }
        return chi;
    }

    /** Counts of byte {@code position} (0 the lowest) of each value. */
    static long[] byteCounts(final long[] values, final int position) {
        final long[] counts = new long[256];
        for (final long v : values) {
            counts[(int) (v >>> (8 * position)) & 0xFF]++;
        }
        return counts;
    }

    /** The largest chi-square over the 8 byte positions of the values. */
    static double worstByteChiSquare(final long[] values) {
        double worst = 0;
        for (int position = 0; position < Long.BYTES; position++) {
            worst = Math.max(worst, chiSquare(byteCounts(values, position)));
        }
        return worst;
    }

    /** The Kolmogorov-Smirnov distance of the values, read as unsigned fractions of 2^64, from uniform on [0, 1). */
    static double kolmogorovSmirnov(final long[] values) {
        final double[] u = new double[values.length];
        for (int i = 0; i < u.length; i++) {
            u[i] = (values[i] >>> 11) * 0x1p-53;
        }
        Arrays.sort(u);
        double d = 0;
        for (int i = 0; i < u.length; i++) {
            d = Math.max(d, Math.max((i + 1.0) / u.length - u[i], u[i] - (double) i / u.length));
        }
        return d;
    }

    /** The distance a sample of {@code n} uniform values exceeds with probability 1e-6: sqrt(ln(2 / 1e-6) / (2n)). */
    static double kolmogorovSmirnovCritical(final int n) {
        return Math.sqrt(Math.log(2 / 1e-6) / (2.0 * n));
    }
}
