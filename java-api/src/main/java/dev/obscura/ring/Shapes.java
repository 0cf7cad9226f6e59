package dev.obscura.ring;

import java.util.Arrays;

/**
 * Shape arithmetic for row-major tensors: element counts, strides and NumPy-style broadcasting.
 *
 * <p>Every tensor in Obscura is dense and row-major; a shape is an {@code int[]} of non-negative dimensions,
 * and the rank-0 shape {@code []} holds one element.
 */
public final class Shapes {
    /** The largest rank any kernel accepts; native kernels size their index arrays by it. */
    public static final int MAX_RANK = 8;

    private Shapes() {
    }

    /**
     * Number of elements of {@code shape}.
     *
     * @throws IllegalArgumentException when a dimension is negative, the rank exceeds {@link #MAX_RANK}
     *                                  or the count overflows a {@code long}
     */
    public static long numel(final int... shape) {
        if (shape.length > MAX_RANK) {
            throw new IllegalArgumentException("rank must be at most " + MAX_RANK + ", rank=" + shape.length);
        }
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new IllegalArgumentException(
                    "dimensions must be non-negative, shape=" + Arrays.toString(shape) + ", axis=" + i);
            }
            n = Math.multiplyExact(n, shape[i]);
        }
        return n;
    }

    /** Row-major strides, in elements, of a contiguous tensor of {@code shape}. */
    public static long[] strides(final int... shape) {
        final long[] strides = new long[shape.length];
        long s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= shape[i];
        }
        return strides;
    }

    /**
     * The NumPy broadcast of two shapes: aligned at the trailing axis, each pair of dimensions must be equal
     * or one of them 1.
     *
     * @throws IllegalArgumentException naming both shapes when they do not broadcast
     */
    public static int[] broadcast(final int[] a, final int[] b) {
        final int rank = Math.max(a.length, b.length);
        final int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            final int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            final int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes do not broadcast, a=" + Arrays.toString(a)
                    + ", b=" + Arrays.toString(b) + ", axis=" + i);
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /**
     * Strides, in elements, with which a contiguous tensor of {@code shape} is read when broadcast to
     * {@code target}: 0 on every axis that is broadcast (or missing), the ordinary stride elsewhere.
     */
    public static long[] broadcastStrides(final int[] shape, final int[] target) {
        final long[] own = strides(shape);
        final long[] out = new long[target.length];
        final int lead = target.length - shape.length;
        for (int i = 0; i < target.length; i++) {
            if (i >= lead && shape[i - lead] == target[i]) {
                out[i] = own[i - lead];
            }
        }
        return out;
    }

    /** Whether two shapes are equal. */
    public static boolean equal(final int[] a, final int[] b) {
        return Arrays.equals(a, b);
    }

    /** {@code "[2, 3]"}. */
    public static String toString(final int... shape) {
        return Arrays.toString(shape);
    }
}
