package dev.obscura.benchmarks;

import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.TensorEngine;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.loss.SoftmaxCrossEntropy;
import dev.obscura.nn.optim.Sgd;
import java.util.SplittableRandom;

/**
 * One MnistCnn step on any tensor engine, so that the secure benchmark and its plaintext twin run the same code:
 * inference (forward of a batch) or training (forward, softmax cross-entropy backward, SGD update).
 *
 * @param <T> the engine's tensor type
 */
final class MnistStep<T> {
    static final int BATCH = 64;
    static final String INFER = "mnist-infer-64";
    static final String TRAIN = "mnist-train-64";

    private final TensorEngine<T> engine;
    private final Sequential<T> model;
    private final Sgd<T> sgd;
    private final T images;
    private final int[] labels;

    MnistStep(final TensorEngine<T> engine, final Sequential<T> model, final float[] images, final int[] labels) {
        this.engine = engine;
        this.model = model;
        this.sgd = new Sgd<>(engine, model.parameters(), 0.05f, 0.9f, 5e-4f);
        this.images = engine.fromFloats(images, BATCH, 1, 28, 28);
        this.labels = labels.clone();
    }

    /** Random normalised-looking images (benchmark data, not secrets). */
    static float[] images(final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final float[] out = new float[BATCH * 28 * 28];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (random.nextDouble() * 3.2 - 0.42);
        }
        return out;
    }

    /** Random labels in [0, 10). */
    static int[] labels(final long seed) {
        return new SplittableRandom(seed).ints(BATCH, 0, 10).toArray();
    }

    /** Runs the workload once. */
    void run(final String workload) {
        try (Tape<T> tape = new Tape<>(engine)) {
            final Variable<T> logits = model.forward(tape.input(images));
            if (TRAIN.equals(workload)) {
                SoftmaxCrossEntropy.of(logits, labels).backward();
                sgd.step();
            }
        }
    }

    /** Releases the batch and the optimiser state. */
    void release() {
        engine.release(images);
        sgd.releaseState();
    }
}
