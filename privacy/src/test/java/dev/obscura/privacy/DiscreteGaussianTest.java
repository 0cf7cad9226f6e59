package dev.obscura.privacy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.ring.FixedPoint;
import dev.obscura.ring.RingTensor;
import java.math.BigDecimal;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/**
 * The discrete Gaussian sampler against the exact pmf {@code exp(-x^2 / 2 sigma^2) / Z}: mean, variance, tails and a
 * chi-square test, at small variances (including fractional ones, where the discrete distribution is far from a
 * rounded normal) and at the fixed-point scale of DP-SGD. The randomness has a fixed seed so that the tests are
 * reproducible; the bounds are 4.5 standard errors, or the chi-square quantile at 1e-4.
 */
class DiscreteGaussianTest {
    private static final int SAMPLES = 100_000;

    @Test
    void shouldMatchThePmfAtSmallVariances() {
        assertMatchesPmf(DiscreteGaussian.ofVariance(9, 4), 11);
        assertMatchesPmf(DiscreteGaussian.ofVariance(10, 1), 12);
        assertMatchesPmf(DiscreteGaussian.ofVariance(1, 4), 13);
        assertMatchesPmf(DiscreteGaussian.ofVariance(1_000_003, 7), 14);
    }

    /**
     * The scale of DP-SGD: σ = 1.1, C = 1 at 16 fractional bits is about 72,090 grid units; binned by a quarter of a
     * standard deviation out to 3.5σ, with the tails as two more bins.
     */
    @Test
    void shouldMatchThePmfAtTheFixedPointScaleOfDpSgd() {
        final GaussianNoise noise = GaussianNoise.forSensitivity(1.1, 1.0, FixedPoint.defaultEncoding());
        final DiscreteGaussian g = noise.sampler();
        final double sigma2 = g.variance();
        final double sigma = Math.sqrt(sigma2);
        assertTrue(sigma >= 1.1 * 65536 && sigma <= 1.1 * 65536 + 1, "sigma=" + sigma);
        final int bins = 28;
        final double[] p = new double[bins + 2];
        final long limit = (long) Math.ceil(12 * sigma);
        double z = 0;
        for (long y = -limit; y <= limit; y++) {
            final double w = Math.exp(-(double) y * y / (2 * sigma2));
            z += w;
            p[bin(y, sigma, bins)] += w;
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= z;
        }
        final long[] counts = new long[bins + 2];
        double sum = 0;
        double sumSquares = 0;
        try (RandomBits random = Statistics.fixedSeed(20)) {
            for (int i = 0; i < SAMPLES; i++) {
                final long y = g.sample(random);
                counts[bin(y, sigma, bins)]++;
                sum += y;
                sumSquares += (double) y * y;
            }
        }
        final double chi2 = Statistics.chiSquare(counts, p);
        assertTrue(chi2 < Statistics.chiSquareCritical(p.length - 1), "chi2=" + chi2);
        assertEquals(0, sum / SAMPLES, 4.5 * sigma / Math.sqrt(SAMPLES));
        assertEquals(sigma2, sumSquares / SAMPLES, 4.5 * sigma2 * Math.sqrt(2.0 / SAMPLES));
    }

    /** {@code Bernoulli(exp(-gamma))} from Algorithm 1 has the probability it claims. */
    @Test
    void shouldDrawBernoulliOfExpMinusGamma() {
        final long[][] gammas = {{0, 1}, {1, 3}, {1, 2}, {1, 1}, {999_999, 1_000_000}};
        try (RandomBits random = Statistics.fixedSeed(30)) {
            for (final long[] g : gammas) {
                final int n = 100_000;
                int ones = 0;
                for (int i = 0; i < n; i++) {
                    ones += DiscreteGaussian.bernoulliExpFraction(g[0], g[1], random) ? 1 : 0;
                }
                final double p = Math.exp(-(double) g[0] / g[1]);
                assertEquals(p * n, ones, 4.5 * Math.sqrt(n * p * (1 - p)) + 1e-9, "gamma=" + g[0] + "/" + g[1]);
            }
        }
    }

    /** The rarely needed {@link BigInteger} path of the acceptance exponent agrees with exact arithmetic. */
    @Test
    void shouldSplitHugeExponentsExactly() {
        final long[][] cases = {{5, 1, 3, 1, 20}, {3_000_000_000L, 7, 11, 5, 999_983}, {Long.MAX_VALUE, 1, 0, 1, 2},
            {1L << 40, 1L << 20, 12345, 3, (1L << 61) - 1}};
        for (final long[] c : cases) {
            final BigInteger x = BigInteger.valueOf(c[0]).multiply(BigInteger.valueOf(c[1]))
                .subtract(BigInteger.valueOf(c[2]));
            final BigInteger[] qr = x.multiply(x).multiply(BigInteger.valueOf(c[3])).divideAndRemainder(
                BigInteger.valueOf(c[4]));
            final long[] parts = DiscreteGaussian.exponentParts(c[0], c[1], c[2], c[3], c[4]);
            assertEquals(qr[0].bitLength() < 63 ? qr[0].longValue() : Long.MAX_VALUE, parts[0]);
            assertEquals(qr[1].longValue(), parts[1]);
        }
    }

