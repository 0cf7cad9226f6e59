package dev.obscura.nn.layers;

import dev.obscura.nn.autograd.Functional;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.TensorEngine;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Fully connected layer {@code y = x · W^T + b}: {@code x [N, in]}, {@code W [out, in]}, {@code b [out]},
 * {@code y [N, out]}; initialised as PyTorch's {@code nn.Linear} (see {@link Init}).
 *
 * @param <T> the engine's tensor type
 */
public final class Linear<T> implements Module<T> {
    private final Variable<T> weight;
    private final Variable<T> bias;

    /** A layer from {@code in} to {@code out} features, initialised from {@code random}. */
    public Linear(final TensorEngine<T> engine, final int in, final int out, final SplittableRandom random) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("features must be positive, in=" + in + ", out=" + out);
        }
        final double bound = Init.defaultBound(in);
        this.weight = Variable.parameter("linear.weight",
            engine.fromFloats(Init.uniform(random, Math.multiplyExact(in, out), bound), out, in));
        this.bias = Variable.parameter("linear.bias", engine.fromFloats(Init.uniform(random, out, bound), out));
    }

    /** The weight {@code [out, in]}. */
    public Variable<T> weight() {
        return weight;
    }

    /** The bias {@code [out]}. */
    public Variable<T> bias() {
        return bias;
    }

    @Override
    public Variable<T> forward(final Variable<T> x) {
        return Functional.linear(x, weight, bias);
    }

    @Override
    public List<Variable<T>> parameters() {
        return List.of(weight, bias);
    }
}
