package dev.obscura.benchmarks;

import dev.obscura.nn.engine.Reveal;
import dev.obscura.nn.engine.TensorEngine;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.optim.Sgd;
import dev.obscura.nn.train.Classifier;
import dev.obscura.nn.train.Trainer;
import java.util.SplittableRandom;

/**
 * One MnistCnn step on any tensor engine, so that the secure benchmark and its plaintext twin run the same code, the
 * {@link Classifier} and {@link Trainer} of the command and the embedding example: inference (forward of a batch) or
 * training (forward, softmax cross-entropy backward, SGD update). Nothing is opened ({@link Reveal#none()}), as
 * before: the figures time the computation on shares.
 *
 * @param <T> the engine's tensor type
 */
final class MnistStep<T> {
    static final int BATCH = 64;
    static final String INFER = "mnist-infer-64";
    static final String TRAIN = "mnist-train-64";

    private final TensorEngine<T> engine;
    private final Sgd<T> sgd;
    private final Trainer<T> trainer;
    private final Classifier<T> classifier;
    private final T images;
    private final int[] labels;

    MnistStep(final TensorEngine<T> engine, final Sequential<T> model, final float[] images, final int[] labels) {
        this.engine = engine;
        this.sgd = new Sgd<>(engine, model.parameters(), 0.05f, 0.9f, 5e-4f);
        this.trainer = new Trainer<>(model, engine, sgd, Reveal.none());
        this.classifier = new Classifier<>(model, engine, Reveal.none());
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
        if (TRAIN.equals(workload)) {
            trainer.step(images, labels);
        } else {
            classifier.logits(images);
        }
    }

    /** Releases the batch and the optimiser state. */
    void release() {
        engine.release(images);
        sgd.releaseState();
    }
}
