package dev.obscura.privacy;

import java.util.Objects;

/**
 * The inverse of the accountant: the smallest noise multiplier σ (to a relative tolerance) for which {@code steps}
 * steps of the sampled Gaussian mechanism at sampling rate {@code q} stay within a target (ε, δ), as Opacus's
 * {@code get_noise_multiplier}. ε falls as σ grows, so σ is found by doubling an upper bound from 1 and then
 * bisecting; the returned σ is always the upper end of the final interval, whose ε is at most the target.
 */
public final class NoiseCalibration {
    /** Above this σ the budget is declared unreachable (Opacus's {@code MAX_SIGMA}). */
    public static final double MAX_NOISE_MULTIPLIER = 1e6;
    /** Bisection stops when the interval is narrower than this fraction of its upper end. */
    public static final double RELATIVE_TOLERANCE = 1e-4;

    private NoiseCalibration() {
    }

    /** {@link #noiseMultiplier(double, double, double, long, double[], RdpConversion)} with the default orders and
     * {@link RdpConversion#BALLE_2020}. */
    public static double noiseMultiplier(final double targetEpsilon, final double delta, final double sampleRate,
                                         final long steps) {
        return noiseMultiplier(targetEpsilon, delta, sampleRate, steps, RdpAccountant.defaultOrders(),
            RdpConversion.BALLE_2020);
    }

    /**
     * The noise multiplier σ for which {@code steps} steps at sampling rate {@code sampleRate} spend at most
     * {@code targetEpsilon} at {@code delta}, within {@link #RELATIVE_TOLERANCE} of the smallest such σ.
     *
     * @throws IllegalArgumentException when an argument is out of range ({@code targetEpsilon > 0},
     *     {@code 0 < delta < 1}, {@code 0 < sampleRate <= 1}, {@code steps >= 1}), or when even σ = 10^6 spends more
     *     than the target
     */
    public static double noiseMultiplier(final double targetEpsilon, final double delta, final double sampleRate,
                                         final long steps, final double[] orders, final RdpConversion conversion) {
        if (!(targetEpsilon > 0) || targetEpsilon == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("target epsilon must be a positive number, epsilon=" + targetEpsilon);
        }
        if (!(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("delta must be in (0, 1), delta=" + delta);
        }
        if (!(sampleRate > 0 && sampleRate <= 1)) {
            throw new IllegalArgumentException("sampling rate must be in (0, 1], q=" + sampleRate);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, steps=" + steps);
        }
        final double[] checked = RdpAccountant.checkedOrders(orders);
        Objects.requireNonNull(conversion, "conversion");
        double high = 1;
        while (epsilon(high, sampleRate, steps, checked, conversion, delta) > targetEpsilon) {
            high *= 2;
            if (high > MAX_NOISE_MULTIPLIER) {
                throw new IllegalArgumentException("privacy budget unreachable: even sigma=" + MAX_NOISE_MULTIPLIER
                    + " spends more, epsilon=" + targetEpsilon + ", delta=" + delta + ", q=" + sampleRate
                    + ", steps=" + steps);
            }
        }
        double low = 0;
        while (high - low > RELATIVE_TOLERANCE * high) {
            final double mid = 0.5 * (low + high);
            if (epsilon(mid, sampleRate, steps, checked, conversion, delta) <= targetEpsilon) {
                high = mid;
            } else {
                low = mid;
            }
        }
        return high;
    }

    private static double epsilon(final double sigma, final double q, final long steps, final double[] orders,
                                  final RdpConversion conversion, final double delta) {
        return conversion.spent(orders, SampledGaussianRdp.rdp(q, sigma, steps, orders), delta).epsilon();
    }
}
