package dev.obscura.nn.engine;

import dev.obscura.backend.Conv2dSpec;
import dev.obscura.mpc.Label;
import dev.obscura.mpc.Scope;
import dev.obscura.nn.layers.Conv2d;
import dev.obscura.nn.layers.Linear;
import dev.obscura.nn.layers.ReLU;

/**
 * The tensor operations that the {@code nn} package (layers, autograd, losses, optimiser) is written against, and
 * nothing more: one model definition runs on every implementation. {@link PlainEngine} computes in plaintext
 * {@code float}; a secure engine over {@link dev.obscura.mpc.SecureOps} implements the same operations on secret
 * shares, run SPMD by every party.
 *
 * <h2>Conventions</h2>
 * <ul>
 *   <li>Tensors are dense and row-major; images are {@code [N, C, H, W]} (NCHW), matrices {@code [rows, cols]}.</li>
 *   <li>Every operation returns a new tensor (except {@link #reshape}, a view) and never modifies its arguments.
 *       The new tensor belongs to the innermost open {@link #scope()}, which releases it when it closes unless the
 *       code keeps it, or to the caller when no scope is open. {@link #release} frees a tensor; it is idempotent
 *       (so releasing early inside a scope is fine), releasing a view does nothing, and a view must not be used
 *       after the tensor it comes from is released.</li>
 *   <li>A 0/1 mask (from {@link #relu} and {@link #maxPool2d}) is an ordinary tensor of this engine that holds only
 *       0 and 1; a secure engine keeps it shared (an integer with 0 fractional bits).</li>
 *   <li>Wrong shapes throw {@link IllegalArgumentException} naming them (never a value).</li>
 *   <li>An engine is not thread-safe unless it says so; a secure engine belongs to its party's thread.</li>
 * </ul>
 *
 * <h2>Numbers</h2>
 * Results are exact in the engine's arithmetic up to its rounding: float rounding for {@link PlainEngine}, the
 * fixed-point and approximation error bounds of the protocol suite for a secure engine.
 *
 * @param <T> the engine's tensor type
 */
public interface TensorEngine<T> {

    // ------------------------------------------------------------------------------------------- in and out

    /**
     * A tensor holding {@code values} (row-major, {@code values.length} equal to the product of {@code shape}).
     * Model parameters are initialised in plaintext and enter here, as do inputs, labels and targets; a secure
     * engine secret-shares them and documents which party provides them. The array is not retained.
     */
    T fromFloats(float[] values, int... shape);

    /** A tensor of zeros with {@code shape}. */
    T zeros(int... shape);

    /**
     * The values of {@code t}, row-major, in a new array. A secure engine reveals them to every party (one
     * round), so training code calls this only for what is meant to be public (a loss to print, predictions).
     */
    float[] toFloats(T t);

    /** The shape of {@code t} (a copy). */
    int[] shape(T t);

    /** A view of {@code t} with another shape of the same element count (flatten, unflatten). No copy. */
    T reshape(T t, int... shape);

    /** Releases {@code t} (off-heap shares for a secure engine; nothing for the plaintext one). Idempotent. */
    void release(T t);

    // ------------------------------------------------------------------------------------------------ lifetimes

    /**
     * Opens a scope inside the innermost open one: every tensor this engine makes until it closes belongs to it and
     * is released when it closes, except what the code {@link Scope#keep keeps}. A
     * {@link dev.obscura.nn.autograd.Tape} is such a scope. The plaintext engine's tensors live on the heap, so its
     * scopes release nothing, but they nest and keep alike, so that code written over this interface is right on
     * every engine.
     */
    Scope scope();

    /**
     * Takes {@code t} out of every open scope of this engine: the caller owns it. For what outlives any one
     * computation, model parameters and optimiser state. Returns {@code t}.
     */
    T detach(T t);

    // --------------------------------------------------------------------------------------------------- labels

    /**
     * What this engine computes now, as {@link Labels} composes it ({@code "layer 3 (Conv2d), forward"}): the
     * reports of a secure engine's checked mode name it. Empty when nothing is labelled, and always for an engine
     * that keeps no labels (the default, and {@link PlainEngine}).
     */
    default String label() {
        return "";
    }

    /**
     * Sets the label to {@code text} until the returned {@link Label} is closed, which restores the previous one.
     * {@link dev.obscura.nn.layers.Sequential}, the tape's backward pass, the loss and the optimiser set it; an
     * engine that keeps no labels (the default) ignores it.
     */
    default Label label(final String text) {
        return Label.NONE;
    }

    // --------------------------------------------------------------------------------------------- linear

    /** {@code a + b}, same shapes. */
    T add(T a, T b);

    /** {@code a - b}, same shapes. */
    T sub(T a, T b);

    /** {@code a * c} for a public constant {@code c}. */
    T scale(T a, float c);

    /**
     * {@code x + bias} broadcast along axis 1: {@code x} is {@code [N, C, *]} (rank 2 or more), {@code bias} is
     * {@code [C]}, and {@code out[n, c, ...] = x[n, c, ...] + bias[c]}. The bias of Linear ({@code [N, F]}) and of
     * Conv2d ({@code [N, O, H, W]}).
     */
    T addChannelBias(T x, T bias);

