package dev.obscura.nn.engine;

import dev.obscura.backend.Conv2dSpec;
import dev.obscura.backend.FloatGemm;
import dev.obscura.backend.FloatGemms;
import dev.obscura.backend.JavaFloatGemm;
import dev.obscura.backend.WindowGeometry;
import dev.obscura.backend.WindowLayout;
import dev.obscura.mpc.Scope;
import dev.obscura.ring.Shapes;
import java.util.Objects;

/**
 * The plaintext {@link TensorEngine}: {@code float} tensors ({@link PlainTensor}), matrix products by a
 * {@link FloatGemm} (the one {@link FloatGemms} picks unless another is given: OpenBLAS where it loads, else
 * {@link JavaFloatGemm}) and convolutions as im2col followed by one GEMM for the whole batch
 * ({@code FloatConvolutions}), with buffers kept and reused, so a training step allocates only its results. Windows
 * (of convolutions and poolings) are placed by the {@link WindowGeometry} the secure engine's backend kernels use,
 * and walked by float loops ({@code FloatWindows}). The elementwise and window loops run split over the cores
 * ({@code ParallelLoops}), and so do the GEMMs ({@code CoreSplitGemm}); no loop's result depends on the split.
 *
 * <p>Not thread-safe (the convolutions' buffers are per instance): one engine per thread.
 */
public final class PlainEngine implements TensorEngine<PlainTensor> {
    private final FloatGemm gemm;
    /** Heap tensors need no release: the scopes only nest, keep and own. */
    private final Scope.Stack scopes = new Scope.Stack(t -> { });
    private final FloatConvolutions convolutions;

    /** An engine with the GEMM {@link FloatGemms#create()} picks. */
    public PlainEngine() {
        this(FloatGemms.create());
    }

    /** An engine whose matrix products and convolutions run on {@code gemm}. */
    public PlainEngine(final FloatGemm gemm) {
        this(gemm, FloatConvolutions.MAX_COLUMN_FLOATS);
    }

    /** An engine whose convolution GEMMs take at most {@code maxColumnFloats} floats of im2col matrix (tests). */
    PlainEngine(final FloatGemm gemm, final long maxColumnFloats) {
        this.gemm = new CoreSplitGemm(Objects.requireNonNull(gemm, "gemm"));
        this.convolutions = new FloatConvolutions(this.gemm, maxColumnFloats);
    }

    /** The name of the GEMM behind the matrix products and convolutions, for example {@code "openblas"}. */
    public String gemmName() {
        return gemm.name();
    }

    // ------------------------------------------------------------------------------------------- in and out

    @Override
    public PlainTensor fromFloats(final float[] values, final int... shape) {
        return new PlainTensor(values.clone(), shape);
    }

    @Override
    public PlainTensor zeros(final int... shape) {
        return PlainTensor.zeros(shape);
    }

    @Override
    public float[] toFloats(final PlainTensor t) {
        return t.data().clone();
    }

    @Override
    public int[] shape(final PlainTensor t) {
        return t.shape();
    }

    @Override
    public PlainTensor reshape(final PlainTensor t, final int... shape) {
        return t.reshape(shape);
    }

    @Override
    public void release(final PlainTensor t) {
        // Heap memory: the garbage collector frees it.
    }

    @Override
    public Scope scope() {
        return scopes.open();
    }

    @Override
    public PlainTensor detach(final PlainTensor t) {
        return scopes.detach(t);
    }

    // --------------------------------------------------------------------------------------------- linear

