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
 * {@link JavaFloatGemm}) and convolutions as im2col followed by one
 * GEMM per image. The im2col buffer is kept and reused, so a training step allocates only its results. Windows
 * (of convolutions and poolings) are placed by the {@link WindowGeometry} the secure engine's backend kernels use,
 * and walked by float loops ({@code FloatWindows}).
 *
 * <p>Not thread-safe (the GEMM and the im2col buffer are per instance): one engine per thread.
 */
public final class PlainEngine implements TensorEngine<PlainTensor> {
    private final FloatGemm gemm;
    /** Heap tensors need no release: the scopes only nest, keep and own. */
    private final Scope.Stack scopes = new Scope.Stack(t -> { });
    private float[] cols = new float[0];

    /** An engine with the GEMM {@link FloatGemms#create()} picks. */
    public PlainEngine() {
        this(FloatGemms.create());
    }

    /** An engine whose matrix products and convolutions run on {@code gemm}. */
    public PlainEngine(final FloatGemm gemm) {
        this.gemm = Objects.requireNonNull(gemm, "gemm");
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
        for (int i = 0; i < out.length; i++) {
            out[i] = x[i] + y[i];
        }
        return new PlainTensor(out, a.shape());
    }

    @Override
    public PlainTensor sub(final PlainTensor a, final PlainTensor b) {
        requireSameShape(a, b, "sub");
        final float[] x = a.data();
        final float[] y = b.data();
        final float[] out = new float[x.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = x[i] - y[i];
        }
        return new PlainTensor(out, a.shape());
    }

    @Override
    public PlainTensor scale(final PlainTensor a, final float c) {
        final float[] x = a.data();
        final float[] out = new float[x.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = x[i] * c;
        }
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
        int at = 0;
        for (int s = 0; s < n; s++) {
            for (int c = 0; c < channels; c++) {
                final float bc = b[c];
                for (int e = 0; e < inner; e++, at++) {
                    out[at] = in[at] + bc;
                }
            }
        }
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
        int at = 0;
        for (int s = 0; s < n; s++) {
            for (int c = 0; c < channels; c++) {
                double sum = 0;
                for (int e = 0; e < inner; e++, at++) {
                    sum += in[at];
                }
                acc[c] += sum;
            }
        }
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
        final int k = patch(g);
        final int p = Math.toIntExact(g.planeWindows());
        final PlainTensor out = PlainTensor.zeros(g.outputShape(o));
        final float[] buf = cols(k * p);
        for (int s = 0; s < g.batch(); s++) {
            FloatWindows.im2col(input.data(), s * g.channels() * g.inH() * g.inW(), g, buf);
            // out[s] [O, P] = weight [O, K] · cols [K, P]
            gemm.gemm(false, false, o, p, k, weight.data(), 0, k, buf, 0, p, out.data(), s * o * p, p, false);
        }
        return out;
    }

    @Override
    public PlainTensor conv2dBackwardInput(final PlainTensor gradOut, final PlainTensor weight,
                                           final Conv2dSpec spec, final int... inputShape) {
        final WindowGeometry g = WindowGeometry.convolution("conv2dBackwardInput", inputShape, weight.shape(), spec);
        final int o = weight.dim(0);
        g.requireOutputShape("conv2dBackwardInput", "gradOut", gradOut.shape(), o);
        final int k = patch(g);
        final int p = Math.toIntExact(g.planeWindows());
        final PlainTensor gradInput = PlainTensor.zeros(inputShape);
        final float[] buf = cols(k * p);
        for (int s = 0; s < g.batch(); s++) {
            // cols [K, P] = weight^T [K, O] · gradOut[s] [O, P]
            gemm.gemm(true, false, k, p, o, weight.data(), 0, k, gradOut.data(), s * o * p, p, buf, 0, p, false);
            FloatWindows.col2im(buf, g, gradInput.data(), s * g.channels() * g.inH() * g.inW());
        }
        return gradInput;
    }

    @Override
    public PlainTensor conv2dBackwardWeight(final PlainTensor input, final PlainTensor gradOut,
                                            final Conv2dSpec spec, final int... weightShape) {
        final WindowGeometry g = WindowGeometry.convolution("conv2dBackwardWeight", input.shape(), weightShape, spec);
        final int o = weightShape[0];
        g.requireOutputShape("conv2dBackwardWeight", "gradOut", gradOut.shape(), o);
        final int k = patch(g);
        final int p = Math.toIntExact(g.planeWindows());
        final PlainTensor gradWeight = PlainTensor.zeros(weightShape);
        final float[] buf = cols(k * p);
        for (int s = 0; s < g.batch(); s++) {
            FloatWindows.im2col(input.data(), s * g.channels() * g.inH() * g.inW(), g, buf);
            // gradWeight [O, K] += gradOut[s] [O, P] · cols^T [P, K]
            gemm.gemm(false, true, o, k, p, gradOut.data(), s * o * p, p, buf, 0, p, gradWeight.data(), 0, k, true);
        }
        return gradWeight;
    }

    // ------------------------------------------------------------------------------------- non-linearities

    @Override
    public Masked<PlainTensor> relu(final PlainTensor x) {
        final float[] in = x.data();
        final float[] values = new float[in.length];
        final float[] mask = new float[in.length];
        for (int i = 0; i < in.length; i++) {
            final boolean on = in[i] >= 0f;
            values[i] = on ? in[i] : 0f;
            mask[i] = on ? 1f : 0f;
        }
        return new Masked<>(new PlainTensor(values, x.shape()), new PlainTensor(mask, x.shape()));
    }

    @Override
    public PlainTensor mulMask(final PlainTensor a, final PlainTensor mask) {
        requireSameShape(a, mask, "mulMask");
        final float[] x = a.data();
        final float[] m = mask.data();
        final float[] out = new float[x.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = x[i] * m[i];
        }
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

    /** The reused im2col buffer, grown to at least {@code size} floats. */
    private float[] cols(final int size) {
        if (cols.length < size) {
            cols = new float[size];
        }
        return cols;
    }

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

    /** Rows of a convolution's im2col matrix, {@code C * kH * kW}. */
    private static int patch(final WindowGeometry g) {
        return Math.multiplyExact(g.channels(), g.windowSize());
    }
}
