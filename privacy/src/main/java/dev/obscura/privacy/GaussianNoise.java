package dev.obscura.privacy;

import dev.obscura.ring.FixedPoint;
import dev.obscura.ring.RingTensor;
import java.math.BigDecimal;
import java.util.Objects;

/**
 * Gaussian noise on a fixed-point vector, the noise step of the Gaussian mechanism wherever it runs: on the summed
 * clipped gradients of central DP-SGD ({@link DpSgd}), on a worker's update before it leaves the worker, or on the
 * aggregate of a federated round, in the clear or on a ring element of secure aggregation (fixed-point values are
 * two's-complement integers, and the noise adds modulo 2^64 like any other ring addition).
 *
 * <p>A vector whose L2 sensitivity is {@code C} (in real units) gets, on every coordinate, independent discrete
 * Gaussian noise ({@link DiscreteGaussian}) of standard deviation at least {@code sigma * C} in real units, that is
 * {@code sigma * C * 2^f} grid units for {@code f} fractional bits. The variance is computed from {@code sigma} and
 * {@code C} in exact decimal arithmetic and rounded up, so the noise is never below what the accountant assumes.
 *
 * <p>Immutable and thread-safe; the randomness is the caller's {@link RandomBits}.
 */
public final class GaussianNoise {
    private final double noiseMultiplier;
    private final double sensitivity;
    private final FixedPoint encoding;
    private final DiscreteGaussian sampler;

    private GaussianNoise(final double noiseMultiplier, final double sensitivity, final FixedPoint encoding,
                          final DiscreteGaussian sampler) {
        this.noiseMultiplier = noiseMultiplier;
        this.sensitivity = sensitivity;
        this.encoding = encoding;
        this.sampler = sampler;
    }

    /**
     * Noise of standard deviation {@code noiseMultiplier * l2Sensitivity} (real units) for vectors in
     * {@code encoding}: the discrete Gaussian with variance at least {@code (noiseMultiplier * l2Sensitivity *
     * 2^f)^2} grid units.
     *
     * @throws IllegalArgumentException when either factor is not a positive finite number, or the standard
     *     deviation in grid units is above 2^30 (use fewer fractional bits)
     */
    public static GaussianNoise forSensitivity(final double noiseMultiplier, final double l2Sensitivity,
                                               final FixedPoint encoding) {
        if (!(noiseMultiplier > 0) || noiseMultiplier == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("noise multiplier must be a positive number, sigma=" + noiseMultiplier);
        }
        if (!(l2Sensitivity > 0) || l2Sensitivity == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("L2 sensitivity must be a positive number, sensitivity="
                + l2Sensitivity);
        }
        Objects.requireNonNull(encoding, "encoding");
        // (sigma * C * 2^f)^2, exactly: both doubles are exact binary fractions, and so is their product.
        final BigDecimal stdDevUnits = new BigDecimal(noiseMultiplier).multiply(new BigDecimal(l2Sensitivity))
            .multiply(new BigDecimal(encoding.one()));
        return new GaussianNoise(noiseMultiplier, l2Sensitivity, encoding,
            DiscreteGaussian.withVarianceAtLeast(stdDevUnits.multiply(stdDevUnits)));
    }

    /** Adds noise to every element of {@code values} (fixed point in {@link #encoding()}), wrapping modulo 2^64. */
    public void addTo(final long[] values, final RandomBits random) {
        sampler.addTo(values, 0, values.length, random);
    }

    /** Adds noise to every element of the ring tensor {@code values}, modulo 2^64. */
    public void addTo(final RingTensor values, final RandomBits random) {
        final long n = values.numel();
        for (long i = 0; i < n; i++) {
            values.set(i, values.get(i) + sampler.sample(random));
        }
    }

    /** The noise multiplier σ. */
    public double noiseMultiplier() {
        return noiseMultiplier;
    }

    /** The L2 sensitivity {@code C} the noise is scaled to (real units). */
    public double sensitivity() {
        return sensitivity;
    }

    /** The fixed-point encoding of the vectors. */
    public FixedPoint encoding() {
        return encoding;
    }

    /** The standard deviation of the noise in real units ({@code sqrt(variance) / 2^f}), at least {@code sigma C}. */
    public double stdDev() {
        return Math.sqrt(sampler.variance()) * encoding.ulp();
    }

    /** The sampler over grid units. */
    public DiscreteGaussian sampler() {
        return sampler;
    }

    @Override
    public String toString() {
        return "GaussianNoise[sigma=" + noiseMultiplier + ", sensitivity=" + sensitivity + ", fracBits="
            + encoding.fracBits() + "]";
    }
}