    @Override
    public PlainTensor add(final PlainTensor a, final PlainTensor b) {
        requireSameShape(a, b, "add");
        final float[] x = a.data();
        final float[] y = b.data();
        final float[] out = new float[x.length];
        ParallelLoops.forRange(out.length, FloatWindows.GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                out[i] = x[i] + y[i];
            }
        });
        return new PlainTensor(out, a.shape());
    }

    @Override
    public PlainTensor sub(final PlainTensor a, final PlainTensor b) {
        requireSameShape(a, b, "sub");
        final float[] x = a.data();
        final float[] y = b.data();
        final float[] out = new float[x.length];
        ParallelLoops.forRange(out.length, FloatWindows.GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                out[i] = x[i] - y[i];
            }
        });
        return new PlainTensor(out, a.shape());
    }

    @Override
    public PlainTensor scale(final PlainTensor a, final float c) {
        final float[] x = a.data();
        final float[] out = new float[x.length];
        ParallelLoops.forRange(out.length, FloatWindows.GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                out[i] = x[i] * c;
            }
        });
        return new PlainTensor(out, a.shape());
    }

    @Override
    public PlainTensor addChannelBias(final PlainTensor x, final PlainTensor bias) {
        final int channels = requireChannelBias(x, bias);
        final int n = x.dim(0);
        final int inner = x.numel() / Math.max(1, n * channels);
        final float[] in = x.data();
        final float[] b = bias.data();
        final float[] out = new float[in.length];
        // Over the (image, channel) blocks, each with its one bias value.
        ParallelLoops.forRange(n * channels, Math.max(1, FloatWindows.GRAIN / Math.max(1, inner)), (from, to) -> {
            for (int block = from; block < to; block++) {
                final float bc = b[block % channels];
                for (int e = block * inner, end = e + inner; e < end; e++) {
                    out[e] = in[e] + bc;
                }
            }
        });
        return new PlainTensor(out, x.shape());
    }

    @Override
    public PlainTensor channelSum(final PlainTensor x) {
        if (x.rank() < 2) {
            throw new IllegalArgumentException("channelSum needs [N, C, *], shape=" + Shapes.toString(x.shape()));
        }
        final int n = x.dim(0);
        final int channels = x.dim(1);
        final int inner = x.numel() / Math.max(1, n * channels);
        final float[] in = x.data();
        final double[] acc = new double[channels];
        // Split by channels: each channel still sums its images in order, so the split changes no bit.
        ParallelLoops.forRange(channels, Math.max(1, FloatWindows.GRAIN / Math.max(1, n * inner)), (from, to) -> {
            for (int s = 0; s < n; s++) {
                for (int c = from; c < to; c++) {
                    double sum = 0;
                    for (int e = (s * channels + c) * inner, end = e + inner; e < end; e++) {
                        sum += in[e];
                    }
                    acc[c] += sum;
                }
            }
        });
        final float[] out = new float[channels];
        for (int c = 0; c < channels; c++) {
            out[c] = (float) acc[c];
        }
        return new PlainTensor(out, channels);
    }

    @Override
    public PlainTensor matmul(final PlainTensor a, final PlainTensor b, final boolean transposeA,
                              final boolean transposeB) {
        if (a.rank() != 2 || b.rank() != 2) {
            throw new IllegalArgumentException("matmul needs rank-2 tensors, a=" + Shapes.toString(a.shape())
                + ", b=" + Shapes.toString(b.shape()));
        }
        final int m = transposeA ? a.dim(1) : a.dim(0);
        final int k = transposeA ? a.dim(0) : a.dim(1);
        final int kb = transposeB ? b.dim(1) : b.dim(0);
        final int n = transposeB ? b.dim(0) : b.dim(1);
        if (k != kb) {
            throw new IllegalArgumentException("matmul inner dimensions differ, a=" + Shapes.toString(a.shape())
                + ", b=" + Shapes.toString(b.shape()) + ", transposeA=" + transposeA + ", transposeB=" + transposeB);
        }
        final PlainTensor out = PlainTensor.zeros(m, n);
        gemm.gemm(transposeA, transposeB, m, n, k, a.data(), 0, a.dim(1), b.data(), 0, b.dim(1),
            out.data(), 0, n, false);
        return out;
    }

    // ---------------------------------------------------------------------------------------- convolution

    @Override
    public PlainTensor conv2d(final PlainTensor input, final PlainTensor weight, final Conv2dSpec spec) {
        final WindowGeometry g = WindowGeometry.convolution("conv2d", input.shape(), weight.shape(), spec);
        final int o = weight.dim(0);
        final PlainTensor out = PlainTensor.zeros(g.outputShape(o));
        convolutions.forward(input.data(), weight.data(), g, o, out.data());
        return out;
    }

    @Override
    public PlainTensor conv2dBackwardInput(final PlainTensor gradOut, final PlainTensor weight,
                                           final Conv2dSpec spec, final int... inputShape) {
        final WindowGeometry g = WindowGeometry.convolution("conv2dBackwardInput", inputShape, weight.shape(), spec);
        final int o = weight.dim(0);
        g.requireOutputShape("conv2dBackwardInput", "gradOut", gradOut.shape(), o);
        final PlainTensor gradInput = PlainTensor.zeros(inputShape);
        convolutions.backwardInput(gradOut.data(), weight.data(), g, o, gradInput.data());
        return gradInput;
    }

    @Override
    public PlainTensor conv2dBackwardWeight(final PlainTensor input, final PlainTensor gradOut,
                                            final Conv2dSpec spec, final int... weightShape) {
        final WindowGeometry g = WindowGeometry.convolution("conv2dBackwardWeight", input.shape(), weightShape, spec);
        final int o = weightShape[0];
        g.requireOutputShape("conv2dBackwardWeight", "gradOut", gradOut.shape(), o);
        final PlainTensor gradWeight = PlainTensor.zeros(weightShape);
        convolutions.backwardWeight(input.data(), gradOut.data(), g, o, gradWeight.data());
        return gradWeight;
    }

    // ------------------------------------------------------------------------------------- non-linearities

    @Override
    public Masked<PlainTensor> relu(final PlainTensor x) {
        final float[] in = x.data();
        final float[] values = new float[in.length];
        final float[] mask = new float[in.length];
        ParallelLoops.forRange(in.length, FloatWindows.GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                // Without branches (the sign is data, so a branch mispredicts half the time): keep the bits of x
                // where x >= 0 (-0 included, NaN not), else +0.
                final int on = in[i] >= 0f ? 1 : 0;
                values[i] = Float.intBitsToFloat(Float.floatToRawIntBits(in[i]) & -on);
                mask[i] = on;
            }
        });
        return new Masked<>(new PlainTensor(values, x.shape()), new PlainTensor(mask, x.shape()));
    }

    @Override
    public PlainTensor mulMask(final PlainTensor a, final PlainTensor mask) {
        requireSameShape(a, mask, "mulMask");
        final float[] x = a.data();
        final float[] m = mask.data();
        final float[] out = new float[x.length];
        ParallelLoops.forRange(out.length, FloatWindows.GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                out[i] = x[i] * m[i];
            }
        });
        return new PlainTensor(out, a.shape());
    }

    @Override
    public Masked<PlainTensor> maxPool2d(final PlainTensor x, final int kH, final int kW, final int sH,
                                         final int sW) {
        final WindowGeometry g = WindowGeometry.pooling("maxPool2d", x.shape(), kH, kW, sH, sW);
        final float[] values = new float[Math.toIntExact(g.windows())];
        final float[] mask = new float[Math.multiplyExact(values.length, g.windowSize())];
        FloatWindows.maxPool(x.data(), g, values, mask);
        return new Masked<>(new PlainTensor(values, g.outputShape()),
            new PlainTensor(mask, WindowLayout.WINDOW_ROWS.shape(g)));
    }

    @Override
    public PlainTensor maxPool2dBackward(final PlainTensor gradOut, final PlainTensor mask, final int[] inputShape,
                                         final int kH, final int kW, final int sH, final int sW) {
        final WindowGeometry g = WindowGeometry.pooling("maxPool2dBackward", inputShape, kH, kW, sH, sW);
        g.requireOutputShape("maxPool2dBackward", "gradOut", gradOut.shape(), g.channels());
        if (mask.numel() != (long) gradOut.numel() * g.windowSize()) {
            throw new IllegalArgumentException("maxPool2dBackward mask must be [N, C, outH, outW, kH*kW], mask="
                + Shapes.toString(mask.shape()) + ", gradOut=" + Shapes.toString(gradOut.shape()));
        }
        final PlainTensor gradInput = PlainTensor.zeros(inputShape);
        FloatWindows.scatter(gradOut.data(), mask.data(), 1f, g, gradInput.data());
        return gradInput;
    }

    @Override
    public PlainTensor avgPool2d(final PlainTensor x, final int kH, final int kW, final int sH, final int sW) {
        final WindowGeometry g = WindowGeometry.pooling("avgPool2d", x.shape(), kH, kW, sH, sW);
        final float[] out = new float[Math.toIntExact(g.windows())];
        FloatWindows.windowSums(x.data(), g, 1f / (kH * kW), out);
        return new PlainTensor(out, g.outputShape());
    }

    @Override
    public PlainTensor avgPool2dBackward(final PlainTensor gradOut, final int[] inputShape, final int kH,
                                         final int kW, final int sH, final int sW) {
        final WindowGeometry g = WindowGeometry.pooling("avgPool2dBackward", inputShape, kH, kW, sH, sW);
        g.requireOutputShape("avgPool2dBackward", "gradOut", gradOut.shape(), g.channels());
        final PlainTensor gradInput = PlainTensor.zeros(inputShape);
        FloatWindows.scatter(gradOut.data(), null, 1f / (kH * kW), g, gradInput.data());
        return gradInput;
    }

    @Override
    public PlainTensor softmax(final PlainTensor x) {
        if (x.rank() != 2) {
            throw new IllegalArgumentException("softmax needs [N, K], shape=" + Shapes.toString(x.shape()));
        }
        final int rows = x.dim(0);
        final int k = x.dim(1);
        final float[] in = x.data();
        final float[] out = new float[in.length];
        for (int r = 0; r < rows; r++) {
            final int base = r * k;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                max = Math.max(max, in[base + j]);
            }
            double sum = 0;
            for (int j = 0; j < k; j++) {
                final double e = Math.exp((double) in[base + j] - max);
                out[base + j] = (float) e;
                sum += e;
            }
            final double inv = 1.0 / sum;
            for (int j = 0; j < k; j++) {
                out[base + j] = (float) (out[base + j] * inv);
            }
        }
        return new PlainTensor(out, x.shape());
    }

    // -------------------------------------------------------------------------------------------- helpers

    private static void requireSameShape(final PlainTensor a, final PlainTensor b, final String op) {
        if (!a.sameShape(b)) {
            throw new IllegalArgumentException(op + " needs equal shapes, a=" + Shapes.toString(a.shape())
                + ", b=" + Shapes.toString(b.shape()));
        }
    }

    private static int requireChannelBias(final PlainTensor x, final PlainTensor bias) {
        if (x.rank() < 2 || bias.rank() != 1 || bias.dim(0) != x.dim(1)) {
            throw new IllegalArgumentException("addChannelBias needs x [N, C, *] and bias [C], x="
                + Shapes.toString(x.shape()) + ", bias=" + Shapes.toString(bias.shape()));
        }
        return x.dim(1);
    }
}
