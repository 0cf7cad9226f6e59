package dev.obscura.mpc;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Conv2dSpec;
import dev.obscura.ring.RingTensor;
import dev.obscura.ring.Shapes;
import java.util.Arrays;

/**
 * A bilinear map {@code (x, y) -> op(x, y)} over the ring with fixed operand shapes: elementwise product, matrix
 * product (with transposes and batching), 2-D convolution and its two backward convolutions. It is the typed
 * description that {@link SecurePrimitives#multiply} takes, so that one product routine serves them all (as
 * CrypTen's {@code beaver.py} does); the additive suite's dealer shapes its Beaver triple for the map itself, so a
 * convolution triple costs the convolution's operands, not an elementwise triple per multiplication.
 *
 * @param kind   which map
 * @param shapeX shape of the left operand
 * @param shapeY shape of the right operand
 * @param shapeZ shape of the result
 * @param transX matmul: transpose the left operand
 * @param transY matmul: transpose the right operand
 * @param spec   convolutions: stride and padding (null otherwise)
 */
public record Bilinear(Kind kind, int[] shapeX, int[] shapeY, int[] shapeZ, boolean transX, boolean transY,
                       Conv2dSpec spec) {

    /** The maps. */
    public enum Kind {
        /** Elementwise product of two tensors of one shape. */
        MUL,
        /** Matrix product, optionally transposed or batched. */
        MATMUL,
        /** 2-D convolution of an input with a weight. */
        CONV2D,
        /** Gradient of a convolution with respect to its input. */
        CONV2D_BACKWARD_INPUT,
        /** Gradient of a convolution with respect to its weight. */
        CONV2D_BACKWARD_WEIGHT
    }

    /** Elementwise product of two tensors of {@code shape}. */
    public static Bilinear mul(final int... shape) {
        return new Bilinear(Kind.MUL, shape.clone(), shape.clone(), shape.clone(), false, false, null);
    }

    /** Matrix product with the shapes and flags of {@link Backend#matmul}. */
    public static Bilinear matmul(final int[] x, final int[] y, final boolean transX, final boolean transY) {
        if (x.length < 2 || x.length > 3 || y.length < 2 || y.length > 3 || y.length > x.length) {
            throw new IllegalArgumentException("matmul needs rank-2 or batched rank-3 operands, x="
                + Shapes.toString(x) + ", y=" + Shapes.toString(y));
        }
        final int rx = x.length;
        final int ry = y.length;
        final int m = transX ? x[rx - 1] : x[rx - 2];
        final int kx = transX ? x[rx - 2] : x[rx - 1];
        final int ky = transY ? y[ry - 1] : y[ry - 2];
        final int n = transY ? y[ry - 2] : y[ry - 1];
        if (kx != ky || (ry == 3 && y[0] != x[0])) {
            throw new IllegalArgumentException("matmul shapes do not match, x=" + Shapes.toString(x) + ", y="
                + Shapes.toString(y) + ", transX=" + transX + ", transY=" + transY);
        }
        final int[] z = rx == 3 ? new int[] {x[0], m, n} : new int[] {m, n};
        return new Bilinear(Kind.MATMUL, x.clone(), y.clone(), z, transX, transY, null);
    }

    /** Convolution of {@code input [N,C,H,W]} with {@code weight [O,C,kH,kW]}. */
    public static Bilinear conv2d(final int[] input, final int[] weight, final Conv2dSpec spec) {
        checkConv(input, weight);
        final int[] z = {input[0], weight[0], spec.outH(input[2], weight[2]), spec.outW(input[3], weight[3])};
        return new Bilinear(Kind.CONV2D, input.clone(), weight.clone(), z, false, false, spec);
    }

    /** Input gradient: {@code (gradOut, weight) -> gradInput of inputShape}. */
    public static Bilinear conv2dBackwardInput(final int[] gradOut, final int[] weight, final Conv2dSpec spec,
                                               final int[] inputShape) {
        checkGradOut(inputShape, weight, spec, gradOut);
        return new Bilinear(Kind.CONV2D_BACKWARD_INPUT, gradOut.clone(), weight.clone(), inputShape.clone(), false,
            false, spec);
    }

    /** Weight gradient: {@code (input, gradOut) -> gradWeight of weightShape}. */
    public static Bilinear conv2dBackwardWeight(final int[] input, final int[] gradOut, final Conv2dSpec spec,
                                                final int[] weightShape) {
        checkGradOut(input, weightShape, spec, gradOut);
        return new Bilinear(Kind.CONV2D_BACKWARD_WEIGHT, input.clone(), gradOut.clone(), weightShape.clone(), false,
            false, spec);
    }

    /** Checks that {@code gradOut} has the shape of the forward convolution's output. */
    private static void checkGradOut(final int[] input, final int[] weight, final Conv2dSpec spec,
                                     final int[] gradOut) {
        checkConv(input, weight);
        final Bilinear forward = conv2d(input, weight, spec);
        if (!Arrays.equals(forward.shapeZ, gradOut)) {
            throw new IllegalArgumentException("gradOut must have the forward output's shape, gradOut="
                + Shapes.toString(gradOut) + ", expected=" + Shapes.toString(forward.shapeZ));
        }
    }

    private static void checkConv(final int[] input, final int[] weight) {
        if (input.length != 4 || weight.length != 4 || input[1] != weight[1]) {
            throw new IllegalArgumentException("conv2d needs input [N,C,H,W] and weight [O,C,kH,kW], input="
                + Shapes.toString(input) + ", weight=" + Shapes.toString(weight));
        }
    }

    /**
     * The most products that one element of the result sums: 1 for the elementwise product, the inner dimension
     * of a matrix product, {@code C kH kW} for a convolution, {@code O kH kW} for its input gradient and
     * {@code N outH outW} for its weight gradient. With it, {@code terms() max|x| max|y|} bounds every element of
     * the exact (integer, not modular) result; checked mode uses the bound to skip its exact recomputation.
     */
    public long terms() {
        return switch (kind) {
            case MUL -> 1;
            case MATMUL -> transX ? shapeX[shapeX.length - 2] : shapeX[shapeX.length - 1];
            case CONV2D -> (long) shapeY[1] * shapeY[2] * shapeY[3];
            case CONV2D_BACKWARD_INPUT, CONV2D_BACKWARD_WEIGHT -> (long) shapeY[0] * shapeY[2] * shapeY[3];
        };
    }

    /** {@code out = op(x, y)}. */
    public void apply(final Backend be, final RingTensor x, final RingTensor y, final RingTensor out) {
        switch (kind) {
            case MUL -> be.mul(x, y, out);
            case MATMUL -> be.matmul(x, y, out, transX, transY);
            case CONV2D -> be.conv2d(x, y, spec, out);
            case CONV2D_BACKWARD_INPUT -> be.conv2dBackwardInput(x, y, spec, out);
            case CONV2D_BACKWARD_WEIGHT -> be.conv2dBackwardWeight(x, y, spec, out);
            default -> throw new IllegalStateException("unknown kind " + kind);
        }
    }

    /** Wire form: kind, flags, spec, then the three shapes each preceded by its rank. */
    public int[] encode() {
        final int[] out = new int[7 + 3 + shapeX.length + shapeY.length + shapeZ.length];
        int i = 0;
        out[i++] = kind.ordinal();
        out[i++] = transX ? 1 : 0;
        out[i++] = transY ? 1 : 0;
        out[i++] = spec == null ? 0 : spec.strideH();
        out[i++] = spec == null ? 0 : spec.strideW();
        out[i++] = spec == null ? 0 : spec.padH();
        out[i++] = spec == null ? 0 : spec.padW();
        for (final int[] s : new int[][] {shapeX, shapeY, shapeZ}) {
            out[i++] = s.length;
            for (final int d : s) {
                out[i++] = d;
            }
        }
        return out;
    }

    /** Inverse of {@link #encode()}, re-validating the shapes. */
    public static Bilinear decode(final int[] p) {
        if (p.length < 10 || p[0] < 0 || p[0] >= Kind.values().length) {
            throw new IllegalArgumentException("malformed bilinear request, length=" + p.length);
        }
        final Kind kind = Kind.values()[p[0]];
        int i = 7;
        final int[][] shapes = new int[3][];
        for (int s = 0; s < 3; s++) {
            if (i >= p.length || p[i] < 0 || p[i] > Shapes.MAX_RANK || i + 1 + p[i] > p.length) {
                throw new IllegalArgumentException("malformed bilinear request shapes");
            }
            shapes[s] = Arrays.copyOfRange(p, i + 1, i + 1 + p[i]);
            i += 1 + p[i];
        }
        final Conv2dSpec spec = kind == Kind.MUL || kind == Kind.MATMUL ? null
            : new Conv2dSpec(p[3], p[4], p[5], p[6]);
        final Bilinear b = switch (kind) {
            case MUL -> mul(shapes[0]);
            case MATMUL -> matmul(shapes[0], shapes[1], p[1] != 0, p[2] != 0);
            case CONV2D -> conv2d(shapes[0], shapes[1], spec);
            case CONV2D_BACKWARD_INPUT -> conv2dBackwardInput(shapes[0], shapes[1], spec, shapes[2]);
            case CONV2D_BACKWARD_WEIGHT -> conv2dBackwardWeight(shapes[0], shapes[1], spec, shapes[2]);
        };
        if (!Arrays.equals(b.shapeZ, shapes[2])) {
            throw new IllegalArgumentException("malformed bilinear request: result shape does not match");
        }
        return b;
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof Bilinear b && Arrays.equals(encode(), b.encode());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encode());
    }

    @Override
    public String toString() {
        return kind + Shapes.toString(shapeX) + "x" + Shapes.toString(shapeY) + "->" + Shapes.toString(shapeZ);
    }
}
