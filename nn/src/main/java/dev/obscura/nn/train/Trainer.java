package dev.obscura.nn.train;

import dev.obscura.data.LabelledImages;
import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.Reveal;
import dev.obscura.nn.engine.TensorEngine;
import dev.obscura.nn.layers.Module;
import dev.obscura.nn.loss.SoftmaxCrossEntropy;
import dev.obscura.nn.optim.Sgd;
import java.util.Arrays;
import java.util.Objects;

/**
 * Supervised training of a classifier on any engine: each step is a forward pass, softmax cross-entropy backward
 * and an {@link Sgd} update, on a tape that releases every intermediate tensor. The same code runs in plaintext and
 * secret-shared (SPMD, every party with its own engines): the data owner's engine enters the images and the one-hot
 * targets, the model's parameters live on the model owner's, and a {@link Reveal} decides whether each batch's
 * logits are opened (to print the training loss and accuracy) and to whom: {@link Reveal#none()} opens nothing.
 *
 * <p>Not thread-safe (an engine belongs to one thread).
 *
 * @param <T> the engine's tensor type
 */
public final class Trainer<T> {
    private final Module<T> model;
    private final TensorEngine<T> inputEngine;
    private final Sgd<T> sgd;
    private final Reveal<T> reveal;

    /**
     * A trainer of {@code model} by {@code sgd}, on images and targets entered through {@code inputEngine} (the
     * tape's engine), each batch's logits opened by {@code reveal} before its step.
     */
    public Trainer(final Module<T> model, final TensorEngine<T> inputEngine, final Sgd<T> sgd,
                   final Reveal<T> reveal) {
        this.model = Objects.requireNonNull(model, "model");
        this.inputEngine = Objects.requireNonNull(inputEngine, "inputEngine");
        this.sgd = Objects.requireNonNull(sgd, "sgd");
        this.reveal = Objects.requireNonNull(reveal, "reveal");
    }

    /**
     * One SGD step on {@code images} ({@code [N, C, H, W]}, owned by the caller) with {@code labels}: returns the
     * logits before the step as {@link Reveal} opens them, {@code null} where it does not.
     *
     * @throws IllegalArgumentException when a label is out of range or the counts differ
     */
    public double[] step(final T images, final int[] labels) {
        try (Tape<T> tape = new Tape<>(inputEngine)) {
            final Variable<T> logits = model.forward(tape.input(images));
            // Opened before the backward pass releases nothing it needs; never loss.value(), which opens to all.
            final double[] opened = reveal.open(logits.value());
            SoftmaxCrossEntropy.of(logits, labels).backward();
            sgd.step();
            return opened;
        }
    }

    /**
     * One pass over {@code data} in {@code order} ({@link EpochOrder}), {@code batch} images a step (the last step
     * may be smaller). {@code listener} hears of every step, with the running mean loss where the logits are opened.
     */
    public Epoch epoch(final LabelledImages data, final int[] order, final int batch, final BatchListener listener) {
        if (batch < 1 || order.length != data.count()) {
            throw new IllegalArgumentException("need a positive batch and one index per image, batch=" + batch
                + ", order=" + order.length + ", images=" + data.count());
        }
        final int n = data.count();
        final int[] imageShape = data.imageShape();
        final int size = data.imageSize();
        final float[] images = new float[Math.multiplyExact(Math.min(batch, n), size)];
        final int[] labels = new int[Math.min(batch, n)];
        double lossSum = 0;
        int correct = 0;
        boolean revealed = n > 0;
        for (int from = 0; from < n; from += batch) {
            final int b = Math.min(batch, n - from);
            data.copyBatch(order, from, b, images, labels);
            final int[] batchLabels = Arrays.copyOf(labels, b);
            final T x = inputEngine.fromFloats(b * size == images.length ? images : Arrays.copyOf(images, b * size),
                batchShape(b, imageShape));
            final double[] opened;
            try {
                opened = step(x, batchLabels);
            } finally {
                inputEngine.release(x);
            }
            revealed &= opened != null;
            if (opened != null) {
                lossSum += SoftmaxCrossEntropy.meanLoss(opened, batchLabels, opened.length / b) * b;
                correct += Classifier.correct(opened, batchLabels);
            }
            listener.batchDone(b, opened != null ? lossSum / (from + b) : Double.NaN);
        }
        return revealed ? new Epoch(n, true, lossSum / n, correct) : new Epoch(n, false, Double.NaN, 0);
    }

    /** {@code [batch, imageShape...]}. */
    static int[] batchShape(final int batch, final int[] imageShape) {
        final int[] shape = new int[imageShape.length + 1];
        shape[0] = batch;
        System.arraycopy(imageShape, 0, shape, 1, imageShape.length);
        return shape;
    }

    /**
     * What one epoch showed this party.
     *
     * @param images   the images trained on
     * @param revealed whether this party learned every step's logits; {@code meanLoss} and {@code correct} are
     *                 meaningful only then
     * @param meanLoss the mean training loss over the epoch, each step's loss taken before its update
     * @param correct  how many images the model classified correctly before the update of their step
     */
    public record Epoch(int images, boolean revealed, double meanLoss, int correct) {
    }
}
