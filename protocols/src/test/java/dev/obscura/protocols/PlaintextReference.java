package dev.obscura.protocols;

import dev.obscura.backend.Conv2dSpec;
import dev.obscura.ring.Shapes;

/**
 * The plaintext twin of every operation the conformance harness checks, written as plainly as possible: loops over
 * indices, no tricks. Ring references use exact {@code long} arithmetic ({@link Math#multiplyExact} and
 * {@link Math#addExact}, so a test whose values would overflow fails loudly instead of comparing against a wrapped
 * reference); real references use {@code double}.
 *
 * <p>Every bilinear map is described once, by the list of its terms {@code z[zi] += x[xi] * y[yi]} ({@link Terms}),
 * and that one description gives the exact ring product, the double product, and the number of terms per output
 * element that the error bound needs.
 */
public final class PlaintextReference {
    private PlaintextReference() {
    }

    /** Receives one term {@code z[zi] += x[xi] * y[yi]} of a bilinear map. */
    @FunctionalInterface
    public interface TermConsumer {
        void accept(int zi, int xi, int yi);
    }

    /** A bilinear map given by its terms; {@code zSize} is the number of output elements. */
    public interface Terms {
        int zSize();

        void forEach(TermConsumer c);
    }

    // ------------------------------------------------------------------------------------------- the maps

    /** NumPy-broadcast elementwise product of shapes {@code sx} and {@code sy}. */
    public static Terms broadcastMul(final int[] sx, final int[] sy) {
        final int[] sz = Shapes.broadcast(sx, sy);
        final int[] ix = broadcastSource(sz, sx);
        final int[] iy = broadcastSource(sz, sy);
        return terms(ix.length, c -> {
            for (int z = 0; z < ix.length; z++) {
                c.accept(z, ix[z], iy[z]);
            }
        });
    }

