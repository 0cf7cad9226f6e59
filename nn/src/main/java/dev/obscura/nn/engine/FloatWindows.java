package dev.obscura.nn.engine;

import dev.obscura.backend.WindowGeometry;
import java.util.Arrays;

/**
 * The plaintext engine's loops over the windows of a {@link WindowGeometry} on {@code float} arrays: im2col and
 * col2im around the convolutions' GEMMs, and the pooling windows. They read the geometry the ring kernels read
 * ({@link dev.obscura.backend.Backend#windowGather}), so a plaintext and a secure layer place their windows alike.
 * Pooling windows have no padding ({@link WindowGeometry#pooling}), so a window at {@code (y, x)} of a plane starts
 * at input element {@code y * sH * W + x * sW} and lies inside the plane. The pooling loops walk the windows
 * directly rather than through a shared visitor: they are the plaintext engine's hot loops, and the same walk with
 * three different bodies costs less to read than an indirection costs to run.
 *
 * <p>Each loop runs split over the cores ({@link ParallelLoops}): im2col and col2im by images, the pooling loops by
 * planes, whose outputs are disjoint.
 */
final class FloatWindows {
    /** Elements (written or read) per range of a split loop, at least: about 20 us of work. */
    static final int GRAIN = 1 << 15;

    private FloatWindows() {
    }

    /**
     * {@code cols[(c*kH + i)*kW + j, s*P + y*outW + x] = input[first + s, c, y*sH + i - pH, x*sW + j - pW]} for the
     * {@code count} images from {@code first} ({@code P = outH * outW}), zeros outside the input: the
     * K x (count*P) matrix whose product with the weight [O, K] is the convolution of those images, as one GEMM.
     */
    static void im2col(final float[] in, final WindowGeometry g, final int first, final int count,
                       final float[] cols) {
        ParallelLoops.forRange(count, imageGrain(g),
            (from, to) -> columns(in, g, first, count, from, to, cols, true));
    }

    /** The adjoint of {@link #im2col}: adds every column entry back to the input position it was read from. */
    static void col2im(final float[] cols, final WindowGeometry g, final int first, final int count,
                       final float[] out) {
        ParallelLoops.forRange(count, imageGrain(g),
            (from, to) -> columns(out, g, first, count, from, to, cols, false));
    }

    /** Images per range of a split im2col: {@link #GRAIN} elements of columns. */
    private static int imageGrain(final WindowGeometry g) {
        return (int) Math.max(1, GRAIN / Math.max(1L, g.planeWindows() * g.channels() * g.windowSize()));
    }

    /**
     * The walk of {@link #im2col} ({@code toColumns}) and {@link #col2im} (otherwise) over images {@code [from, to)}
     * of the {@code count} from {@code firstImage}. For a kernel column {@code j} the output columns whose input column
     * lies inside the image form one range {@code [lo, hi)}, found once per kernel position, so each output row is a
     * plain copy (or add) between two zero fills with no test per element: these rows are short (24 and 8 elements
     * in MnistCnn) and there are 200,000 of them per step.
     */
    private static void columns(final float[] image, final WindowGeometry g, final int firstImage, final int count,
                                final int from, final int to, final float[] cols, final boolean toColumns) {
        final int outW = g.outW();
        final int sW = g.strideW();
        final int p = (int) g.planeWindows();
        final int width = count * p;
        final int plane = g.inH() * g.inW();
        int row = 0;
        for (int c = 0; c < g.channels(); c++) {
            for (int i = 0; i < g.kernelH(); i++) {
                for (int j = 0; j < g.kernelW(); j++, row++) {
                    // ix = x*sW + j - pW must lie in [0, W): x in [lo, hi).
                    final int first = g.padW() - j;
                    final int lo = Math.min(outW, first <= 0 ? 0 : (first + sW - 1) / sW);
                    final int last = g.inW() - 1 + g.padW() - j;
                    final int hi = Math.max(lo, last < 0 ? 0 : Math.min(outW, last / sW + 1));
                    for (int s = from; s < to; s++) {
                        final int planeStart = ((firstImage + s) * g.channels() + c) * plane;
                        int at = row * width + s * p;
                        for (int y = 0; y < g.outH(); y++, at += outW) {
                            final int iy = y * g.strideH() + i - g.padH();
                            if (iy < 0 || iy >= g.inH() || lo == hi) {
                                if (toColumns) {
                                    Arrays.fill(cols, at, at + outW, 0f);
                                }
                                continue;
                            }
                            // Input element of output column x: start + x*sW.
                            final int start = planeStart + iy * g.inW() + j - g.padW();
                            if (toColumns) {
                                // Padding columns only where there are any: a call per row costs more than the row.
                                if (lo > 0) {
                                    Arrays.fill(cols, at, at + lo, 0f);
                                }
                                copyRow(image, start, sW, cols, at, lo, hi);
                                if (hi < outW) {
                                    Arrays.fill(cols, at + hi, at + outW, 0f);
                                }
                            } else {
                                addRow(cols, at, image, start, sW, lo, hi);
                            }
                        }
                    }
                }
            }
        }
    }

