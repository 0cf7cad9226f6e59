package dev.obscura.nn.engine;

import dev.obscura.ring.Shapes;
import java.util.Arrays;

/**
 * A plaintext {@code float} tensor: a shape and a row-major {@code float[]} of exactly that many elements. The
 * tensor of {@link PlainEngine}. {@link #data()} is the backing array itself (no copy), so kernels and tests read
 * and write it directly; a {@link #reshape} view shares it.
 */
public final class PlainTensor {
    private final int[] shape;
    private final float[] data;

    /**
     * Wraps {@code data} (not copied) with {@code shape}.
     *
     * @throws IllegalArgumentException when the element count of {@code shape} is not {@code data.length}
     */
    public PlainTensor(final float[] data, final int... shape) {
        final long numel = numel(shape);
        if (numel != data.length) {
            throw new IllegalArgumentException("data length must match the shape, length=" + data.length
                + ", shape=" + Shapes.toString(shape));
        }
        this.shape = shape.clone();
        this.data = data;
    }

    /** A new tensor of zeros. */
    public static PlainTensor zeros(final int... shape) {
        final long numel = numel(shape);
        if (numel > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor too large for a float[], shape=" + Shapes.toString(shape));
        }
        return new PlainTensor(new float[(int) numel], shape);
    }

    /** The backing array (no copy). */
    public float[] data() {
        return data;
    }

    /** The shape (a copy). */
    public int[] shape() {
        return shape.clone();
    }

    /** Size of axis {@code axis}. */
    public int dim(final int axis) {
        return shape[axis];
    }

    /** Number of axes. */
    public int rank() {
        return shape.length;
    }

    /** Element count. */
    public int numel() {
        return data.length;
    }

    /** A view with the same data and another shape of the same element count. */
    public PlainTensor reshape(final int... newShape) {
        if (numel(newShape) != data.length) {
            throw new IllegalArgumentException("reshape must keep the element count, shape=" + Shapes.toString(shape)
                + ", newShape=" + Shapes.toString(newShape));
        }
        return new PlainTensor(data, newShape);
    }

    @Override
    public String toString() {
        return "PlainTensor" + Shapes.toString(shape);
    }

    /** Whether {@code other} has the same shape. */
    boolean sameShape(final PlainTensor other) {
        return Arrays.equals(shape, other.shape);
    }

    private static long numel(final int[] shape) {
        long n = 1;
        for (final int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("dimensions must not be negative, shape=" + Shapes.toString(shape));
            }
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("tensor too large for a float[], shape=" + Shapes.toString(shape));
            }
        }
        return n;
    }
}
