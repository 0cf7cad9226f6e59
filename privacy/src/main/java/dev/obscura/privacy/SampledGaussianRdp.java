package dev.obscura.privacy;

/**
 * Rényi differential privacy (RDP; Mironov, "Rényi Differential Privacy", CSF 2017) of the sampled Gaussian mechanism
 * (SGM): each record enters the query with probability {@code q} (Poisson sampling), the query's L2 sensitivity is 1,
 * and Gaussian noise of standard deviation {@code sigma} (the noise multiplier) is added. One step of DP-SGD is this
 * mechanism with {@code q} the sampling rate and {@code sigma} the noise std divided by the clipping norm.
 *
 * <p>The computation is Mironov, Talwar and Zhang, "Rényi Differential Privacy of the Sampled Gaussian Mechanism"
 * (arXiv:1908.10530), Section 3.3, as in TensorFlow Privacy's {@code rdp_accountant.compute_rdp} and Opacus's
 * {@code opacus/accountants/analysis/rdp.py}: the RDP at order {@code alpha} is
 * {@code log(A_alpha) / (alpha - 1)} with {@code A_alpha = E_{z ~ mu0} [(mu(z) / mu0(z))^alpha]},
 * {@code mu0 = N(0, sigma^2)}, {@code mu = (1 - q) N(0, sigma^2) + q N(1, sigma^2)}:
 * <ul>
 *   <li>integer {@code alpha} (Section 3.3, binomial expansion): {@code A_alpha = sum_{i=0..alpha} C(alpha, i)
 *       (1 - q)^(alpha - i) q^i exp((i^2 - i) / (2 sigma^2))};</li>
 *   <li>fractional {@code alpha}: the integral split at {@code z0 = sigma^2 log(1/q - 1) + 1/2} and each half
 *       expanded in the generalised binomial series, whose terms carry {@code erfc} factors and alternate in sign
 *       from {@code i > alpha} on. The series is summed with its signs (exactly as the paper and Opacus do) until
 *       both terms fall below {@code e^-30}.</li>
 * </ul>
 * Everything runs in log space ({@link LogMath}). Composition over steps is additive: {@code T} steps have
 * {@code T} times the RDP of one.
 *
 * <p>Where the series does not settle within 1,000 terms, or rounding drives a half-integral negative, the order is
 * reported as {@code +inf}: it is then never the minimising order of a conversion to (ε, δ), so a numerical failure
 * can only make ε larger, never smaller.
 */
public final class SampledGaussianRdp {
    private static final int MAX_SERIES_TERMS = 1_000;
    private static final double TAIL_LOG = -30;
    private static final double LOG_HALF = Math.log(0.5);
    /** Integer orders up to this use the finite binomial sum; larger ones (and fractional) use the series. */
    private static final double MAX_INTEGER_ORDER = 1 << 20;

    private SampledGaussianRdp() {
    }

    /**
     * The RDP at {@code order} of one step of the SGM with sampling rate {@code q} and noise multiplier
     * {@code sigma}: 0 when {@code q = 0}, {@code order / (2 sigma^2)} when {@code q = 1} (the plain Gaussian
     * mechanism), {@code +inf} when {@code sigma = 0} or the order is infinite.
     *
     * @throws IllegalArgumentException when {@code q} is outside {@code [0, 1]}, {@code sigma} is negative or not a
     *     number, or {@code order <= 1}
     */
    public static double rdp(final double q, final double sigma, final double order) {
        checkMechanism(q, sigma);
        if (!(order > 1)) {
            throw new IllegalArgumentException("RDP orders must be greater than 1, order=" + order);
        }
        if (q == 0) {
            return 0;
        }
        if (sigma == 0 || order == Double.POSITIVE_INFINITY) {
            return Double.POSITIVE_INFINITY;
        }
        if (q == 1) {
            return order / (2 * sigma * sigma);
        }
        final double logA = order == Math.rint(order) && order <= MAX_INTEGER_ORDER
            ? logAIntegerOrder(q, sigma, (int) order)
            : logAFractionalOrder(q, sigma, order);
        // A_alpha >= 1, so log A >= 0; at tiny q and large sigma rounding can leave it a few ulps below 0, and 0 is
        // the bound that then holds (raising a value never lowers the epsilon it converts to).
        return Math.max(0, logA / (order - 1));
    }

