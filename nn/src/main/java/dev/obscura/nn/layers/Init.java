package dev.obscura.nn.layers;

import java.util.SplittableRandom;

/**
 * Parameter initialisation, in plaintext floats from a seeded generator (reproducible; the secure engine shares
 * the result). The defaults are PyTorch's for {@code nn.Linear} and {@code nn.Conv2d}: Kaiming-uniform with
 * {@code a = sqrt(5)} for the weight, which is {@code U(-1/sqrt(fanIn), 1/sqrt(fanIn))}, and the same bound for the
 * bias.
 */
public final class Init {
    private Init() {
    }

    /** {@code count} values drawn from {@code U(-bound, bound)}. */
    public static float[] uniform(final SplittableRandom random, final int count, final double bound) {
        final float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = (float) ((2 * random.nextDouble() - 1) * bound);
        }
        return out;
    }

    /** PyTorch's default bound for a layer with {@code fanIn} inputs per output: {@code 1 / sqrt(fanIn)}. */
    public static double defaultBound(final int fanIn) {
        if (fanIn < 1) {
            throw new IllegalArgumentException("fanIn must be positive, fanIn=" + fanIn);
        }
        return 1.0 / Math.sqrt(fanIn);
    }
}