    /**
     * The adjoint of {@link #addChannelBias} for the bias: sums {@code x [N, C, *]} over every axis but axis 1,
     * giving {@code [C]} (the sum over the batch, and over the positions of an image).
     */
    T channelSum(T x);

    /**
     * Matrix product {@code op(a) · op(b)} of rank-2 tensors, where {@code op} transposes when its flag is set:
     * {@code op(a)} is {@code [m, k]}, {@code op(b)} is {@code [k, n]}, the result is {@code [m, n]}.
     */
    T matmul(T a, T b, boolean transposeA, boolean transposeB);

    // ---------------------------------------------------------------------------------------- convolution

    /**
     * 2-D convolution (cross-correlation, as {@link dev.obscura.backend.Backend#conv2d}):
     * {@code out[n, o, y, x] = sum_{c, i, j} input[n, c, y*sH + i - pH, x*sW + j - pW] * weight[o, c, i, j]},
     * reading zeros outside the input. {@code input} is {@code [N, C, H, W]}, {@code weight} {@code [O, C, kH, kW]},
     * the result {@code [N, O, outH, outW]} with {@code outH = (H + 2 pH - kH) / sH + 1} (floor), likewise outW.
     */
    T conv2d(T input, T weight, Conv2dSpec spec);

    /**
     * Gradient of {@link #conv2d} with respect to its input: for {@code gradOut [N, O, outH, outW]} and
     * {@code weight [O, C, kH, kW]}, {@code gradInput[n, c, h, w] = sum gradOut[n, o, y, x] * weight[o, c, i, j]}
     * over every {@code (o, y, x, i, j)} with {@code h = y*sH + i - pH} and {@code w = x*sW + j - pW}. The result
     * has {@code inputShape} ({@code [N, C, H, W]}, whose H and W fix the geometry).
     */
    T conv2dBackwardInput(T gradOut, T weight, Conv2dSpec spec, int... inputShape);

    /**
     * Gradient of {@link #conv2d} with respect to its weight:
     * {@code gradWeight[o, c, i, j] = sum_{n, y, x} gradOut[n, o, y, x] * input[n, c, y*sH + i - pH, x*sW + j - pW]}
     * (zeros outside the input), of {@code weightShape} ({@code [O, C, kH, kW]}).
     */
    T conv2dBackwardWeight(T input, T gradOut, Conv2dSpec spec, int... weightShape);

    // ------------------------------------------------------------------------------------- non-linearities

    /**
     * ReLU with its derivative: {@code values = max(x, 0)} and {@code mask = [x >= 0]} (1 at 0, the convention of
     * {@link dev.obscura.mpc.SecureOps#reluDerivative}), both of {@code x}'s shape.
     */
    Masked<T> relu(T x);

    /** {@code a * mask} elementwise, same shapes, for a 0/1 {@code mask}: the backward pass of ReLU. */
    T mulMask(T a, T mask);

    /**
     * Max-pooling of {@code x [N, C, H, W]} over {@code kH x kW} windows with strides {@code sH, sW}, no padding:
     * {@code outH = (H - kH) / sH + 1} (floor), likewise outW. Returns the values {@code [N, C, outH, outW]} and the
     * one-hot argmax mask {@code [N, C, outH, outW, kH*kW]} (window position {@code i*kW + j}; the first maximum in
     * row-major window order wins ties), as {@link dev.obscura.mpc.SecureOps#maxPool2d}.
     */
    Masked<T> maxPool2d(T x, int kH, int kW, int sH, int sW);

    /**
     * Backward pass of {@link #maxPool2d}: routes {@code gradOut [N, C, outH, outW]} through the one-hot
     * {@code mask}, {@code gradInput[n, c, y*sH + i, x*sW + j] += gradOut[n, c, y, x] * mask[n, c, y, x, i*kW + j]}
     * (overlapping windows add), into a tensor of {@code inputShape} that is zero elsewhere.
     */
    T maxPool2dBackward(T gradOut, T mask, int[] inputShape, int kH, int kW, int sH, int sW);

    /**
     * Average pooling of {@code x [N, C, H, W]}: {@code out[n, c, y, x] = (1 / (kH*kW)) sum_{i, j}
     * x[n, c, y*sH + i, x*sW + j]}, no padding, output size as {@link #maxPool2d}.
     */
    T avgPool2d(T x, int kH, int kW, int sH, int sW);

    /**
     * Backward pass of {@link #avgPool2d}:
     * {@code gradInput[n, c, y*sH + i, x*sW + j] += gradOut[n, c, y, x] / (kH*kW)}, of {@code inputShape}.
     */
    T avgPool2dBackward(T gradOut, int[] inputShape, int kH, int kW, int sH, int sW);

    /**
     * Softmax along the last axis of a rank-2 {@code x [N, K]}: {@code out[n, k] = e^{x[n, k]} / sum_j e^{x[n, j]}}.
     * A secure engine uses its suite's approximation (with the suite's stated error bound).
     */
    T softmax(T x);

    /**
     * A tensor with its 0/1 mask: the values and derivative mask of {@link #relu}, or the pooled values and one-hot
     * argmax mask of {@link #maxPool2d}. The caller owns both.
     *
     * @param values the result
     * @param mask   the 0/1 mask
     * @param <T>    the engine's tensor type
     */
    record Masked<T>(T values, T mask) {
    }
}