    /** The RDP of {@code steps} steps at each of {@code orders}: {@code steps * rdp(q, sigma, order)}. */
    public static double[] rdp(final double q, final double sigma, final long steps, final double[] orders) {
        if (steps < 0) {
            throw new IllegalArgumentException("steps must not be negative, steps=" + steps);
        }
        final double[] out = new double[orders.length];
        for (int k = 0; k < orders.length; k++) {
            out[k] = steps == 0 ? 0 : steps * rdp(q, sigma, orders[k]);
        }
        return out;
    }

    static void checkMechanism(final double q, final double sigma) {
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("sampling rate must be in [0, 1], q=" + q);
        }
        if (!(sigma >= 0) || sigma == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("noise multiplier must be a non-negative number, sigma=" + sigma);
        }
    }

    /** {@code log A_alpha} for an integer order: the finite binomial sum, term by term in log space. */
    private static double logAIntegerOrder(final double q, final double sigma, final int alpha) {
        final double logQ = Math.log(q);
        final double log1mQ = Math.log1p(-q);
        final double twoSigma2 = 2 * sigma * sigma;
        double logA = Double.NEGATIVE_INFINITY;
        double logBinomial = 0;
        for (int i = 0; i <= alpha; i++) {
            if (i > 0) {
                logBinomial += Math.log(alpha - i + 1) - Math.log(i);
            }
            final double term = logBinomial + i * logQ + (alpha - i) * log1mQ + ((double) i * i - i) / twoSigma2;
            logA = LogMath.logAdd(logA, term);
        }
        return logA;
    }

    /**
     * {@code log A_alpha} for a fractional order (Section 3.3): {@code A = A0 + A1}, the integrals over
     * {@code (-inf, z0]} and {@code [z0, inf)}, each the signed series
     * <pre>
     *   A0 = sum_i C(alpha, i) q^i (1-q)^(alpha-i) e^((i^2 - i) / 2 sigma^2) erfc((i - z0) / (sqrt2 sigma)) / 2
     *   A1 = sum_i C(alpha, i) q^(alpha-i) (1-q)^i e^((j^2 - j) / 2 sigma^2) erfc((z0 - j) / (sqrt2 sigma)) / 2,
     *   j = alpha - i.
     * </pre>
     */
    private static double logAFractionalOrder(final double q, final double sigma, final double alpha) {
        final double logQ = Math.log(q);
        final double log1mQ = Math.log1p(-q);
        final double twoSigma2 = 2 * sigma * sigma;
        final double sqrt2Sigma = Math.sqrt(2) * sigma;
        final double z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
        // Signed sums in log space: log|A0|, log|A1| and their signs.
        double logA0 = Double.NEGATIVE_INFINITY;
        double logA1 = Double.NEGATIVE_INFINITY;
        boolean negativeA0 = false;
        boolean negativeA1 = false;
        double logAbsBinomial = 0;
        boolean negativeBinomial = false;
        for (int i = 0; i < MAX_SERIES_TERMS; i++) {
            if (i > 0) {
                // C(alpha, i) = C(alpha, i-1) * (alpha - i + 1) / i; the factor turns negative once i > alpha + 1.
                final double factor = alpha - i + 1;
                logAbsBinomial += Math.log(Math.abs(factor)) - Math.log(i);
                negativeBinomial ^= factor < 0;
            }
            final double j = alpha - i;
            final double logS0 = logAbsBinomial + i * logQ + j * log1mQ + ((double) i * i - i) / twoSigma2
                + LOG_HALF + LogMath.logErfc((i - z0) / sqrt2Sigma);
            final double logS1 = logAbsBinomial + j * logQ + i * log1mQ + (j * j - j) / twoSigma2
                + LOG_HALF + LogMath.logErfc((z0 - j) / sqrt2Sigma);
            final boolean sameSign0 = negativeA0 == negativeBinomial;
            final boolean sameSign1 = negativeA1 == negativeBinomial;
            if (sameSign0) {
                logA0 = LogMath.logAdd(logA0, logS0);
            } else {
                negativeA0 = LogMath.logSubIsNegative(logA0, logS0) != negativeA0;
                logA0 = LogMath.logSubMagnitude(logA0, logS0);
            }
            if (sameSign1) {
                logA1 = LogMath.logAdd(logA1, logS1);
            } else {
                negativeA1 = LogMath.logSubIsNegative(logA1, logS1) != negativeA1;
                logA1 = LogMath.logSubMagnitude(logA1, logS1);
            }
            if (Math.max(logS0, logS1) < TAIL_LOG) {
                if (negativeA0 || negativeA1) {
                    return Double.POSITIVE_INFINITY;
                }
                return LogMath.logAdd(logA0, logA1);
            }
        }
        return Double.POSITIVE_INFINITY;
    }
}
