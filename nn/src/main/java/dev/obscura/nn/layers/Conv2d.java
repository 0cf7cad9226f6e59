package dev.obscura.nn.layers;

import dev.obscura.backend.Conv2dSpec;
import dev.obscura.nn.autograd.Functional;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.TensorEngine;
import java.util.List;
import java.util.SplittableRandom;

/**
 * 2-D convolution layer with bias: {@code x [N, C, H, W]} to {@code [N, O, outH, outW]} (see
 * {@link TensorEngine#conv2d}), weight {@code [O, C, k, k]}, bias {@code [O]}; initialised as PyTorch's
 * {@code nn.Conv2d} (see {@link Init}, fan-in {@code C*k*k}).
 *
 * @param <T> the engine's tensor type
 */
public final class Conv2d<T> implements Module<T> {
    private final Variable<T> weight;
    private final Variable<T> bias;
    private final Conv2dSpec spec;

    /** A {@code kernel x kernel} convolution with the same stride and padding on both axes. */
    public Conv2d(final TensorEngine<T> engine, final int inChannels, final int outChannels, final int kernel,
                  final int stride, final int padding, final SplittableRandom random) {
        this(engine, inChannels, outChannels, kernel, kernel, Conv2dSpec.of(stride, padding), random);
    }

    /** A {@code kernelH x kernelW} convolution with the geometry {@code spec}. */
    public Conv2d(final TensorEngine<T> engine, final int inChannels, final int outChannels, final int kernelH,
                  final int kernelW, final Conv2dSpec spec, final SplittableRandom random) {
        if (inChannels < 1 || outChannels < 1 || kernelH < 1 || kernelW < 1) {
            throw new IllegalArgumentException("channels and kernel must be positive, inChannels=" + inChannels
                + ", outChannels=" + outChannels + ", kernelH=" + kernelH + ", kernelW=" + kernelW);
        }
        this.spec = java.util.Objects.requireNonNull(spec, "spec");
        final int fanIn = Math.multiplyExact(inChannels, kernelH * kernelW);
        final double bound = Init.defaultBound(fanIn);
        this.weight = Variable.parameter("conv2d.weight", engine.fromFloats(
            Init.uniform(random, Math.multiplyExact(outChannels, fanIn), bound),
            outChannels, inChannels, kernelH, kernelW));
        this.bias = Variable.parameter("conv2d.bias",
            engine.fromFloats(Init.uniform(random, outChannels, bound), outChannels));
    }

    /** The weight {@code [O, C, kH, kW]}. */
    public Variable<T> weight() {
        return weight;
    }

    /** The bias {@code [O]}. */
    public Variable<T> bias() {
        return bias;
    }

    /** Stride and padding. */
    public Conv2dSpec spec() {
        return spec;
    }

    @Override
    public Variable<T> forward(final Variable<T> x) {
        return Functional.conv2d(x, weight, bias, spec);
    }

    @Override
    public List<Variable<T>> parameters() {
        return List.of(weight, bias);
    }
}
