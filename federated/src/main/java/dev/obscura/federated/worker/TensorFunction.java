package dev.obscura.federated.worker;

import dev.obscura.ring.Shapes;
import java.util.Arrays;

/**
 * The functions a worker computes on the tensors it holds, with the shape of each result. The caller checks shapes
 * with {@link #outputShape} before it sends an operation (so a mistake fails at once, naming the shapes), and the
 * worker checks them again before it computes (it trusts no caller). Inputs are tensors; {@code ints} and
 * {@code scalar} are the function's public parameters.
 */
enum TensorFunction {
    /** {@code a + b}, same shapes. */
    ADD(1, 2, 2, 0),
    /** {@code a - b}, same shapes. */
    SUB(2, 2, 2, 0),
    /** {@code a * b} elementwise, same shapes. */
    MUL(3, 2, 2, 0),
    /** {@code a * scalar}. */
    SCALE(4, 1, 1, 0),
    /** {@code a * a} elementwise. */
    SQUARE(5, 1, 1, 0),
    /** The sum of every element, shape {@code []}. */
    SUM(6, 1, 1, 0),
    /** The mean of every element, shape {@code []}. */
    MEAN(7, 1, 1, 0),
    /** Matrix product of {@code [m, k]} and {@code [k, n]}. */
    MATMUL(8, 2, 2, 0),
    /** Transpose of a matrix. */
    TRANSPOSE(9, 1, 1, 0),
    /** The same elements with the shape given in {@code ints}. */
    RESHAPE(10, 1, 1, -1),
    /** {@code max(a, 0)}. */
    RELU(11, 1, 1, 0),
    /** Softmax along the last axis of {@code [N, K]}. */
    SOFTMAX(12, 1, 1, 0),
    /** {@code x [N, in] · weight [out, in]^T + bias [out]} (bias optional). */
    LINEAR(13, 2, 3, 0),
    /**
     * Convolution of {@code [N, C, H, W]} with {@code [O, C, kH, kW]} plus bias {@code [O]} (optional); ints: stride
     * H, stride W, padding H, padding W.
     */
    CONV2D(14, 2, 3, 4),
    /** Max-pooling; ints: kernel, stride. */
    MAX_POOL2D(15, 1, 1, 2),
    /** Average pooling; ints: kernel, stride. */
    AVG_POOL2D(16, 1, 1, 2),
    /** {@code [N, *]} as {@code [N, prod(*)]}. */
    FLATTEN(17, 1, 1, 0),
    /** A copy that tracks no gradient. */
    COPY(18, 1, 1, 0);

    private static final TensorFunction[] BY_CODE = new TensorFunction[32];

    static {
        for (final TensorFunction f : values()) {
            BY_CODE[f.code] = f;
        }
    }

    final int code;
    final int minInputs;
    final int maxInputs;
    /** Number of int parameters, or -1 for any (a shape). */
    final int ints;

    TensorFunction(final int code, final int minInputs, final int maxInputs, final int ints) {
        this.code = code;
        this.minInputs = minInputs;
        this.maxInputs = maxInputs;
        this.ints = ints;
    }

    /** The function with wire code {@code code}. */
    static TensorFunction of(final int code) {
        final TensorFunction f = code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        if (f == null) {
            throw WireReader.malformed("unknown function, code=" + code);
        }
        return f;
    }

