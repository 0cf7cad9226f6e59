package dev.obscura.privacy;

import dev.obscura.nn.engine.PlainTensor;

/**
 * The gradient of each example's own loss with respect to every parameter, as DP-SGD needs them: one row per
 * example, laid out by {@link RowLayout} (the parameters flattened in the order of the model's {@code parameters()}
 * list). Two ways: {@link MicroBatchGradients} (a forward and backward pass per example, any model) and
 * {@link LayerwiseGradients} (one batched pass, then each example's gradient of every linear and convolution layer
 * from that layer's input and output gradient).
 *
 * <p>Implementations leave no gradient on the parameters and are not thread-safe (they run the model).
 */
public interface PerExampleGradients {

    /** The layout of a row: which parameter's values sit where. */
    RowLayout layout();

    /**
     * Writes the gradient of example {@code n}'s loss into {@code out[n * layout().length() ..]} for each of the
     * {@code labels.length} examples of {@code inputs} (whose first axis is the example).
     *
     * @throws IllegalArgumentException when the first axis of {@code inputs} is not {@code labels.length}, or
     *     {@code out} is shorter than {@code labels.length * layout().length()}
     */
    void compute(PlainTensor inputs, int[] labels, float[] out);
}
