package dev.obscura.federated.fl;

import dev.obscura.data.LabelledImages;
import java.util.SplittableRandom;

/** A small labelled data set that a linear model learns: each class a Gaussian blob around its own centre. */
final class Blobs {
    static final int SIDE = 4;
    static final int CLASSES = 3;

    private Blobs() {
    }

    static LabelledImages of(final int count, final long seed) {
        final SplittableRandom centres = new SplittableRandom(42);
        final float[][] centre = new float[CLASSES][SIDE * SIDE];
        for (final float[] c : centre) {
            for (int i = 0; i < c.length; i++) {
                c[i] = (float) (centres.nextDouble() * 2 - 1);
            }
        }
        final SplittableRandom r = new SplittableRandom(seed);
        final float[] images = new float[count * SIDE * SIDE];
        final int[] labels = new int[count];
        for (int n = 0; n < count; n++) {
            labels[n] = r.nextInt(CLASSES);
            for (int i = 0; i < SIDE * SIDE; i++) {
                images[n * SIDE * SIDE + i] = centre[labels[n]][i] + (float) (r.nextGaussian() * 0.4);
            }
        }
        return LabelledImages.of(images, labels, 1, SIDE, SIDE);
    }
}
