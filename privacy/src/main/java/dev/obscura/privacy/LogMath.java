package dev.obscura.privacy;

/**
 * Arithmetic in log space for the Rényi-DP accountant: sums and signed differences of numbers held as their
 * logarithms (the terms of {@code A_alpha} span hundreds of orders of magnitude), and {@code log(erfc(x))} accurate
 * to a few ulps of {@code erfc} for every {@code x}, also where {@code erfc(x)} underflows a double.
 */
final class LogMath {
    private static final double LOG_SQRT_PI = 0.5 * Math.log(Math.PI);
    private static final double TWO_OVER_SQRT_PI = 2.0 / Math.sqrt(Math.PI);
    private static final int MAX_FRACTION_TERMS = 5_000;

    private LogMath() {
    }

    /** {@code log(e^a + e^b)}; {@code -inf} stands for 0. */
    static double logAdd(final double a, final double b) {
        final double lo = Math.min(a, b);
        final double hi = Math.max(a, b);
        if (lo == Double.NEGATIVE_INFINITY) {
            return hi;
        }
        return Math.log1p(Math.exp(lo - hi)) + hi;
    }

    /**
     * {@code log|e^a - e^b|}, with {@code -inf} when they are equal; {@link #logSubIsNegative} gives the sign.
     */
    static double logSubMagnitude(final double a, final double b) {
        if (a == b) {
            return Double.NEGATIVE_INFINITY;
        }
        final double hi = Math.max(a, b);
        final double lo = Math.min(a, b);
        return hi + Math.log1p(-Math.exp(lo - hi));
    }

    /** Whether {@code e^a - e^b < 0}. */
    static boolean logSubIsNegative(final double a, final double b) {
        return a < b;
    }

    /**
     * {@code log(erfc(x))}. For {@code x < 1} from the Taylor series of {@code erf} ({@code erfc = 1 - erf}, at least
     * 0.157 there, so no digits are lost); for {@code x >= 1} from Laplace's continued fraction
     * {@code erfc(x) = e^(-x^2) / sqrt(pi) * 1 / (x + (1/2) / (x + (2/2) / (x + (3/2) / (x + ...))))} (Abramowitz and
     * Stegun 7.1.14), evaluated by the modified Lentz method, whose logarithm never underflows; for negative
     * {@code x}, {@code erfc(x) = 2 - erfc(-x)}.
     */
    static double logErfc(final double x) {
        if (Double.isNaN(x)) {
            return Double.NaN;
        }
        if (x < 0) {
            return Math.log(2.0 - erfc(-x));
        }
        if (x < 1) {
            return Math.log1p(-erfTaylor(x));
        }
        return -x * x - LOG_SQRT_PI - Math.log(laplaceFraction(x));
    }

    /** {@code erfc(x)} for {@code x >= 0} (0 where it underflows). */
    private static double erfc(final double x) {
        if (x < 1) {
            return 1.0 - erfTaylor(x);
        }
        if (x > 27) {
            return 0.0;
        }
        return Math.exp(-x * x) / (Math.sqrt(Math.PI) * laplaceFraction(x));
    }

    /**
     * {@code erf(x) = 2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1))} for {@code 0 <= x < 1}: the terms fall at least
     * as fast as {@code 1/n!}, and the largest is below 1, so the alternating sum keeps its precision.
     */
    private static double erfTaylor(final double x) {
        final double x2 = x * x;
        double power = x;
        double sum = x;
        for (int n = 1; n < 40; n++) {
            power *= -x2 / n;
            final double term = power / (2 * n + 1);
            sum += term;
            if (Math.abs(term) < 1e-17 * Math.abs(sum)) {
                break;
            }
        }
        return TWO_OVER_SQRT_PI * sum;
    }

    /**
     * The denominator {@code x + (1/2) / (x + (2/2) / (x + ...))} of Laplace's continued fraction, for
     * {@code x >= 1}, by the modified Lentz method (about 190 terms at {@code x = 1}, 10 at {@code x = 10}).
     */
    private static double laplaceFraction(final double x) {
        final double tiny = 1e-300;
        double f = x;
        double c = f;
        double d = 0;
        for (int k = 1; k <= MAX_FRACTION_TERMS; k++) {
            final double a = 0.5 * k;
            d = x + a * d;
            if (d == 0) {
                d = tiny;
            }
            c = x + a / c;
            if (c == 0) {
                c = tiny;
            }
            d = 1.0 / d;
            final double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1.0) < 1e-16) {
                break;
            }
        }
        return f;
    }
}
