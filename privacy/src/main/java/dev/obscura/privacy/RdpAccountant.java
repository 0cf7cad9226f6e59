package dev.obscura.privacy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A Rényi-DP accountant for DP-SGD, Opacus's {@code RDPAccountant} and TensorFlow Privacy's RDP accountant: it
 * records the steps of the sampled Gaussian mechanism (noise multiplier σ, sampling rate q), composes their RDP
 * ({@link SampledGaussianRdp}, additive over steps) at a fixed set of orders, and converts the total into an
 * (ε, δ)-DP guarantee ({@link RdpConversion}, {@link RdpConversion#BALLE_2020} unless told otherwise).
 *
 * <p>The guarantee is for add-or-remove-one-record neighbouring data sets under <b>Poisson sampling</b> (each record
 * enters each step independently with probability q), which is what the sampled Gaussian analysis assumes. For
 * batches drawn by shuffling, the figure is the one that practice reports but not a proof (see
 * docs/PRIVACY.md).
 *
 * <p>Consecutive steps with the same (σ, q) are kept as one entry whose one-step RDP is computed once, so a step
 * costs nothing and {@link #spent} costs one pass over the orders per entry. Not thread-safe.
 */
public final class RdpAccountant {
    private static final double[] DEFAULT_ORDERS = defaultOrdersArray();

    private final double[] orders;
    private final RdpConversion conversion;
    private final List<Entry> history = new ArrayList<>();

    /** An accountant over {@link #defaultOrders()} with {@link RdpConversion#BALLE_2020}. */
    public RdpAccountant() {
        this(DEFAULT_ORDERS, RdpConversion.BALLE_2020);
    }

    /**
     * An accountant over {@code orders} (each above 1; copied) with {@code conversion}.
     *
     * @throws IllegalArgumentException when there is no order or an order is not above 1
     */
    public RdpAccountant(final double[] orders, final RdpConversion conversion) {
        this.orders = checkedOrders(orders);
        this.conversion = java.util.Objects.requireNonNull(conversion, "conversion");
    }

    /**
     * The default Rényi orders, Opacus's {@code RDPAccountant.DEFAULT_ALPHAS}: 1.1, 1.2, ..., 10.9 and 12, 13, ...,
     * 63 (a copy).
     */
    public static double[] defaultOrders() {
        return DEFAULT_ORDERS.clone();
    }

    /** Records one step with noise multiplier {@code noiseMultiplier} and sampling rate {@code sampleRate}. */
    public void step(final double noiseMultiplier, final double sampleRate) {
        steps(noiseMultiplier, sampleRate, 1);
    }

    /**
     * Records {@code count} steps with the same noise multiplier and sampling rate.
     *
     * @throws IllegalArgumentException when the sampling rate is outside {@code [0, 1]}, the noise multiplier is
     *     negative, or {@code count} is negative
     */
    public void steps(final double noiseMultiplier, final double sampleRate, final long count) {
        SampledGaussianRdp.checkMechanism(sampleRate, noiseMultiplier);
        if (count < 0) {
            throw new IllegalArgumentException("step count must not be negative, count=" + count);
        }
        if (count == 0) {
            return;
        }
        final Entry last = history.isEmpty() ? null : history.get(history.size() - 1);
        if (last != null && last.noiseMultiplier == noiseMultiplier && last.sampleRate == sampleRate) {
            last.steps = Math.addExact(last.steps, count);
        } else {
            history.add(new Entry(noiseMultiplier, sampleRate, count,
                SampledGaussianRdp.rdp(sampleRate, noiseMultiplier, 1, orders)));
        }
    }

    /** The number of steps recorded. */
    public long steps() {
        long total = 0;
        for (final Entry e : history) {
            total += e.steps;
        }
        return total;
    }

    /** The orders (a copy). */
    public double[] orders() {
        return orders.clone();
    }

    /** The conversion to (ε, δ). */
    public RdpConversion conversion() {
        return conversion;
    }

    /** The composed RDP of every recorded step, one value per order. */
    public double[] rdp() {
        final double[] total = new double[orders.length];
        for (final Entry e : history) {
            for (int k = 0; k < total.length; k++) {
                total[k] += e.steps * e.oneStepRdp[k];
            }
        }
        return total;
    }

    /** The (ε, δ) guarantee of every recorded step for {@code delta} (ε = 0 before the first step). */
    public PrivacySpent spent(final double delta) {
        return conversion.spent(orders, rdp(), delta);
    }

    /** The ε of {@link #spent}. */
    public double epsilon(final double delta) {
        return spent(delta).epsilon();
    }

    @Override
    public String toString() {
        return "RdpAccountant[steps=" + steps() + ", entries=" + history.size() + ", orders=" + orders.length
            + ", conversion=" + conversion + "]";
    }

    static double[] checkedOrders(final double[] orders) {
        if (orders.length == 0) {
            throw new IllegalArgumentException("at least one RDP order is needed");
        }
        for (final double order : orders) {
            if (!(order > 1)) {
                throw new IllegalArgumentException("RDP orders must be greater than 1, order=" + order);
            }
        }
        return orders.clone();
    }

    private static double[] defaultOrdersArray() {
        final double[] out = new double[99 + 52];
        for (int x = 1; x < 100; x++) {
            out[x - 1] = 1 + x / 10.0;
        }
        for (int a = 12; a < 64; a++) {
            out[99 + a - 12] = a;
        }
        return out;
    }

    /** Steps with one (σ, q): the one-step RDP at each order, and how many steps. */
    private static final class Entry {
        private final double noiseMultiplier;
        private final double sampleRate;
        private final double[] oneStepRdp;
        private long steps;

        private Entry(final double noiseMultiplier, final double sampleRate, final long steps,
                      final double[] oneStepRdp) {
            this.noiseMultiplier = noiseMultiplier;
            this.sampleRate = sampleRate;
            this.steps = steps;
            this.oneStepRdp = oneStepRdp;
        }

        @Override
        public String toString() {
            return "Entry[sigma=" + noiseMultiplier + ", q=" + sampleRate + ", steps=" + steps + ", rdp="
                + Arrays.toString(oneStepRdp) + "]";
        }
    }
}
