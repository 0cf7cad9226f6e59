package dev.obscura.privacy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * The discrete Gaussian {@code N_Z(0, sigma^2)} on the integers, {@code P[x] ∝ exp(-x^2 / (2 sigma^2))}, sampled
 * exactly: Canonne, Kamath and Steinke, "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020, arXiv
 * 2004.00010). The variance parameter {@code sigma^2 = n / d} is a rational number, and every step is integer
 * arithmetic on {@code long}s, so no floating-point rounding can shape the noise: the attack of Mironov ("On
 * Significance of the Least Significant Bits for Differential Privacy", CCS 2012), which reads the secret out of the
 * low bits of floating-point Laplace or Gaussian noise, has nothing to read. The randomness comes from
 * {@link RandomBits} (the AES-CTR PRG).
 *
 * <p>The algorithms, as in the paper's section on sampling (Algorithms 1 to 3):
 * <ol>
 *   <li>{@code Bernoulli(exp(-gamma))} for rational {@code gamma} in {@code [0, 1]} (von Neumann's method): draw
 *       {@code A_k ~ Bernoulli(gamma / k)} for {@code k = 1, 2, ...} until one is 0; return 1 iff that {@code k} is
 *       odd. For {@code gamma > 1}: {@code floor(gamma)} draws of {@code Bernoulli(exp(-1))} and one of
 *       {@code Bernoulli(exp(-(gamma - floor(gamma))))}, all of which must be 1.</li>
 *   <li>The discrete Laplace {@code P[y] ∝ exp(-|y| / t)} for an integer scale {@code t}: {@code U} uniform in
 *       {@code [0, t)} accepted with probability {@code exp(-U/t)}, {@code V ~ Geometric(1 - e^-1)} by repeated
 *       {@code Bernoulli(exp(-1))}, magnitude {@code U + t V}, a fair sign, and {@code -0} rejected.</li>
 *   <li>The discrete Gaussian: draw {@code Y} from the discrete Laplace with {@code t = floor(sigma) + 1} and accept
 *       it with probability {@code exp(-(|Y| - sigma^2/t)^2 / (2 sigma^2))}. Any {@code t > 0} gives exactly
 *       {@code N_Z(0, sigma^2)} (the proposal and acceptance multiply to {@code exp(-Y^2 / 2 sigma^2)} times a
 *       constant); {@code floor(sigma) + 1} makes it fast, about two proposals per sample.</li>
 * </ol>
 * The acceptance exponent is {@code gamma = (|Y| s - p)^2 d / (2 n s^2)} with {@code sigma^2 / t = p / s} in lowest
 * terms; {@code 2 n s^2} must fit in a {@code long}, which the factories check. {@link #withVarianceAtLeast} picks
 * {@code sigma^2 = t m} with {@code t} and {@code m} integers, so that {@code s = 1} and the exponent stays small even
 * for {@code sigma} of 2^20 or more: the fixed-point noise of DP-SGD.
 *
 * <p>Immutable and thread-safe (the randomness is the caller's {@link RandomBits}).
 */
public final class DiscreteGaussian {
    /** Below these, {@code denominator * k < 2^62}. */
    private static final long SMALL_DENOMINATOR = 1L << 42;
    private static final long SMALL_COUNT = 1L << 20;
    private final long varianceNumerator;
    private final long varianceDenominator;
    private final long scale;
    private final long shiftNumerator;
    private final long shiftDenominator;
    private final long acceptDenominator;
    /** The largest |y| for which {@code |y| s} fits in a long. */
    private final long maxShiftedMagnitude;
    /** The largest square that can be multiplied by {@code d} in a long. */
    private final long maxSquare;

    private DiscreteGaussian(final long varianceNumerator, final long varianceDenominator, final long scale) {
        this.varianceNumerator = varianceNumerator;
        this.varianceDenominator = varianceDenominator;
        this.scale = scale;
        try {
            // sigma^2 / t = n / (d t) = p / s in lowest terms.
            final long dt = Math.multiplyExact(varianceDenominator, scale);
            final long g = gcd(varianceNumerator, dt);
            this.shiftNumerator = varianceNumerator / g;
            this.shiftDenominator = dt / g;
            this.acceptDenominator = Math.multiplyExact(Math.multiplyExact(2, varianceNumerator),
                Math.multiplyExact(shiftDenominator, shiftDenominator));
            this.maxShiftedMagnitude = Long.MAX_VALUE / shiftDenominator;
            this.maxSquare = Long.MAX_VALUE / varianceDenominator;
        } catch (final ArithmeticException e) {
            throw new IllegalArgumentException("variance too fine for exact 64-bit sampling (2 n s^2 overflows),"
                + " numerator=" + varianceNumerator + ", denominator=" + varianceDenominator + ", scale=" + scale);
        }
    }

    /**
     * {@code N_Z(0, numerator / denominator)} with the Laplace scale {@code floor(sigma) + 1} (from one square root
     * in double; any scale is exact, this one is fast).
     *
     * @throws IllegalArgumentException when the variance is not positive or too fine for 64-bit arithmetic
     */
    public static DiscreteGaussian ofVariance(final long numerator, final long denominator) {
        if (numerator < 1 || denominator < 1) {
            throw new IllegalArgumentException("variance must be a positive fraction, numerator=" + numerator
                + ", denominator=" + denominator);
        }
        final long g = gcd(numerator, denominator);
        final long n = numerator / g;
        final long d = denominator / g;
        return new DiscreteGaussian(n, d, (long) Math.floor(Math.sqrt((double) n / d)) + 1);
    }

    /**
     * The discrete Gaussian with the smallest variance of the form {@code t m} ({@code t = floor(sqrt(v)) + 1},
     * {@code m = ceil(v / t)}) that is at least {@code minVariance = v}: at most {@code t} (about one standard
     * deviation) above {@code v}, a relative excess of about {@code 1/sigma}. More noise than asked for, never less.
     *
     * @throws IllegalArgumentException when {@code minVariance} is not positive or its standard deviation exceeds
     *     2^30
     */
    public static DiscreteGaussian withVarianceAtLeast(final BigDecimal minVariance) {
        if (minVariance.signum() <= 0) {
            throw new IllegalArgumentException("variance must be positive, variance=" + minVariance);
        }
        if (minVariance.compareTo(BigDecimal.valueOf(1L << 60)) > 0) {
            throw new IllegalArgumentException("standard deviation above 2^30 is not supported, variance="
                + minVariance);
        }
        final long t = (long) Math.floor(Math.sqrt(minVariance.doubleValue())) + 1;
        final long m = minVariance.divide(BigDecimal.valueOf(t), 0, RoundingMode.CEILING).longValueExact();
        return new DiscreteGaussian(Math.multiplyExact(t, m), 1, t);
    }

    /** The variance parameter {@code sigma^2} (the exact variance of {@code N_Z} is within 1e-15 of it for
     * {@code sigma >= 1}), as a double. */
    public double variance() {
        return (double) varianceNumerator / varianceDenominator;
    }

    /** The numerator of the variance parameter in lowest terms. */
    public long varianceNumerator() {
        return varianceNumerator;
    }

    /** The denominator of the variance parameter in lowest terms. */
    public long varianceDenominator() {
        return varianceDenominator;
    }

    /** One sample (Algorithm 3). */
    public long sample(final RandomBits random) {
        while (true) {
            final long y = discreteLaplace(random);
            if (acceptGaussian(y, random)) {
                return y;
            }
        }
    }

    /** Adds one independent sample to each of {@code values[from .. from + length)}, wrapping modulo 2^64. */
    public void addTo(final long[] values, final int from, final int length, final RandomBits random) {
        java.util.Objects.checkFromIndexSize(from, length, values.length);
        for (int i = from; i < from + length; i++) {
            values[i] += sample(random);
        }
    }

    @Override
    public String toString() {
        return "DiscreteGaussian[variance=" + varianceNumerator + "/" + varianceDenominator + ", scale=" + scale + "]";
    }

    /** Algorithm 2: the discrete Laplace of scale {@code t}, {@code P[y] ∝ exp(-|y|/t)}. */
    private long discreteLaplace(final RandomBits random) {
        while (true) {
            long u;
            do {
                u = random.uniform(scale);
            } while (!bernoulliExpFraction(u, scale, random));
            long v = 0;
            while (bernoulliExpFraction(1, 1, random)) {
                v++;
            }
            // v grows by one per loop pass, so u + t v cannot overflow in any run time that can be waited for.
            final long magnitude = Math.addExact(u, Math.multiplyExact(scale, v));
            final boolean negative = random.bits(1) == 1;
            if (negative && magnitude == 0) {
                continue;
            }
            return negative ? -magnitude : magnitude;
        }
    }

    /**
     * {@code Bernoulli(exp(-(|y| - sigma^2/t)^2 / (2 sigma^2)))}: the exponent is {@code gamma = A / B} with
     * {@code A = (|y| s - p)^2 d} and {@code B = 2 n s^2}.
     */
    private boolean acceptGaussian(final long y, final RandomBits random) {
        final long b = acceptDenominator;
        final long absY = Math.abs(y);
        final long x = absY <= maxShiftedMagnitude ? Math.abs(absY * shiftDenominator - shiftNumerator)
            : Long.MAX_VALUE;
        final long whole;
        final long remainder;
        // x <= 3037000499 keeps x^2 below 2^63.
        if (x <= 3_037_000_499L && x * x <= maxSquare) {
            final long a = x * x * varianceDenominator;
            whole = a / b;
            remainder = a - whole * b;
        } else {
            final long[] qr = exponentParts(absY, shiftDenominator, shiftNumerator, varianceDenominator, b);
            whole = qr[0];
            remainder = qr[1];
        }
        for (long k = 0; k < whole; k++) {
            if (!bernoulliExpFraction(1, 1, random)) {
                return false;
            }
        }
        return bernoulliExpFraction(remainder, b, random);
    }

    /**
     * {@code floor(A / b)} and {@code A mod b} for {@code A = (|y| s - p)^2 d}, in {@link BigInteger} for the
     * magnitudes (thousands of standard deviations) where {@code A} overflows a {@code long}. The quotient saturates
     * at {@code Long.MAX_VALUE}: it only counts {@code Bernoulli(exp(-1))} draws that must all succeed, and 2^63
     * successes in a row cannot happen in any run time, so saturation changes no outcome.
     */
    static long[] exponentParts(final long absY, final long s, final long p, final long d, final long b) {
        final BigInteger x = BigInteger.valueOf(absY).multiply(BigInteger.valueOf(s)).subtract(BigInteger.valueOf(p));
        final BigInteger[] qr = x.multiply(x).multiply(BigInteger.valueOf(d)).divideAndRemainder(BigInteger.valueOf(b));
        final long whole = qr[0].bitLength() < 63 ? qr[0].longValue() : Long.MAX_VALUE;
        return new long[] {whole, qr[1].longValueExact()};
    }

    /**
     * Algorithm 1 for {@code gamma = numerator / denominator} in {@code [0, 1]}: {@code Bernoulli(exp(-gamma))}.
     * {@code Bernoulli(gamma / k)} is one uniform draw below {@code denominator * k} while that product surely fits
     * (both factors small: the usual case, checked without a division), else {@code Bernoulli(gamma)} and
     * {@code Bernoulli(1/k)} together (the same probability).
     */
    static boolean bernoulliExpFraction(final long numerator, final long denominator, final RandomBits random) {
        long k = 1;
        while (true) {
            final boolean a = denominator < SMALL_DENOMINATOR && k < SMALL_COUNT
                ? random.uniform(denominator * k) < numerator
                : random.uniform(denominator) < numerator && random.uniform(k) == 0;
            if (!a) {
                return (k & 1) == 1;
            }
            k++;
        }
    }

    private static long gcd(final long a, final long b) {
        long x = a;
        long y = b;
        while (y != 0) {
            final long r = x % y;
            x = y;
            y = r;
        }
        return x;
    }
}