    /** {@code dst[at + x] = src[start + x*stride]} for x in [lo, hi). */
    private static void copyRow(final float[] src, final int start, final int stride, final float[] dst,
                                final int at, final int lo, final int hi) {
        if (stride == 1) {
            for (int x = lo; x < hi; x++) {
                dst[at + x] = src[start + x];
            }
        } else {
            for (int x = lo; x < hi; x++) {
                dst[at + x] = src[start + x * stride];
            }
        }
    }

    /** {@code dst[start + x*stride] += src[at + x]} for x in [lo, hi). */
    private static void addRow(final float[] src, final int at, final float[] dst, final int start, final int stride,
                               final int lo, final int hi) {
        if (stride == 1) {
            for (int x = lo; x < hi; x++) {
                dst[start + x] += src[at + x];
            }
        } else {
            for (int x = lo; x < hi; x++) {
                dst[start + x * stride] += src[at + x];
            }
        }
    }

    /**
     * The maximum of each window into {@code values [N, C, outH, outW]} and its one-hot position into
     * {@code mask [N, C, outH, outW, kH*kW]} (zeros on entry); the first maximum in row-major window order wins.
     */
    static void maxPool(final float[] in, final WindowGeometry g, final float[] values, final float[] mask) {
        final int window = g.windowSize();
        final int[] taps = tapOffsets(g);
        ParallelLoops.forRange((int) g.planes(), planeGrain(g), (from, to) -> {
            int at = from * g.outH() * g.outW();
            for (int plane = from; plane < to; plane++) {
                final int base = plane * g.inH() * g.inW();
                for (int y = 0; y < g.outH(); y++) {
                    for (int xo = 0; xo < g.outW(); xo++, at++) {
                        final int corner = base + y * g.strideH() * g.inW() + xo * g.strideW();
                        // The running maximum and its position are picked by integer masks, not branches: which tap
                        // wins is data, a branch on it mispredicts every other window, and C2 turns a float select
                        // into a branch. Same comparison as "if (v > best)": NaN never wins, ties keep the first.
                        float best = in[corner];
                        int bestBits = Float.floatToRawIntBits(best);
                        int bestPos = 0;
                        for (int p = 1; p < window; p++) {
                            final float v = in[corner + taps[p]];
                            final int take = -(v > best ? 1 : 0);
                            bestBits = (Float.floatToRawIntBits(v) & take) | (bestBits & ~take);
                            best = Float.intBitsToFloat(bestBits);
                            bestPos = (p & take) | (bestPos & ~take);
                        }
                        values[at] = best;
                        mask[at * window + bestPos] = 1f;
                    }
                }
            }
        });
    }

    /** The sum of each window times {@code scale}, into {@code out [N, C, outH, outW]}. */
    static void windowSums(final float[] in, final WindowGeometry g, final float scale, final float[] out) {
        final int[] taps = tapOffsets(g);
        ParallelLoops.forRange((int) g.planes(), planeGrain(g), (from, to) -> {
            int at = from * g.outH() * g.outW();
            for (int plane = from; plane < to; plane++) {
                final int base = plane * g.inH() * g.inW();
                for (int y = 0; y < g.outH(); y++) {
                    for (int xo = 0; xo < g.outW(); xo++, at++) {
                        final int corner = base + y * g.strideH() * g.inW() + xo * g.strideW();
                        float sum = 0f;
                        for (int p = 0; p < taps.length; p++) {
                            sum += in[corner + taps[p]];
                        }
                        out[at] = sum * scale;
                    }
                }
            }
        });
    }

    /**
     * Adds {@code gradOut[window] * scale} into {@code gradInput} at every position of its window, times
     * {@code mask[window, position]} when a mask is given (the backward passes of the average-pool and, with the
     * one-hot mask and scale 1, of the max-pool). Overlapping windows add.
     */
    static void scatter(final float[] gradOut, final float[] mask, final float scale, final WindowGeometry g,
                        final float[] gradInput) {
        final int window = g.windowSize();
        final int[] taps = tapOffsets(g);
        ParallelLoops.forRange((int) g.planes(), planeGrain(g), (from, to) -> {
            int at = from * g.outH() * g.outW();
            for (int plane = from; plane < to; plane++) {
                final int base = plane * g.inH() * g.inW();
                for (int y = 0; y < g.outH(); y++) {
                    for (int xo = 0; xo < g.outW(); xo++, at++) {
                        final int corner = base + y * g.strideH() * g.inW() + xo * g.strideW();
                        final float grad = gradOut[at] * scale;
                        if (mask == null) {
                            for (int p = 0; p < window; p++) {
                                gradInput[corner + taps[p]] += grad;
                            }
                        } else {
                            final int row = at * window;
                            for (int p = 0; p < window; p++) {
                                gradInput[corner + taps[p]] += grad * mask[row + p];
                            }
                        }
                    }
                }
            }
        });
    }

    /** Planes per range of a split pooling loop: {@link #GRAIN} input elements. */
    private static int planeGrain(final WindowGeometry g) {
        return Math.max(1, GRAIN / Math.max(1, g.inH() * g.inW()));
    }

    /** The offset of window position {@code p = i*kW + j} from the window's corner in its input plane. */
    private static int[] tapOffsets(final WindowGeometry g) {
        final int[] taps = new int[g.windowSize()];
        for (int i = 0; i < g.kernelH(); i++) {
            for (int j = 0; j < g.kernelW(); j++) {
                taps[i * g.kernelW() + j] = i * g.inW() + j;
            }
        }
        return taps;
    }
}
