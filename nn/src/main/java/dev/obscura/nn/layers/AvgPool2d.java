package dev.obscura.nn.layers;

import dev.obscura.nn.autograd.Functional;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.TensorEngine;

/**
 * Average pooling of {@code [N, C, H, W]} over {@code kernel x kernel} windows with a stride (no padding; see
 * {@link TensorEngine#avgPool2d}).
 *
 * @param <T> the engine's tensor type
 */
public final class AvgPool2d<T> implements Module<T> {
    private final int kernel;
    private final int stride;

    /** Windows of {@code kernel x kernel}, stepped by {@code stride} on both axes. */
    public AvgPool2d(final int kernel, final int stride) {
        if (kernel < 1 || stride < 1) {
            throw new IllegalArgumentException("kernel and stride must be positive, kernel=" + kernel
                + ", stride=" + stride);
        }
        this.kernel = kernel;
        this.stride = stride;
    }

    /** Non-overlapping windows: stride equal to the kernel (PyTorch's default). */
    public AvgPool2d(final int kernel) {
        this(kernel, kernel);
    }

    /** The window's height and width. */
    public int kernel() {
        return kernel;
    }

    /** The step between windows, on both axes. */
    public int stride() {
        return stride;
    }

    @Override
    public Variable<T> forward(final Variable<T> x) {
        return Functional.avgPool2d(x, kernel, kernel, stride, stride);
    }
}
