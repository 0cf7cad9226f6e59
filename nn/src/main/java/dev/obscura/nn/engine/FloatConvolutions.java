package dev.obscura.nn.engine;

import dev.obscura.backend.FloatGemm;
import dev.obscura.backend.WindowGeometry;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The convolutions of {@link PlainEngine}: im2col over the whole batch ({@link FloatWindows#im2col}) and one GEMM,
 * rather than a GEMM per image, which at MnistCnn's sizes (16 x 25 by 25 x 576) is too small to keep a BLAS kernel,
 * let alone its threads, busy. Buffers are kept and reused, so a training step allocates only its results.
 *
 * <p>The backward weight pass needs the im2col of the forward pass's input again. The forward pass keeps it, with a
 * copy of the input it came from, per geometry (one per convolution layer of a network); the backward pass reuses it
 * when its input holds the same values, and recomputes it otherwise. Comparing the input costs one read of it, the
 * im2col it saves writes {@code kH * kW} times as many values.
 *
 * <p>Not thread-safe, like its engine.
 */
final class FloatConvolutions {
    /** The most floats of im2col matrix one GEMM works on (64 MiB), bounding the buffers' size. */
    static final long MAX_COLUMN_FLOATS = 1L << 24;
    /** Geometries whose forward im2col is kept; MnistCnn has two. */
    private static final int SAVED_GEOMETRIES = 4;

    private final FloatGemm gemm;
    private final long maxColumnFloats;
    private final Map<WindowGeometry, Columns> saved = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(final Map.Entry<WindowGeometry, Columns> eldest) {
            return size() > SAVED_GEOMETRIES;
        }
    };
    private float[] cols = new float[0];
    private float[] product = new float[0];
    private float[] weights = new float[0];

    /** Convolutions on {@code gemm}, one GEMM per {@code maxColumnFloats} floats of im2col matrix at most. */
    FloatConvolutions(final FloatGemm gemm, final long maxColumnFloats) {
        this.gemm = gemm;
        this.maxColumnFloats = maxColumnFloats;
    }

    /** The im2col matrix of one forward pass and a copy of the input it was made from. */
    private static final class Columns {
        float[] input = new float[0];
        float[] cols = new float[0];
        boolean valid;
    }

    /** {@code out [N, O, P] = weight [O, K] · im2col(input)}, per group of images. */
    void forward(final float[] input, final float[] weight, final WindowGeometry g, final int o, final float[] out) {
        final int k = patch(g);
        final int p = Math.toIntExact(g.planeWindows());
        final int group = imagesPerGemm(k, p, g.batch(), maxColumnFloats);
        final Columns keep = group == g.batch() ? saved.computeIfAbsent(g, key -> new Columns()) : null;
        for (int first = 0; first < g.batch(); first += group) {
            final int count = Math.min(group, g.batch() - first);
            final int width = count * p;
            final float[] buf;
            if (keep != null) {
                keep.valid = false;
                keep.cols = grow(keep.cols, k * width);
                keep.input = grow(keep.input, input.length);
                buf = keep.cols;
            } else {
                buf = cols(k * width);
            }
            FloatWindows.im2col(input, g, first, count, buf);
            final float[] result = product(o * width);
            // result [O, count*P] = weight [O, K] · cols [K, count*P], then out[first + s, o] = result[o, s].
            gemm.gemm(false, false, o, width, k, weight, 0, k, buf, 0, width, result, 0, width, false);
            swapOuterAxes(result, 0, o, count, p, out, first * o * p);
        }
        if (keep != null) {
            System.arraycopy(input, 0, keep.input, 0, input.length);
            keep.valid = true;
        }
    }

    /** {@code gradInput [N, C, H, W] = col2im(weight^T [K, O] · gradOut)}, into zeros. */
    void backwardInput(final float[] gradOut, final float[] weight, final WindowGeometry g, final int o,
                       final float[] gradInput) {
        final int k = patch(g);
        final int p = Math.toIntExact(g.planeWindows());
        final int group = imagesPerGemm(k, p, g.batch(), maxColumnFloats);
        for (int first = 0; first < g.batch(); first += group) {
            final int count = Math.min(group, g.batch() - first);
            final int width = count * p;
            final float[] grad = product(o * width);
            final float[] buf = cols(k * width);
            swapOuterAxes(gradOut, first * o * p, count, o, p, grad, 0);
            // cols [K, count*P] = weight^T [K, O] · grad [O, count*P]
            gemm.gemm(true, false, k, width, o, weight, 0, k, grad, 0, width, buf, 0, width, false);
            FloatWindows.col2im(buf, g, first, count, gradInput);
        }
    }

    /**
     * {@code gradWeight [O, K] = gradOut [O, N*P] · im2col(input)^T}, computed as its transpose
     * {@code im2col(input) [K, N*P] · gradOut^T} and transposed back (K x O is small): OpenBLAS runs a product with
     * K rows much faster than one with O = 16 rows (MnistCnn's second layer, 400 x 16 x 4096 against 16 x 400 x
     * 4096: 0.65 against 1.05 ms with OpenBLAS 0.3.31's Haswell kernels on Zen 5, 0.40 against 0.90 with its
     * SkylakeX ones).
     */
    void backwardWeight(final float[] input, final float[] gradOut, final WindowGeometry g, final int o,
                        final float[] gradWeight) {
        final int k = patch(g);
        final int p = Math.toIntExact(g.planeWindows());
        final int group = imagesPerGemm(k, p, g.batch(), maxColumnFloats);
        final Columns kept = group == g.batch() ? saved.get(g) : null;
        final boolean reuse = kept != null && kept.valid && kept.input.length >= input.length
            && Arrays.equals(kept.input, 0, input.length, input, 0, input.length);
        final float[] transposed = weights(k * o);
        for (int first = 0; first < g.batch(); first += group) {
            final int count = Math.min(group, g.batch() - first);
            final int width = count * p;
            final float[] grad = product(o * width);
            swapOuterAxes(gradOut, first * o * p, count, o, p, grad, 0);
            final float[] buf;
            if (reuse) {
                buf = kept.cols;
            } else {
                buf = cols(k * width);
                FloatWindows.im2col(input, g, first, count, buf);
            }
            // transposed [K, O] += cols [K, count*P] · grad^T [count*P, O]
            gemm.gemm(false, true, k, o, width, buf, 0, width, grad, 0, width, transposed, 0, o, first > 0);
        }
        for (int r = 0; r < o; r++) {
            for (int c = 0; c < k; c++) {
                gradWeight[r * k + c] = transposed[c * o + r];
            }
        }
    }

    /** Rows of a convolution's im2col matrix, {@code C * kH * kW}. */
    private static int patch(final WindowGeometry g) {
        return Math.multiplyExact(g.channels(), g.windowSize());
    }

    /**
     * How many images one GEMM takes: all of them, unless their im2col matrix would pass {@code limit} floats (a test
     * pass at a large batch), then as many as fit, at least one.
     */
    private static int imagesPerGemm(final int patch, final int positions, final int batch, final long limit) {
        final long perImage = Math.max(1L, (long) patch * positions);
        return (int) Math.max(1, Math.min(batch, limit / perImage));
    }

    /**
     * {@code dst[dstOff + (b*A + a)*inner + e] = src[srcOff + (a*B + b)*inner + e]}: the two outer axes of an
     * [A, B, inner] block swapped, between a convolution's per-image layout [N, O, P] and its GEMM's [O, N*P].
     */
    private static void swapOuterAxes(final float[] src, final int srcOff, final int outer, final int middle,
                                      final int inner, final float[] dst, final int dstOff) {
        ParallelLoops.forRange(outer, Math.max(1, FloatWindows.GRAIN / Math.max(1, middle * inner)), (from, to) -> {
            for (int a = from; a < to; a++) {
                for (int b = 0; b < middle; b++) {
                    System.arraycopy(src, srcOff + (a * middle + b) * inner, dst, dstOff + (b * outer + a) * inner,
                        inner);
                }
            }
        });
    }

    private float[] cols(final int size) {
        cols = grow(cols, size);
        return cols;
    }

    private float[] product(final int size) {
        product = grow(product, size);
        return product;
    }

    private float[] weights(final int size) {
        weights = grow(weights, size);
        return weights;
    }

    private static float[] grow(final float[] buffer, final int size) {
        return buffer.length >= size ? buffer : new float[size];
    }
}
