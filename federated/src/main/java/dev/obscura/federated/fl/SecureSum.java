package dev.obscura.federated.fl;

import java.util.List;

/**
 * An aggregation that forms the sum of the updates without the coordinator seeing any one of them: Bonawitz et al.'s
 * pairwise masking ({@link SecureAggregation}) or additive sharing among aggregator workers
 * ({@link AdditiveAggregation}). {@link DpFedAvg} adds its noise to the sum either gives.
 */
public interface SecureSum extends Aggregation {

    /**
     * The sum of {@code updates} on the grid: with {@code clip == 0} each worker contributes {@code n_k Δ_k}; with
     * {@code clip > 0}, {@code Δ_k} clipped to L2 norm {@code clip} at the worker, weight 1. Every update is released.
     *
     * @throws IllegalStateException when the sum cannot be formed (too few updates or workers answered)
     */
    FixedPointSum sum(List<LocalUpdate> updates, int parameters, double clip);

    /**
     * Whether {@link #noisedSum} adds the DP noise inside the secure computation, so that nobody sees the sum
     * without it ({@link DpFedAvg} then adds none of its own).
     */
    default boolean addsNoise() {
        return false;
    }

    /**
     * As {@link #sum} with clipping, plus the discrete Gaussian noise of standard deviation
     * {@code noiseMultiplier * clip} on the grid, added before anyone sees the sum.
     *
     * @throws UnsupportedOperationException unless {@link #addsNoise()}
     */
    default FixedPointSum noisedSum(final List<LocalUpdate> updates, final int parameters, final double clip,
                                    final double noiseMultiplier) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not add noise itself");
    }

    /** Fractional bits of the grid the sum is on. */
    int fracBits();

    /** The weighted mean {@code sum_k n_k Δ_k / sum_k n_k}, from {@link #sum} without clipping. */
    @Override
    default AggregatedUpdate aggregate(final List<LocalUpdate> updates, final int parameters) {
        final FixedPointSum s = sum(updates, parameters, 0);
        return new AggregatedUpdate(s.divided(s.samples()), Math.toIntExact(s.samples()), s.workers(), s.dropped());
    }
}
