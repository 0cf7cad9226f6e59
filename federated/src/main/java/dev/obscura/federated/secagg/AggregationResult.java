package dev.obscura.federated.secagg;

import dev.obscura.ring.FixedPoint;
import dev.obscura.ring.RingTensor;

/**
 * The output of a secure-aggregation round, of either route: the sum over Z_2^64 of the updates of the clients that
 * contributed, and who they were (the FL layer divides by their count to average). The sum is exact modulo 2^64; it
 * reads as the fixed-point sum while that stays below 2^63 in magnitude.
 *
 * <p>Owns the sum's off-heap memory: {@link #close()} releases it.
 */
public final class AggregationResult implements AutoCloseable {
    private final RingTensor sum;
    private final int[] contributors;

    AggregationResult(final RingTensor sum, final int[] contributors) {
        this.sum = sum;
        this.contributors = contributors.clone();
    }

    /** {@code z = sum_{u in contributors} x_u} over Z_2^64, shape {@code [m]}; closed with this result. */
    public RingTensor sum() {
        return sum;
    }

    /** The clients whose updates are in the sum, ascending (a copy). */
    public int[] contributors() {
        return contributors.clone();
    }

    /** The number of clients in the sum. */
    public int contributorCount() {
        return contributors.length;
    }

    /** The sum read as fixed-point values (signed, {@code fixedPoint.fracBits()} fractional bits). */
    public double[] decode(final FixedPoint fixedPoint) {
        final double[] out = new double[(int) sum.numel()];
        for (int i = 0; i < out.length; i++) {
            out[i] = fixedPoint.decode(sum.get(i));
        }
        return out;
    }

    @Override
    public void close() {
        sum.close();
    }

    /** Sizes only. */
    @Override
    public String toString() {
        return "AggregationResult[contributors=" + contributors.length + ", length=" + sum.numel() + "]";
    }
}
