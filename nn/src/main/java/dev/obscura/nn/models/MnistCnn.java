package dev.obscura.nn.models;

import dev.obscura.nn.engine.TensorEngine;
import dev.obscura.nn.layers.Conv2d;
import dev.obscura.nn.layers.Flatten;
import dev.obscura.nn.layers.Linear;
import dev.obscura.nn.layers.MaxPool2d;
import dev.obscura.nn.layers.ReLU;
import dev.obscura.nn.layers.Sequential;
import java.util.SplittableRandom;

/**
 * The default MNIST network, the LeNet-style model of the secure-ML literature: conv 1→16 5×5, ReLU, max-pool 2,
 * conv 16→16 5×5, ReLU, max-pool 2, flatten (256), fully connected 256→100, ReLU, fully connected 100→10. Input
 * {@code [N, 1, 28, 28]}, output logits {@code [N, 10]}. 33,542 parameters.
 */
public final class MnistCnn {
    /** Input channels, height and width. */
    public static final int CHANNELS = 1;
    /** Input height and width. */
    public static final int SIZE = 28;
    /** Number of classes (the output width). */
    public static final int CLASSES = 10;

    private MnistCnn() {
    }

    /**
     * The network on {@code engine}, initialised as PyTorch's defaults from a {@link SplittableRandom} seeded with
     * {@code seed} (layers initialised in order, weight before bias), so the same seed gives the same model on
     * every engine.
     */
    public static <T> Sequential<T> create(final TensorEngine<T> engine, final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        return Sequential.of(
            new Conv2d<>(engine, CHANNELS, 16, 5, 1, 0, random),
            new ReLU<>(),
            new MaxPool2d<>(2),
            new Conv2d<>(engine, 16, 16, 5, 1, 0, random),
            new ReLU<>(),
            new MaxPool2d<>(2),
            new Flatten<>(),
            new Linear<>(engine, 256, 100, random),
            new ReLU<>(),
            new Linear<>(engine, 100, CLASSES, random));
    }
}
