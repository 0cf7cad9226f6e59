package dev.obscura.nn.autograd;

import dev.obscura.backend.Conv2dSpec;
import dev.obscura.mpc.Scope;
import dev.obscura.nn.engine.TensorEngine;

/**
 * The differentiable functions the layers are made of, each a forward computation through the
 * {@link TensorEngine} and a backward closure recorded on the input's {@link Tape}. A gradient is computed only
 * for arguments that require one (so the first layer never computes the gradient of the data), and every
 * gradient sent to a parameter is a fresh tensor.
 *
 * <p>The first argument of each function is an activation on a tape; weights and biases may be parameters.
 */
public final class Functional {
    private Functional() {
    }

    /**
     * Fully connected layer: {@code y = x · weight^T + bias}, with {@code x [N, in]}, {@code weight [out, in]}
     * (PyTorch's layout), {@code bias [out]} or {@code null}, {@code y [N, out]}. Backward:
     * {@code dx = dy · weight}, {@code dweight = dy^T · x}, {@code dbias = sum_n dy}.
     */
    public static <T> Variable<T> linear(final Variable<T> x, final Variable<T> weight, final Variable<T> bias) {
        final Tape<T> tape = tapeOf(x);
        final TensorEngine<T> e = tape.engine();
        final T y;
        try (Scope s = e.scope()) {
            final T product = e.matmul(x.value(), weight.value(), false, true);
            y = s.keep(bias == null ? product : e.addChannelBias(product, bias.value()));
        }
        final boolean requiresGrad = x.requiresGrad() || weight.requiresGrad() || bias != null && bias.requiresGrad();
        return tape.record(y, requiresGrad, dy -> {
            if (x.requiresGrad()) {
                tape.accumulate(x, e.matmul(dy, weight.value(), false, false));
            }
            if (weight.requiresGrad()) {
                tape.accumulate(weight, e.matmul(dy, x.value(), true, false));
            }
            if (bias != null && bias.requiresGrad()) {
                tape.accumulate(bias, e.channelSum(dy));
            }
        });
    }

    /**
     * 2-D convolution {@link TensorEngine#conv2d} of {@code x [N, C, H, W]} with {@code weight [O, C, kH, kW]},
     * plus {@code bias [O]} (or {@code null}) on every position. Backward through
     * {@link TensorEngine#conv2dBackwardInput}, {@link TensorEngine#conv2dBackwardWeight} and
     * {@link TensorEngine#channelSum}.
     */
    public static <T> Variable<T> conv2d(final Variable<T> x, final Variable<T> weight, final Variable<T> bias,
                                         final Conv2dSpec spec) {
        final Tape<T> tape = tapeOf(x);
        final TensorEngine<T> e = tape.engine();
        final T y;
        try (Scope s = e.scope()) {
            final T conv = e.conv2d(x.value(), weight.value(), spec);
            y = s.keep(bias == null ? conv : e.addChannelBias(conv, bias.value()));
        }
        final boolean requiresGrad = x.requiresGrad() || weight.requiresGrad() || bias != null && bias.requiresGrad();
        return tape.record(y, requiresGrad, dy -> {
            if (x.requiresGrad()) {
                tape.accumulate(x, e.conv2dBackwardInput(dy, weight.value(), spec, e.shape(x.value())));
            }
            if (weight.requiresGrad()) {
                tape.accumulate(weight, e.conv2dBackwardWeight(x.value(), dy, spec, e.shape(weight.value())));
            }
            if (bias != null && bias.requiresGrad()) {
                tape.accumulate(bias, e.channelSum(dy));
            }
        });
    }

    /** {@code max(x, 0)}; backward multiplies by the saved mask {@code [x >= 0]}. */
    public static <T> Variable<T> relu(final Variable<T> x) {
        final Tape<T> tape = tapeOf(x);
        final TensorEngine<T> e = tape.engine();
        final TensorEngine.Masked<T> r = e.relu(x.value());
        final T mask = tape.save(r.mask());
        return tape.record(r.values(), x.requiresGrad(), dy -> tape.accumulate(x, e.mulMask(dy, mask)));
    }

    /** Max-pooling ({@link TensorEngine#maxPool2d}); backward routes the gradient by the saved argmax mask. */
    public static <T> Variable<T> maxPool2d(final Variable<T> x, final int kH, final int kW, final int sH,
                                            final int sW) {
        final Tape<T> tape = tapeOf(x);
        final TensorEngine<T> e = tape.engine();
        final TensorEngine.Masked<T> r = e.maxPool2d(x.value(), kH, kW, sH, sW);
        final T mask = tape.save(r.mask());
        final int[] inputShape = e.shape(x.value());
        return tape.record(r.values(), x.requiresGrad(),
            dy -> tape.accumulate(x, e.maxPool2dBackward(dy, mask, inputShape, kH, kW, sH, sW)));
    }

    /** Average pooling ({@link TensorEngine#avgPool2d}). */
    public static <T> Variable<T> avgPool2d(final Variable<T> x, final int kH, final int kW, final int sH,
                                            final int sW) {
        final Tape<T> tape = tapeOf(x);
        final TensorEngine<T> e = tape.engine();
        final int[] inputShape = e.shape(x.value());
        return tape.record(e.avgPool2d(x.value(), kH, kW, sH, sW), x.requiresGrad(),
            dy -> tape.accumulate(x, e.avgPool2dBackward(dy, inputShape, kH, kW, sH, sW)));
    }

    /** A view of {@code x} with {@code shape} (same element count); backward reshapes the gradient back. */
    public static <T> Variable<T> reshape(final Variable<T> x, final int... shape) {
        final Tape<T> tape = tapeOf(x);
        final TensorEngine<T> e = tape.engine();
        final int[] inputShape = e.shape(x.value());
        final int[] outShape = shape.clone();
        return tape.record(e.reshape(x.value(), outShape), x.requiresGrad(),
            dy -> tape.accumulate(x, e.reshape(dy, inputShape)));
    }

    /** {@code x [N, *]} as {@code [N, prod(*)]}. */
    public static <T> Variable<T> flatten(final Variable<T> x) {
        final int[] s = tapeOf(x).engine().shape(x.value());
        if (s.length == 0) {
            throw new IllegalArgumentException("flatten needs a batch axis, shape=[]");
        }
        int features = 1;
        for (int i = 1; i < s.length; i++) {
            features = Math.multiplyExact(features, s[i]);
        }
        return reshape(x, s[0], features);
    }

    private static <T> Tape<T> tapeOf(final Variable<T> x) {
        final Tape<T> tape = x.tape();
        if (tape == null) {
            throw new IllegalArgumentException("the first argument must be an activation on a tape, not a parameter,"
                + " variable=" + x);
        }
        return tape;
    }
}
