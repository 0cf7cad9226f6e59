package dev.obscura.nn.train;

import dev.obscura.data.LabelledImages;
import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.engine.Reveal;
import dev.obscura.nn.engine.TensorEngine;
import dev.obscura.nn.layers.Module;
import java.util.Arrays;
import java.util.Objects;

/**
 * Inference with a classifier model on any engine: the model's logits for a batch of images, opened by a
 * {@link Reveal}, and the predicted class of each image (the index of its largest logit, the first one on a tie).
 * The same code runs in plaintext ({@code Reveal.toAll(plainEngine)}) and secret-shared, SPMD, where
 * {@code Reveal.toParty(ops, dataOwner)} opens the logits to the data owner alone and every other party gets
 * {@code null}.
 *
 * <p>The input engine shares the images: in a secure run the data owner's {@code SecureEngine}, while the model's
 * parameters may belong to another party's engine. Not thread-safe (an engine belongs to one thread).
 *
 * @param <T> the engine's tensor type
 */
public final class Classifier<T> {
    private final Module<T> model;
    private final TensorEngine<T> inputEngine;
    private final Reveal<T> reveal;

    /** A classifier of {@code model} on images entered through {@code inputEngine}, logits opened by {@code reveal}. */
    public Classifier(final Module<T> model, final TensorEngine<T> inputEngine, final Reveal<T> reveal) {
        this.model = Objects.requireNonNull(model, "model");
        this.inputEngine = Objects.requireNonNull(inputEngine, "inputEngine");
        this.reveal = Objects.requireNonNull(reveal, "reveal");
    }

    /**
     * The logits {@code [N, K]} of {@code images} ({@code [N, C, H, W]}, owned by the caller), row-major, at the
     * parties {@link Reveal} opens them to; {@code null} elsewhere. Every intermediate tensor is released.
     */
    public double[] logits(final T images) {
        try (Tape<T> tape = new Tape<>(inputEngine)) {
            return reveal.open(model.forward(tape.input(images)).value());
        }
    }

    /**
     * The predicted class of each of the images in {@code images}, one batch of {@code shape}
     * ({@code [N, C, H, W]}, row-major); {@code null} where the logits are not opened. In a secure run a party that
     * does not own the images passes zeros of the same length.
     */
    public int[] predict(final float[] images, final int... shape) {
        final T x = inputEngine.fromFloats(images, shape);
        try {
            final double[] opened = logits(x);
            return opened == null ? null : argmax(opened, shape[0]);
        } finally {
            inputEngine.release(x);
        }
    }

    /**
     * The predicted class of every image of {@code data}, in order, {@code batch} images at a time (the last batch
     * may be smaller); {@code null} where the logits are not opened. {@code listener} hears of every batch.
     */
    public int[] predict(final LabelledImages data, final int batch, final BatchListener listener) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be positive, batch=" + batch);
        }
        final int n = data.count();
        final int[] imageShape = data.imageShape();
        final int size = data.imageSize();
        final float[] images = new float[Math.multiplyExact(Math.min(batch, n), size)];
        final int[] labels = new int[Math.min(batch, n)];
        int[] predictions = n == 0 ? new int[0] : null;
        for (int from = 0; from < n; from += batch) {
            final int b = Math.min(batch, n - from);
            data.copyBatch(from, b, images, labels);
            final int[] predicted = predict(b * size == images.length ? images : Arrays.copyOf(images, b * size),
                Trainer.batchShape(b, imageShape));
            if (predicted != null) {
                predictions = predictions == null ? new int[n] : predictions;
                System.arraycopy(predicted, 0, predictions, from, b);
            }
            listener.batchDone(b, Double.NaN);
        }
        return predictions;
    }

    /** The index of the largest of each row of row-major {@code logits [rows, K]} (the first one on a tie). */
    public static int[] argmax(final double[] logits, final int rows) {
        if (rows < 1 || logits.length % rows != 0) {
            throw new IllegalArgumentException("logits must hold rows x classes values, logits=" + logits.length
                + ", rows=" + rows);
        }
        final int k = logits.length / rows;
        final int[] out = new int[rows];
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int j = 1; j < k; j++) {
                if (logits[r * k + j] > logits[r * k + best]) {
                    best = j;
                }
            }
            out[r] = best;
        }
        return out;
    }

    /** How many of the rows of {@code logits [labels.length, K]} have their largest logit at the label. */
    public static int correct(final double[] logits, final int[] labels) {
        final int[] predicted = argmax(logits, labels.length);
        int c = 0;
        for (int i = 0; i < labels.length; i++) {
            c += predicted[i] == labels[i] ? 1 : 0;
        }
        return c;
    }
}
