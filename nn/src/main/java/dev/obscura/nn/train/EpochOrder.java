package dev.obscura.nn.train;

import java.util.Random;

/**
 * The order in which an epoch visits the training images: a Fisher-Yates shuffle of the previous epoch's order
 * (the identity before the first), drawn from one {@link Random} seeded once, so a seed fixes every epoch's order.
 * The order is not a secret of the protocol (it only permutes the data owner's own images), hence no cryptographic
 * generator.
 *
 * <p>Not thread-safe.
 */
public final class EpochOrder {
    private final int[] order;
    private final Random random;

    /** The orders of {@code count} images, from {@code seed}. */
    public EpochOrder(final int count, final long seed) {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative, count=" + count);
        }
        this.order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        this.random = new Random(seed);
    }

    /** The next epoch's order: the previous one shuffled. The array is this object's; read it before the next call. */
    public int[] next() {
        for (int i = order.length - 1; i > 0; i--) {
            final int j = random.nextInt(i + 1);
            final int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
