package dev.obscura.nn.loss;

import dev.obscura.mpc.Label;
import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.Labels;
import dev.obscura.nn.engine.TensorEngine;
import dev.obscura.ring.Shapes;
import java.util.Objects;

/**
 * Softmax cross-entropy averaged over the batch, PyTorch's {@code nn.CrossEntropyLoss()}: for logits
 * {@code z [N, K]} and labels {@code y}, {@code L = (1/N) sum_n (logsumexp(z[n]) - z[n, y[n]])}, and
 * {@code dL/dz = (softmax(z) - onehot(y)) / N}. The value uses a max-shifted logsumexp in double; the gradient runs
 * through {@link TensorEngine#softmax}, {@link TensorEngine#sub} and {@link TensorEngine#scale}, so a secure engine
 * uses its softmax approximation.
 */
public final class SoftmaxCrossEntropy {
    private SoftmaxCrossEntropy() {
    }

    /**
     * The loss of {@code logits [N, K]} (on a tape) against {@code labels} ({@code N} values in {@code [0, K)}).
     *
     * @throws IllegalArgumentException when the shapes do not match or a label is out of range
     */
    public static <T> Loss<T> of(final Variable<T> logits, final int[] labels) {
        Objects.requireNonNull(labels, "labels");
        final Tape<T> tape = Objects.requireNonNull(logits.tape(), "logits must be on a tape");
        final TensorEngine<T> e = tape.engine();
        final int[] shape = e.shape(logits.value());
        if (shape.length != 2 || shape[0] != labels.length) {
            throw new IllegalArgumentException("cross-entropy needs logits [N, K] and N labels, logits="
                + Shapes.toString(shape) + ", labels=" + labels.length);
        }
        final int n = shape[0];
        final int k = shape[1];
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= k) {
                throw new IllegalArgumentException("label out of range, index=" + i + ", label=" + labels[i]
                    + ", classes=" + k);
            }
        }
        final int[] ownLabels = labels.clone();
        return new Loss<>() {
            @Override
            public double value() {
                final float[] values = e.toFloats(logits.value());
                final double[] wide = new double[values.length];
                for (int i = 0; i < values.length; i++) {
                    wide[i] = values[i];
                }
                return meanLoss(wide, ownLabels, k);
            }

            @Override
            public void backward() {
                final float[] onehot = new float[n * k];
                for (int i = 0; i < n; i++) {
                    onehot[i * k + ownLabels[i]] = 1f;
                }
                final T seed;
                try (Label ignored = e.label(Labels.backward(Labels.child(e.label(), "loss (SoftmaxCrossEntropy)")))) {
                    final T target = e.fromFloats(onehot, n, k);
                    final T probabilities = e.softmax(logits.value());
                    final T diff = e.sub(probabilities, target);
                    e.release(target);
                    e.release(probabilities);
                    seed = e.scale(diff, 1f / n);
                    e.release(diff);
                }
                tape.backward(logits, seed);
            }
        };
    }

    /**
     * The mean cross-entropy of row-major {@code logits [labels.length, k]} against {@code labels}, with a max-shifted
     * logsumexp in double: the value of {@link #of}'s loss, for logits already out of an engine (opened secure
     * logits, say).
     *
     * @throws IllegalArgumentException when {@code logits} does not hold {@code labels.length * k} values or a label
     *     is out of range
     */
    public static double meanLoss(final double[] logits, final int[] labels, final int k) {
        if (k < 1 || logits.length != (long) labels.length * k) {
            throw new IllegalArgumentException("cross-entropy needs labels.length * k logits, logits="
                + logits.length + ", labels=" + labels.length + ", k=" + k);
        }
        double total = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= k) {
                throw new IllegalArgumentException("label out of range, index=" + i + ", label=" + labels[i]
                    + ", classes=" + k);
            }
            final int base = i * k;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                max = Math.max(max, logits[base + j]);
            }
            double sum = 0;
            for (int j = 0; j < k; j++) {
                sum += Math.exp(logits[base + j] - max);
            }
            total += max + Math.log(sum) - logits[base + labels[i]];
        }
        return total / labels.length;
    }
}
