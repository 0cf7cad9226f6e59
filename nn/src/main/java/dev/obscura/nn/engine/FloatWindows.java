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
 */
final class FloatWindows {
    private FloatWindows() {
    }

    /**
     * {@code cols[(c*kH + i)*kW + j, y*outW + x] = input[c, y*sH + i - pH, x*sW + j - pW]} for one image starting at
     * {@code inOff}, zeros outside the input: the K x P matrix whose product with the weight [O, K] is the
     * convolution.
     */
    static void im2col(final float[] in, final int inOff, final WindowGeometry g, final float[] cols) {
        columns(in, inOff, g, cols, true);
    }

    /** The adjoint of {@link #im2col}: adds every column entry back to the input position it was read from. */
    static void col2im(final float[] cols, final WindowGeometry g, final float[] out, final int outOff) {
        columns(out, outOff, g, cols, false);
    }

    /** The walk of {@link #im2col} ({@code toColumns}) and {@link #col2im} (otherwise) over one image. */
    private static void columns(final float[] image, final int offset, final WindowGeometry g, final float[] cols,
                                final boolean toColumns) {
        final int p = (int) g.planeWindows();
        int row = 0;
        for (int c = 0; c < g.channels(); c++) {
            final int plane = offset + c * g.inH() * g.inW();
            for (int i = 0; i < g.kernelH(); i++) {
                for (int j = 0; j < g.kernelW(); j++, row++) {
                    int at = row * p;
                    for (int y = 0; y < g.outH(); y++) {
                        final int iy = y * g.strideH() + i - g.padH();
                        if (iy < 0 || iy >= g.inH()) {
                            if (toColumns) {
                                Arrays.fill(cols, at, at + g.outW(), 0f);
                            }
                            at += g.outW();
                            continue;
                        }
                        final int rowStart = plane + iy * g.inW();
                        for (int x = 0; x < g.outW(); x++, at++) {
                            final int ix = x * g.strideW() + j - g.padW();
                            final boolean inside = ix >= 0 && ix < g.inW();
                            if (toColumns) {
                                cols[at] = inside ? image[rowStart + ix] : 0f;
                            } else if (inside) {
                                image[rowStart + ix] += cols[at];
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The maximum of each window into {@code values [N, C, outH, outW]} and its one-hot position into
     * {@code mask [N, C, outH, outW, kH*kW]} (zeros on entry); the first maximum in row-major window order wins.
     */
    static void maxPool(final float[] in, final WindowGeometry g, final float[] values, final float[] mask) {
        final int window = g.windowSize();
        final int planes = (int) g.planes();
        final int w = g.inW();
        int at = 0;
        for (int plane = 0; plane < planes; plane++) {
            final int base = plane * g.inH() * w;
            for (int y = 0; y < g.outH(); y++) {
                for (int xo = 0; xo < g.outW(); xo++, at++) {
                    final int corner = base + y * g.strideH() * w + xo * g.strideW();
                    float best = in[corner];
                    int bestPos = 0;
                    for (int i = 0; i < g.kernelH(); i++) {
                        for (int j = 0; j < g.kernelW(); j++) {
                            final float v = in[corner + i * w + j];
                            if (v > best) {
                                best = v;
                                bestPos = i * g.kernelW() + j;
                            }
                        }
                    }
                    values[at] = best;
                    mask[at * window + bestPos] = 1f;
                }
            }
        }
    }

    /** The sum of each window times {@code scale}, into {@code out [N, C, outH, outW]}. */
    static void windowSums(final float[] in, final WindowGeometry g, final float scale, final float[] out) {
        final int planes = (int) g.planes();
        final int w = g.inW();
        int at = 0;
        for (int plane = 0; plane < planes; plane++) {
            final int base = plane * g.inH() * w;
            for (int y = 0; y < g.outH(); y++) {
                for (int xo = 0; xo < g.outW(); xo++, at++) {
                    final int corner = base + y * g.strideH() * w + xo * g.strideW();
                    float sum = 0f;
                    for (int i = 0; i < g.kernelH(); i++) {
                        for (int j = 0; j < g.kernelW(); j++) {
                            sum += in[corner + i * w + j];
                        }
                    }
                    out[at] = sum * scale;
                }
            }
        }
    }

    /**
     * Adds {@code gradOut[window] * scale} into {@code gradInput} at every position of its window, times
     * {@code mask[window, position]} when a mask is given (the backward passes of the average-pool and, with the
     * one-hot mask and scale 1, of the max-pool). Overlapping windows add.
     */
    static void scatter(final float[] gradOut, final float[] mask, final float scale, final WindowGeometry g,
                        final float[] gradInput) {
        final int window = g.windowSize();
        final int planes = (int) g.planes();
        final int w = g.inW();
        int at = 0;
        for (int plane = 0; plane < planes; plane++) {
            final int base = plane * g.inH() * w;
            for (int y = 0; y < g.outH(); y++) {
                for (int xo = 0; xo < g.outW(); xo++, at++) {
                    final int corner = base + y * g.strideH() * w + xo * g.strideW();
                    final float grad = gradOut[at] * scale;
                    for (int i = 0; i < g.kernelH(); i++) {
                        for (int j = 0; j < g.kernelW(); j++) {
                            gradInput[corner + i * w + j] += mask == null ? grad
                                : grad * mask[at * window + i * g.kernelW() + j];
                        }
                    }
                }
            }
        }
    }
}
