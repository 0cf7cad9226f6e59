package dev.obscura.federated.fl;

import dev.obscura.ring.FixedPoint;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A sum of workers' updates on the fixed-point grid, as a summing aggregation ({@link SecureAggregation#sum}, or the
 * plain sum of {@link DpFedAvg}) produces it, before it is divided into a mean: the step where differentially private
 * noise is added, exactly, in the integers ({@link dev.obscura.privacy.GaussianNoise#addTo(long[],
 * dev.obscura.privacy.RandomBits)}).
 *
 * @param sum      the sum, {@code encoding}'s two's-complement integers, one per model parameter (owned: noise is
 *                 added in place)
 * @param encoding the grid
 * @param workers  the workers whose updates are in the sum
 * @param samples  {@code sum_k n_k} over those workers
 * @param dropped  the workers whose updates are not in it, with why
 */
public record FixedPointSum(long[] sum, FixedPoint encoding, List<String> workers, long samples,
                            Map<String, String> dropped) {
    /** Copies the collections (not the sum). */
    public FixedPointSum {
        Objects.requireNonNull(sum, "sum");
        Objects.requireNonNull(encoding, "encoding");
        workers = List.copyOf(workers);
        dropped = Map.copyOf(dropped);
    }

    /** The sum read as real values, each divided by {@code divisor}. */
    public float[] divided(final double divisor) {
        final float[] out = new float[sum.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (encoding.decode(sum[i]) / divisor);
        }
        return out;
    }

    /** Sizes only: never the values. */
    @Override
    public String toString() {
        return "FixedPointSum[length=" + sum.length + ", fracBits=" + encoding.fracBits() + ", workers="
            + workers.size() + ", dropped=" + dropped.size() + "]";
    }
}