    @Test
    void shouldReproduceWithTheSameSeedAndNeverGoBelowTheAskedVariance() {
        final DiscreteGaussian g = DiscreteGaussian.ofVariance(50, 3);
        final long[] a = new long[100];
        final long[] b = new long[100];
        try (RandomBits r1 = Statistics.fixedSeed(40); RandomBits r2 = Statistics.fixedSeed(40)) {
            g.addTo(a, 0, a.length, r1);
            g.addTo(b, 0, b.length, r2);
        }
        assertArrayEquals(a, b);
        final BigDecimal asked = new BigDecimal("5197079.1234");
        final DiscreteGaussian atLeast = DiscreteGaussian.withVarianceAtLeast(asked);
        assertEquals(1, atLeast.varianceDenominator());
        assertTrue(BigDecimal.valueOf(atLeast.varianceNumerator()).compareTo(asked) >= 0);
        assertTrue(atLeast.variance() - asked.doubleValue() <= Math.sqrt(asked.doubleValue()) + 1);
    }

    @Test
    void shouldAddNoiseToRingTensorsModulo2To64() {
        final GaussianNoise noise = GaussianNoise.forSensitivity(2, 0.5, new FixedPoint(8));
        assertEquals(1.0, noise.stdDev(), 1.0 / 256);
        try (RingTensor t = RingTensor.of(new long[] {Long.MAX_VALUE, Long.MIN_VALUE, 0, 5}, 4);
             RandomBits r1 = Statistics.fixedSeed(50); RandomBits r2 = Statistics.fixedSeed(50)) {
            final long[] plain = t.toArray();
            noise.addTo(t, r1);
            final long[] expected = plain.clone();
            noise.addTo(expected, r2);
            assertArrayEquals(expected, t.toArray());
        }
    }

    @Test
    void shouldRejectBadParameters() {
        assertThrows(IllegalArgumentException.class, () -> DiscreteGaussian.ofVariance(0, 1));
        assertThrows(IllegalArgumentException.class, () -> DiscreteGaussian.ofVariance(1, 0));
        final IllegalArgumentException fine = assertThrows(IllegalArgumentException.class,
            () -> DiscreteGaussian.ofVariance(Long.MAX_VALUE - 2, 3));
        assertTrue(fine.getMessage().startsWith("variance too fine"), fine.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DiscreteGaussian.withVarianceAtLeast(BigDecimal.ZERO));
        assertThrows(IllegalArgumentException.class, () -> GaussianNoise.forSensitivity(0, 1,
            FixedPoint.defaultEncoding()));
        assertThrows(IllegalArgumentException.class, () -> GaussianNoise.forSensitivity(1, Double.NaN,
            FixedPoint.defaultEncoding()));
        assertThrows(IllegalArgumentException.class, () -> GaussianNoise.forSensitivity(1e5, 1, new FixedPoint(20)));
    }

    private static void assertMatchesPmf(final DiscreteGaussian g, final long stream) {
        final double sigma2 = g.variance();
        final double sigma = Math.sqrt(sigma2);
        // The exact pmf out to 40 standard deviations (the mass beyond is below e^-800).
        final int far = (int) Math.ceil(40 * sigma) + 10;
        double z = 0;
        final double[] w = new double[2 * far + 1];
        for (int y = -far; y <= far; y++) {
            w[y + far] = Math.exp(-(double) y * y / (2 * sigma2));
            z += w[y + far];
        }
        double variance = 0;
        double tail = 0;
        final long tailFrom = Math.round(2 * sigma) + 1;
        for (int y = -far; y <= far; y++) {
            variance += (double) y * y * w[y + far] / z;
            if (Math.abs(y) >= tailFrom) {
                tail += w[y + far] / z;
            }
        }
        // Cells of `width` integers, [c w, (c+1) w) for c in [-cells, cells), and the two tails beyond: the most
        // cells whose tails still expect at least 5 samples each.
        final int width = (int) Math.max(1, Math.round(sigma / 4));
        int cells = 1;
        while (true) {
            double beyond = 0;
            for (int y = (cells + 1) * width + 1; y <= far; y++) {
                beyond += w[y + far] / z;
            }
            if (beyond * SAMPLES < 5) {
                break;
            }
            cells++;
        }
        final double[] p = new double[2 * cells + 2];
        for (int y = -far; y <= far; y++) {
            p[cellOf(y, width, cells)] += w[y + far] / z;
        }
        final long[] counts = new long[p.length];
        double sum = 0;
        double sumSquares = 0;
        long tailCount = 0;
        try (RandomBits random = Statistics.fixedSeed(stream)) {
            for (int i = 0; i < SAMPLES; i++) {
                final long y = g.sample(random);
                counts[cellOf(y, width, cells)]++;
                sum += y;
                sumSquares += (double) y * y;
                tailCount += Math.abs(y) >= tailFrom ? 1 : 0;
            }
        }
        final String what = g.toString();
        final double chi2 = Statistics.chiSquare(counts, p);
        assertTrue(chi2 < Statistics.chiSquareCritical(p.length - 1), what + ", chi2=" + chi2);
        assertEquals(0, sum / SAMPLES, 4.5 * Math.sqrt(variance / SAMPLES), what + " mean");
        // Var(Y^2) <= 3 variance^2 for these light tails; 4.5 standard errors.
        assertEquals(variance, sumSquares / SAMPLES, 4.5 * Math.sqrt(3.0 / SAMPLES) * variance, what + " variance");
        assertEquals(tail * SAMPLES, tailCount, 4.5 * Math.sqrt(SAMPLES * tail * (1 - tail)), what + " tail");
    }

    private static int cellOf(final long y, final int width, final int cells) {
        final long c = Math.floorDiv(y, width);
        if (c < -cells) {
            return 0;
        }
        if (c >= cells) {
            return 2 * cells + 1;
        }
        return (int) (c + cells + 1);
    }

    private static int bin(final long y, final double sigma, final int bins) {
        final double u = y / (sigma / 4);
        if (u < -bins / 2.0) {
            return 0;
        }
        if (u >= bins / 2.0) {
            return bins + 1;
        }
        return (int) Math.floor(u + bins / 2.0) + 1;
    }
}
