package dev.obscura.privacy;

import dev.obscura.backend.Conv2dSpec;
import dev.obscura.nn.autograd.Functional;
import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.layers.Conv2d;
import dev.obscura.nn.layers.Linear;
import dev.obscura.nn.layers.Module;
import dev.obscura.nn.layers.Sequential;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Per-example gradients from one batched forward and backward pass (Goodfellow, "Efficient Per-Example Gradient
 * Computations", arXiv:1510.01799, 2015; Opacus's {@code GradSampleModule} computes them the same way): a layer's
 * weight gradient is a sum over the batch of one term per example, built from the layer's input {@code x} and the
 * gradient {@code dy} of its output, both of which the batched pass already holds. So each example's term is kept
 * apart instead of summed:
 * <ul>
 *   <li>{@link Linear}, {@code y = x W^T + b}: {@code dW_n = dy_n^T x_n} (an outer product), {@code db_n = dy_n};</li>
 *   <li>{@link Conv2d}: {@code dW_n = conv2dBackwardWeight(x_n, dy_n)} (the batched kernel on example {@code n}
 *       alone), {@code db_n} = the sum of {@code dy_n} over the positions of each output channel.</li>
 * </ul>
 * The batch loss is the mean of the examples' losses, so each term is scaled by the batch size. Parameter-free layers
 * (ReLU, pooling, flatten) need nothing. The model must be a {@link Sequential} (nested ones allowed) of linear,
 * convolution and parameter-free layers; {@link MicroBatchGradients} serves any other.
 *
 * <p>The batched pass runs the layers' functions ({@code Functional.linear}, {@code Functional.conv2d}) with the
 * weights as leaves that need no gradient, so its backward pass computes only activation gradients (and the first
 * layer's input gradient, which is unused); the per-example weight gradients then cost what the batch-summed ones
 * would have (the plaintext engine computes a convolution's weight gradient image by image anyway). A step costs
 * about one ordinary training step, against a whole pass per example for micro-batches, which runs every matrix
 * product at batch size one.
 */
public final class LayerwiseGradients implements PerExampleGradients {
    private final PlainEngine engine;
    private final List<Module<PlainTensor>> layers;
    private final ExampleLoss loss;
    private final RowLayout layout;

    /**
     * Per-example gradients of {@code model} under {@code loss}, on {@code engine}.
     *
     * @throws IllegalArgumentException when a layer has parameters but is neither {@link Linear} nor {@link Conv2d}
     */
    public LayerwiseGradients(final PlainEngine engine, final Sequential<PlainTensor> model, final ExampleLoss loss) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.loss = Objects.requireNonNull(loss, "loss");
        this.layers = new ArrayList<>();
        flatten(model, layers);
        this.layout = new RowLayout(model.parameters());
    }

    @Override
    public RowLayout layout() {
        return layout;
    }

    @Override
    public void compute(final PlainTensor inputs, final int[] labels, final float[] out) {
        layout.checkBatch(inputs, labels, out);
        final int n = labels.length;
        if (n == 0) {
            return;
        }
        try (Tape<PlainTensor> tape = new Tape<>(engine)) {
            final List<Module<PlainTensor>> weighted = new ArrayList<>();
            final List<Variable<PlainTensor>> layerInputs = new ArrayList<>();
            final List<Variable<PlainTensor>> layerOutputs = new ArrayList<>();
            // The input asks for a gradient so that the first layer's output gets one; the weights enter as plain
            // leaves, so the backward pass computes activation gradients only, never the batch-summed weight
            // gradients, which the per-example terms below replace.
            Variable<PlainTensor> h = tape.variable(inputs);
            for (final Module<PlainTensor> layer : layers) {
                final Variable<PlainTensor> in = h;
                if (layer instanceof Linear<PlainTensor> linear) {
                    h = Functional.linear(in, tape.input(linear.weight().value()), tape.input(linear.bias().value()));
                } else if (layer instanceof Conv2d<PlainTensor> conv) {
                    h = Functional.conv2d(in, tape.input(conv.weight().value()), tape.input(conv.bias().value()),
                        conv.spec());
                } else {
                    h = layer.forward(in);
                    continue;
                }
                weighted.add(layer);
                layerInputs.add(in);
                layerOutputs.add(h);
            }
            loss.of(h, labels).backward();
            for (int l = 0; l < weighted.size(); l++) {
                final PlainTensor dy = layerOutputs.get(l).grad();
                final PlainTensor x = layerInputs.get(l).value();
                if (weighted.get(l) instanceof Linear<PlainTensor> linear) {
                    linearRows(linear, x, dy, n, out);
                } else {
                    convRows((Conv2d<PlainTensor>) weighted.get(l), x, dy, n, out);
                }
            }
        }
    }

    /** {@code dW_n[o, i] = N dy[n, o] x[n, i]}, {@code db_n[o] = N dy[n, o]}. */
    private void linearRows(final Linear<PlainTensor> layer, final PlainTensor x, final PlainTensor dy, final int n,
                            final float[] out) {
        final int in = x.dim(1);
        final int outFeatures = dy.dim(1);
        final float[] xs = x.data();
        final float[] dys = dy.data();
        final int weightAt = layout.offset(layer.weight());
        final int biasAt = layout.offset(layer.bias());
        for (int e = 0; e < n; e++) {
            final int row = e * layout.length();
            for (int o = 0; o < outFeatures; o++) {
                final float g = n * dys[e * outFeatures + o];
                final int w = row + weightAt + o * in;
                for (int i = 0; i < in; i++) {
                    out[w + i] = g * xs[e * in + i];
                }
                out[row + biasAt + o] = g;
            }
        }
    }

    /** {@code dW_n = N conv2dBackwardWeight(x_n, dy_n)}, {@code db_n[o] = N sum_positions dy_n[o, .]}. */
    private void convRows(final Conv2d<PlainTensor> layer, final PlainTensor x, final PlainTensor dy, final int n,
                          final float[] out) {
        final int[] xShape = x.shape();
        final int[] dyShape = dy.shape();
        final int xSize = x.numel() / n;
        final int channels = dyShape[1];
        final int positions = dy.numel() / (n * channels);
        xShape[0] = 1;
        dyShape[0] = 1;
        final float[] xOne = new float[xSize];
        final float[] dyOne = new float[channels * positions];
        final int[] weightShape = layer.weight().value().shape();
        final Conv2dSpec spec = layer.spec();
        final int weightAt = layout.offset(layer.weight());
        final int biasAt = layout.offset(layer.bias());
        for (int e = 0; e < n; e++) {
            System.arraycopy(x.data(), e * xSize, xOne, 0, xSize);
            System.arraycopy(dy.data(), e * dyOne.length, dyOne, 0, dyOne.length);
            final float[] dw = engine.conv2dBackwardWeight(new PlainTensor(xOne, xShape),
                new PlainTensor(dyOne, dyShape), spec, weightShape).data();
            final int row = e * layout.length();
            for (int k = 0; k < dw.length; k++) {
                out[row + weightAt + k] = n * dw[k];
            }
            for (int o = 0; o < channels; o++) {
                double sum = 0;
                for (int p = 0; p < positions; p++) {
                    sum += dyOne[o * positions + p];
                }
                out[row + biasAt + o] = (float) (n * sum);
            }
        }
    }

    private static void flatten(final Module<PlainTensor> module, final List<Module<PlainTensor>> into) {
        if (module instanceof Sequential<PlainTensor> sequential) {
            for (final Module<PlainTensor> layer : sequential.layers()) {
                flatten(layer, into);
            }
        } else if (module instanceof Linear || module instanceof Conv2d || module.parameters().isEmpty()) {
            into.add(module);
        } else {
            throw new IllegalArgumentException("layerwise per-example gradients need linear, convolution or"
                + " parameter-free layers (use MicroBatchGradients for others), layer="
                + module.getClass().getSimpleName());
        }
    }
}