    /**
     * The matrix product of {@link dev.obscura.backend.Backend#matmul}: rank 2, or batched rank 3 with a rank-3 or
     * rank-2 (shared) right-hand side.
     */
    public static Terms matmul(final int[] sx, final int[] sy, final boolean tx, final boolean ty) {
        final int rx = sx.length;
        final int ry = sy.length;
        final int batch = rx == 3 ? sx[0] : 1;
        final int xr = sx[rx - 2];
        final int xc = sx[rx - 1];
        final int yr = sy[ry - 2];
        final int yc = sy[ry - 1];
        final int m = tx ? xc : xr;
        final int k = tx ? xr : xc;
        final int n = ty ? yr : yc;
        final int kY = ty ? yc : yr;
        if (k != kY) {
            throw new IllegalArgumentException("test bug: inner dimensions differ");
        }
        final boolean yBatched = ry == 3;
        return terms(batch * m * n, c -> {
            for (int b = 0; b < batch; b++) {
                final int xBase = b * xr * xc;
                final int yBase = yBatched ? b * yr * yc : 0;
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        final int z = (b * m + i) * n + j;
                        for (int l = 0; l < k; l++) {
                            final int xi = xBase + (tx ? l * xc + i : i * xc + l);
                            final int yi = yBase + (ty ? j * yc + l : l * yc + j);
                            c.accept(z, xi, yi);
                        }
                    }
                }
            }
        });
    }

    /** Shape of the convolution output. */
    public static int[] convOutShape(final int[] input, final int[] weight, final Conv2dSpec spec) {
        return new int[] {input[0], weight[0], spec.outH(input[2], weight[2]), spec.outW(input[3], weight[3])};
    }

    /**
     * Visits every term of the forward convolution as {@code (outIndex, inputIndex, weightIndex)}; zero padding
     * contributes no term.
     */
    private static void convTerms(final int[] in, final int[] w, final Conv2dSpec spec, final TermConsumer c) {
        final int nN = in[0];
        final int cC = in[1];
        final int h = in[2];
        final int wd = in[3];
        final int oO = w[0];
        final int kh = w[2];
        final int kw = w[3];
        final int oh = spec.outH(h, kh);
        final int ow = spec.outW(wd, kw);
        for (int n = 0; n < nN; n++) {
            for (int o = 0; o < oO; o++) {
                for (int y = 0; y < oh; y++) {
                    for (int x = 0; x < ow; x++) {
                        final int out = ((n * oO + o) * oh + y) * ow + x;
                        for (int ch = 0; ch < cC; ch++) {
                            for (int i = 0; i < kh; i++) {
                                final int row = y * spec.strideH() + i - spec.padH();
                                if (row < 0 || row >= h) {
                                    continue;
                                }
                                for (int j = 0; j < kw; j++) {
                                    final int col = x * spec.strideW() + j - spec.padW();
                                    if (col < 0 || col >= wd) {
                                        continue;
                                    }
                                    final int inIdx = ((n * cC + ch) * h + row) * wd + col;
                                    final int wIdx = ((o * cC + ch) * kh + i) * kw + j;
                                    c.accept(out, inIdx, wIdx);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** {@code conv2d(input, weight)}: {@code x} is the input, {@code y} the weight. */
    public static Terms conv2d(final int[] input, final int[] weight, final Conv2dSpec spec) {
        final int size = (int) Shapes.numel(convOutShape(input, weight, spec));
        return terms(size, c -> convTerms(input, weight, spec, c));
    }

    /** Input gradient: {@code x} is gradOut, {@code y} the weight, {@code z} the input-shaped gradient. */
    public static Terms conv2dBackwardInput(final int[] input, final int[] weight, final Conv2dSpec spec) {
        final int size = (int) Shapes.numel(input);
        return terms(size, c -> convTerms(input, weight, spec, (out, in, w) -> c.accept(in, out, w)));
    }

    /** Weight gradient: {@code x} is the input, {@code y} gradOut, {@code z} the weight-shaped gradient. */
    public static Terms conv2dBackwardWeight(final int[] input, final int[] weight, final Conv2dSpec spec) {
        final int size = (int) Shapes.numel(weight);
        return terms(size, c -> convTerms(input, weight, spec, (out, in, w) -> c.accept(w, in, out)));
    }

    private static Terms terms(final int size, final java.util.function.Consumer<TermConsumer> body) {
        return new Terms() {
            @Override
            public int zSize() {
                return size;
            }

            @Override
            public void forEach(final TermConsumer c) {
                body.accept(c);
            }
        };
    }

    // ----------------------------------------------------------------------------------- evaluating the maps

    /** The exact product over the integers (failing on overflow, which would make the reference meaningless). */
    public static long[] exact(final Terms t, final long[] x, final long[] y) {
        final long[] z = new long[t.zSize()];
        t.forEach((zi, xi, yi) -> z[zi] = Math.addExact(z[zi], Math.multiplyExact(x[xi], y[yi])));
        return z;
    }

    /** The same map over the ring, wrapping modulo 2^64 (what the parties' shares add up to). */
    public static long[] wrapping(final Terms t, final long[] x, final long[] y) {
        final long[] z = new long[t.zSize()];
        t.forEach((zi, xi, yi) -> z[zi] += x[xi] * y[yi]);
        return z;
    }

    /** The product in double arithmetic. */
    public static double[] real(final Terms t, final double[] x, final double[] y) {
        final double[] z = new double[t.zSize()];
        t.forEach((zi, xi, yi) -> z[zi] += x[xi] * y[yi]);
        return z;
    }

    /** Per output element, {@code sum over its terms of |x| + |y|}: the input-rounding part of the error bound. */
    public static double[] magnitudeSums(final Terms t, final double[] x, final double[] y) {
        final double[] z = new double[t.zSize()];
        t.forEach((zi, xi, yi) -> z[zi] += Math.abs(x[xi]) + Math.abs(y[yi]));
        return z;
    }

    /** Per output element, {@code sum over its terms of |x * y|}: the scale of the double reference's own error. */
    public static double[] absProducts(final Terms t, final double[] x, final double[] y) {
        final double[] z = new double[t.zSize()];
        t.forEach((zi, xi, yi) -> z[zi] += Math.abs(x[xi] * y[yi]));
        return z;
    }

    /** Number of terms of each output element. */
    public static int[] termCounts(final Terms t) {
        final int[] z = new int[t.zSize()];
        t.forEach((zi, xi, yi) -> z[zi]++);
        return z;
    }

    // ---------------------------------------------------------------------------------- elementwise helpers

    /**
     * For every element of the broadcast {@code outShape}, the flat index of the element of a tensor of
     * {@code srcShape} that NumPy broadcasting reads.
     */
    public static int[] broadcastSource(final int[] outShape, final int[] srcShape) {
        final int n = (int) Shapes.numel(outShape);
        final int rank = outShape.length;
        final int offset = rank - srcShape.length;
        final long[] srcStrides = Shapes.strides(srcShape);
        final int[] out = new int[n];
        final int[] idx = new int[rank];
        for (int flat = 0; flat < n; flat++) {
            int src = 0;
            for (int d = offset; d < rank; d++) {
                final int sd = d - offset;
                if (srcShape[sd] != 1) {
                    src += (int) (idx[d] * srcStrides[sd]);
                }
            }
            out[flat] = src;
            for (int d = rank - 1; d >= 0; d--) {
                if (++idx[d] < outShape[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return out;
    }

    /** Broadcast {@code x + sign * y} over the ring. */
    public static long[] addWrapping(final long[] x, final int[] sx, final long[] y, final int[] sy,
                                     final long sign) {
        final int[] sz = Shapes.broadcast(sx, sy);
        final int[] ix = broadcastSource(sz, sx);
        final int[] iy = broadcastSource(sz, sy);
        final long[] z = new long[ix.length];
        for (int i = 0; i < z.length; i++) {
            z[i] = x[ix[i]] + sign * y[iy[i]];
        }
        return z;
    }

    /** Broadcast {@code x + sign * y} in doubles. */
    public static double[] addReal(final double[] x, final int[] sx, final double[] y, final int[] sy,
                                   final double sign) {
        final int[] sz = Shapes.broadcast(sx, sy);
        final int[] ix = broadcastSource(sz, sx);
        final int[] iy = broadcastSource(sz, sy);
        final double[] z = new double[ix.length];
        for (int i = 0; i < z.length; i++) {
            z[i] = x[ix[i]] + sign * y[iy[i]];
        }
        return z;
    }

    /** Sum over {@code axis} (wrapping), the axis removed. */
    public static long[] sumWrapping(final long[] x, final int[] shape, final int axis) {
        final int ax = axis < 0 ? shape.length + axis : axis;
        int outer = 1;
        for (int d = 0; d < ax; d++) {
            outer *= shape[d];
        }
        int inner = 1;
        for (int d = ax + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        final int len = shape[ax];
        final long[] z = new long[outer * inner];
        for (int o = 0; o < outer; o++) {
            for (int l = 0; l < len; l++) {
                for (int i = 0; i < inner; i++) {
                    z[o * inner + i] += x[(o * len + l) * inner + i];
                }
            }
        }
        return z;
    }

    /** The shape with {@code axis} removed. */
    public static int[] removeAxis(final int[] shape, final int axis) {
        final int ax = axis < 0 ? shape.length + axis : axis;
        final int[] out = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != ax) {
                out[j++] = shape[i];
            }
        }
        return out;
    }
}
