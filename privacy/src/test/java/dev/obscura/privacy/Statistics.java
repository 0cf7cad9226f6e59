package dev.obscura.privacy;

import dev.obscura.backend.JavaBackend;
import dev.obscura.random.Prg;
import dev.obscura.random.Seed;
import java.util.HexFormat;

/** Helpers of the statistical tests: a fixed-seed randomness (for reproducible tests only) and chi-square bounds. */
final class Statistics {
    private static final byte[] TEST_KEY = HexFormat.of().parseHex("3f1c9a0e5b7d2468ace13579bdf02468");

    private Statistics() {
    }

    /** Randomness from a fixed seed and {@code stream}: the same draws on every run, so a test never flakes. */
    static RandomBits fixedSeed(final long stream) {
        return new RandomBits(new Prg(Seed.fromBytes(TEST_KEY), stream, new JavaBackend()));
    }

    /**
     * The chi-square statistic {@code sum (observed - expected)^2 / expected} of {@code observed} counts against
     * {@code probabilities} (summing to 1) times the total count.
     */
    static double chiSquare(final long[] observed, final double[] probabilities) {
        long total = 0;
        for (final long o : observed) {
            total += o;
        }
        double chi2 = 0;
        for (int i = 0; i < observed.length; i++) {
            final double expected = probabilities[i] * total;
            if (expected < 5) {
                throw new IllegalArgumentException("merge bins: expected count below 5, bin=" + i + ", expected="
                    + expected);
            }
            final double d = observed[i] - expected;
            chi2 += d * d / expected;
        }
        return chi2;
    }

    /**
     * The chi-square quantile with {@code degrees} degrees of freedom at upper tail probability 1e-4, by the
     * Wilson–Hilferty approximation {@code k (1 - 2/(9k) + z sqrt(2/(9k)))^3}, z = 3.719.
     */
    static double chiSquareCritical(final int degrees) {
        final double a = 2.0 / (9.0 * degrees);
        final double c = 1 - a + 3.719 * Math.sqrt(a);
        return degrees * c * c * c;
    }
}
