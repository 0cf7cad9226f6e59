package dev.obscura.privacy;

import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainTensor;
import java.util.List;

/**
 * The gradient of each example's own loss with respect to every parameter, as DP-SGD needs them: one row of
 * {@link #parameterCount()} values per example, the parameters flattened in the order of the model's
 * {@code parameters()} list, each row-major. Two ways: {@link MicroBatchGradients} (a forward and backward pass per
 * example, any model) and {@link LayerwiseGradients} (one batched pass, then each example's gradient of every linear
 * and convolution layer from that layer's input and output gradient).
 *
 * <p>Implementations leave no gradient on the parameters and are not thread-safe (they run the model).
 */
public interface PerExampleGradients {

    /** The parameters, in row order. */
    List<Variable<PlainTensor>> parameters();

    /** The values per row: the total element count of {@link #parameters()}. */
    int parameterCount();

    /**
     * Writes the gradient of example {@code n}'s loss into {@code out[n * parameterCount() ..]} for each of the
     * {@code labels.length} examples of {@code inputs} (whose first axis is the example).
     *
     * @throws IllegalArgumentException when the first axis of {@code inputs} is not {@code labels.length}, or
     *     {@code out} is shorter than {@code labels.length * parameterCount()}
     */
    void compute(PlainTensor inputs, int[] labels, float[] out);

    /** The element count of {@code parameters}, as an int. */
    static int count(final List<Variable<PlainTensor>> parameters) {
        long total = 0;
        for (final Variable<PlainTensor> p : parameters) {
            total += p.value().numel();
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many parameters for one row, count=" + total);
        }
        return (int) total;
    }

    /** Checks the arguments of {@link #compute}. */
    static void checkBatch(final PlainTensor inputs, final int[] labels, final float[] out, final int rowLength) {
        if (inputs.rank() < 1 || inputs.dim(0) != labels.length) {
            throw new IllegalArgumentException("one label per example, examples="
                + (inputs.rank() < 1 ? 0 : inputs.dim(0)) + ", labels=" + labels.length);
        }
        if (out.length < (long) labels.length * rowLength) {
            throw new IllegalArgumentException("output too short, length=" + out.length + ", needed="
                + (long) labels.length * rowLength);
        }
    }
}