    /** Its name in messages: {@code matmul}. */
    String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace("_", "");
    }

    /**
     * The shape of the result for inputs of {@code shapes} and parameters {@code ints}.
     *
     * @throws IllegalArgumentException naming the function and the shapes when they do not fit
     */
    int[] outputShape(final int[][] shapes, final int[] params) {
        if (shapes.length < minInputs || shapes.length > maxInputs) {
            throw new IllegalArgumentException(label() + " takes " + (minInputs == maxInputs ? "" + minInputs
                : minInputs + " to " + maxInputs) + " tensors, got " + shapes.length);
        }
        if (ints >= 0 && params.length != ints) {
            throw new IllegalArgumentException(label() + " takes " + ints + " int parameters, got " + params.length);
        }
        final int[] a = shapes[0];
        return switch (this) {
            case ADD, SUB, MUL -> {
                if (!Arrays.equals(a, shapes[1])) {
                    throw mismatch("needs tensors of the same shape", shapes);
                }
                yield a.clone();
            }
            case SCALE, SQUARE, RELU, COPY -> a.clone();
            case SUM, MEAN -> new int[0];
            case MATMUL -> {
                final int[] b = shapes[1];
                if (a.length != 2 || b.length != 2 || a[1] != b[0]) {
                    throw mismatch("needs [m, k] and [k, n]", shapes);
                }
                yield new int[] {a[0], b[1]};
            }
            case TRANSPOSE -> {
                if (a.length != 2) {
                    throw mismatch("needs a matrix", shapes);
                }
                yield new int[] {a[1], a[0]};
            }
            case RESHAPE -> {
                if (Shapes.numel(a) != numel(params)) {
                    throw new IllegalArgumentException("reshape must keep the element count, shape="
                        + Shapes.toString(a) + ", newShape=" + Arrays.toString(params));
                }
                yield params.clone();
            }
            case SOFTMAX -> {
                if (a.length != 2) {
                    throw mismatch("needs [N, K]", shapes);
                }
                yield a.clone();
            }
            case FLATTEN -> {
                if (a.length < 1) {
                    throw mismatch("needs a batch axis", shapes);
                }
                yield new int[] {a[0], Math.toIntExact(Shapes.numel(a) / Math.max(1, a[0]))};
            }
            case LINEAR -> {
                final int[] w = shapes[1];
                if (a.length != 2 || w.length != 2 || a[1] != w[1]
                    || shapes.length == 3 && !Arrays.equals(shapes[2], new int[] {w[0]})) {
                    throw mismatch("needs x [N, in], weight [out, in] and bias [out]", shapes);
                }
                yield new int[] {a[0], w[0]};
            }
            case CONV2D -> {
                final int[] w = shapes[1];
                if (a.length != 4 || w.length != 4 || a[1] != w[1]
                    || shapes.length == 3 && !Arrays.equals(shapes[2], new int[] {w[0]})) {
                    throw mismatch("needs x [N, C, H, W], weight [O, C, kH, kW] and bias [O]", shapes);
                }
                positive(params);
                final int outH = (a[2] + 2 * params[2] - w[2]) / params[0] + 1;
                final int outW = (a[3] + 2 * params[3] - w[3]) / params[1] + 1;
                if (a[2] + 2 * params[2] < w[2] || a[3] + 2 * params[3] < w[3]) {
                    throw mismatch("has a kernel larger than the padded image", shapes);
                }
                yield new int[] {a[0], w[0], outH, outW};
            }
            case MAX_POOL2D, AVG_POOL2D -> {
                positive(params);
                if (a.length != 4 || a[2] < params[0] || a[3] < params[0]) {
                    throw mismatch("needs [N, C, H, W] of at least the kernel, kernel=" + params[0], shapes);
                }
                yield new int[] {a[0], a[1], (a[2] - params[0]) / params[1] + 1, (a[3] - params[0]) / params[1] + 1};
            }
        };
    }

    private void positive(final int[] params) {
        for (final int p : params) {
            if (p < 0 || p > 1 << 16) {
                throw new IllegalArgumentException(label() + " parameters out of range, params="
                    + Arrays.toString(params));
            }
        }
        if (params[0] < 1 || params[1] < 1) {
            throw new IllegalArgumentException(label() + " needs positive strides and kernels, params="
                + Arrays.toString(params));
        }
    }

    private static long numel(final int[] shape) {
        long n = 1;
        for (final int d : shape) {
            if (d < 0) {
                return -1;
            }
            n *= d;
        }
        return n;
    }

    private IllegalArgumentException mismatch(final String what, final int[][] shapes) {
        final StringBuilder b = new StringBuilder(label()).append(' ').append(what).append(", shapes=");
        for (int i = 0; i < shapes.length; i++) {
            b.append(i == 0 ? "" : " and ").append(Shapes.toString(shapes[i]));
        }
        return new IllegalArgumentException(b.toString());
    }
}
