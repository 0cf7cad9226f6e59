package dev.obscura.nn.engine;

import dev.obscura.backend.Conv2dSpec;
import dev.obscura.backend.FloatGemm;
import dev.obscura.backend.FloatGemms;
import dev.obscura.backend.JavaFloatGemm;
import dev.obscura.mpc.Scope;
import dev.obscura.ring.Shapes;
import java.util.Arrays;
import java.util.Objects;

/**
 * The plaintext {@link TensorEngine}: {@code float} tensors ({@link PlainTensor}), matrix products by a
 * {@link FloatGemm} (the one {@link FloatGemms} picks unless another is given: OpenBLAS where it loads, else
 * {@link JavaFloatGemm}) and convolutions as im2col followed by one
 * GEMM per image. The im2col buffer is kept and reused, so a training step allocates only its results.
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
        final ConvGeometry g = ConvGeometry.of(input.shape(), weight.shape(), spec);
        final PlainTensor out = PlainTensor.zeros(g.n, g.o, g.outH, g.outW);
        final float[] buf = cols(g.k * g.p);
        for (int s = 0; s < g.n; s++) {
            im2col(input.data(), s * g.c * g.h * g.w, g, buf);
            // out[s] [O, P] = weight [O, K] · cols [K, P]
            gemm.gemm(false, false, g.o, g.p, g.k, weight.data(), 0, g.k, buf, 0, g.p,
                out.data(), s * g.o * g.p, g.p, false);
        }
        return out;
    }

    @Override
    public PlainTensor conv2dBackwardInput(final PlainTensor gradOut, final PlainTensor weight,
                                           final Conv2dSpec spec, final int... inputShape) {
        final ConvGeometry g = ConvGeometry.of(inputShape, weight.shape(), spec);
        g.requireGradOut(gradOut.shape());
        final PlainTensor gradInput = PlainTensor.zeros(inputShape);
        final float[] buf = cols(g.k * g.p);
        for (int s = 0; s < g.n; s++) {
            // cols [K, P] = weight^T [K, O] · gradOut[s] [O, P]
            gemm.gemm(true, false, g.k, g.p, g.o, weight.data(), 0, g.k, gradOut.data(), s * g.o * g.p, g.p,
                buf, 0, g.p, false);
            col2im(buf, g, gradInput.data(), s * g.c * g.h * g.w);
        }
        return gradInput;
    }

    @Override
    public PlainTensor conv2dBackwardWeight(final PlainTensor input, final PlainTensor gradOut,
                                            final Conv2dSpec spec, final int... weightShape) {
        final ConvGeometry g = ConvGeometry.of(input.shape(), weightShape, spec);
        g.requireGradOut(gradOut.shape());
        final PlainTensor gradWeight = PlainTensor.zeros(weightShape);
        final float[] buf = cols(g.k * g.p);
        for (int s = 0; s < g.n; s++) {
            im2col(input.data(), s * g.c * g.h * g.w, g, buf);
            // gradWeight [O, K] += gradOut[s] [O, P] · cols^T [P, K]
            gemm.gemm(false, true, g.o, g.k, g.p, gradOut.data(), s * g.o * g.p, g.p, buf, 0, g.p,
                gradWeight.data(), 0, g.k, true);
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
        final PoolGeometry g = PoolGeometry.of(x.shape(), kH, kW, sH, sW);
        final int window = kH * kW;
        final float[] in = x.data();
        final float[] values = new float[g.planes * g.outH * g.outW];
        final float[] mask = new float[values.length * window];
        int at = 0;
        for (int plane = 0; plane < g.planes; plane++) {
            final int base = plane * g.h * g.w;
            for (int y = 0; y < g.outH; y++) {
                for (int xo = 0; xo < g.outW; xo++, at++) {
                    final int corner = base + y * sH * g.w + xo * sW;
                    float best = in[corner];
                    int bestPos = 0;
                    for (int i = 0; i < kH; i++) {
                        for (int j = 0; j < kW; j++) {
                            final float v = in[corner + i * g.w + j];
                            if (v > best) {
                                best = v;
                                bestPos = i * kW + j;
                            }
                        }
                    }
                    values[at] = best;
                    mask[at * window + bestPos] = 1f;
                }
            }
        }
        final int[] s = x.shape();
        return new Masked<>(new PlainTensor(values, s[0], s[1], g.outH, g.outW),
            new PlainTensor(mask, s[0], s[1], g.outH, g.outW, window));
    }

    @Override
    public PlainTensor maxPool2dBackward(final PlainTensor gradOut, final PlainTensor mask, final int[] inputShape,
                                         final int kH, final int kW, final int sH, final int sW) {
        final PoolGeometry g = PoolGeometry.of(inputShape, kH, kW, sH, sW);
        final int window = kH * kW;
        g.requireOut(gradOut.shape(), inputShape);
        if (mask.numel() != gradOut.numel() * window) {
            throw new IllegalArgumentException("maxPool2dBackward mask must be [N, C, outH, outW, kH*kW], mask="
                + Shapes.toString(mask.shape()) + ", gradOut=" + Shapes.toString(gradOut.shape()));
        }
        final float[] go = gradOut.data();
        final float[] m = mask.data();
        final PlainTensor gradInput = PlainTensor.zeros(inputShape);
        final float[] gi = gradInput.data();
        int at = 0;
        for (int plane = 0; plane < g.planes; plane++) {
            final int base = plane * g.h * g.w;
            for (int y = 0; y < g.outH; y++) {
                for (int xo = 0; xo < g.outW; xo++, at++) {
                    final int corner = base + y * sH * g.w + xo * sW;
                    final float grad = go[at];
                    for (int i = 0; i < kH; i++) {
                        for (int j = 0; j < kW; j++) {
                            gi[corner + i * g.w + j] += grad * m[at * window + i * kW + j];
                        }
                    }
                }
            }
        }
        return gradInput;
    }

    @Override
    public PlainTensor avgPool2d(final PlainTensor x, final int kH, final int kW, final int sH, final int sW) {
        final PoolGeometry g = PoolGeometry.of(x.shape(), kH, kW, sH, sW);
        final float inv = 1f / (kH * kW);
        final float[] in = x.data();
        final float[] out = new float[g.planes * g.outH * g.outW];
        int at = 0;
        for (int plane = 0; plane < g.planes; plane++) {
            final int base = plane * g.h * g.w;
            for (int y = 0; y < g.outH; y++) {
                for (int xo = 0; xo < g.outW; xo++, at++) {
                    final int corner = base + y * sH * g.w + xo * sW;
                    float sum = 0f;
                    for (int i = 0; i < kH; i++) {
                        for (int j = 0; j < kW; j++) {
                            sum += in[corner + i * g.w + j];
                        }
                    }
                    out[at] = sum * inv;
                }
            }
        }
        final int[] s = x.shape();
        return new PlainTensor(out, s[0], s[1], g.outH, g.outW);
    }

    @Override
    public PlainTensor avgPool2dBackward(final PlainTensor gradOut, final int[] inputShape, final int kH,
                                         final int kW, final int sH, final int sW) {
        final PoolGeometry g = PoolGeometry.of(inputShape, kH, kW, sH, sW);
        g.requireOut(gradOut.shape(), inputShape);
        final float inv = 1f / (kH * kW);
        final float[] go = gradOut.data();
        final PlainTensor gradInput = PlainTensor.zeros(inputShape);
        final float[] gi = gradInput.data();
        int at = 0;
        for (int plane = 0; plane < g.planes; plane++) {
            final int base = plane * g.h * g.w;
            for (int y = 0; y < g.outH; y++) {
                for (int xo = 0; xo < g.outW; xo++, at++) {
                    final int corner = base + y * sH * g.w + xo * sW;
                    final float grad = go[at] * inv;
                    for (int i = 0; i < kH; i++) {
                        for (int j = 0; j < kW; j++) {
                            gi[corner + i * g.w + j] += grad;
                        }
                    }
                }
            }
        }
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

    /**
     * {@code cols[(c*kH + i)*kW + j, y*outW + x] = input[c, y*sH + i - pH, x*sW + j - pW]} for one image starting at
     * {@code inOff}, zeros outside the input: the K x P matrix whose product with the weight [O, K] is the
     * convolution.
     */
    private static void im2col(final float[] in, final int inOff, final ConvGeometry g, final float[] cols) {
        int row = 0;
        for (int c = 0; c < g.c; c++) {
            final int plane = inOff + c * g.h * g.w;
            for (int i = 0; i < g.kH; i++) {
                for (int j = 0; j < g.kW; j++, row++) {
                    int at = row * g.p;
                    for (int y = 0; y < g.outH; y++) {
                        final int iy = y * g.sH + i - g.pH;
                        if (iy < 0 || iy >= g.h) {
                            Arrays.fill(cols, at, at + g.outW, 0f);
                            at += g.outW;
                            continue;
                        }
                        final int src = plane + iy * g.w;
                        for (int x = 0; x < g.outW; x++, at++) {
                            final int ix = x * g.sW + j - g.pW;
                            cols[at] = ix >= 0 && ix < g.w ? in[src + ix] : 0f;
                        }
                    }
                }
            }
        }
    }

    /** The adjoint of {@link #im2col}: adds every column entry back to the input position it was read from. */
    private static void col2im(final float[] cols, final ConvGeometry g, final float[] out, final int outOff) {
        int row = 0;
        for (int c = 0; c < g.c; c++) {
            final int plane = outOff + c * g.h * g.w;
            for (int i = 0; i < g.kH; i++) {
                for (int j = 0; j < g.kW; j++, row++) {
                    int at = row * g.p;
                    for (int y = 0; y < g.outH; y++) {
                        final int iy = y * g.sH + i - g.pH;
                        if (iy < 0 || iy >= g.h) {
                            at += g.outW;
                            continue;
                        }
                        final int dst = plane + iy * g.w;
                        for (int x = 0; x < g.outW; x++, at++) {
                            final int ix = x * g.sW + j - g.pW;
                            if (ix >= 0 && ix < g.w) {
                                out[dst + ix] += cols[at];
                            }
                        }
                    }
                }
            }
        }
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

    /** Sizes of one convolution: input [n, c, h, w], weight [o, c, kH, kW], output [n, o, outH, outW]. */
    private static final class ConvGeometry {
        final int n;
        final int c;
        final int h;
        final int w;
        final int o;
        final int kH;
        final int kW;
        final int sH;
        final int sW;
        final int pH;
        final int pW;
        final int outH;
        final int outW;
        /** Rows of the im2col matrix, {@code c * kH * kW}. */
        final int k;
        /** Columns of the im2col matrix, {@code outH * outW}. */
        final int p;

        private ConvGeometry(final int[] input, final int[] weight, final Conv2dSpec spec) {
            n = input[0];
            c = input[1];
            h = input[2];
            w = input[3];
            o = weight[0];
            kH = weight[2];
            kW = weight[3];
            sH = spec.strideH();
            sW = spec.strideW();
            pH = spec.padH();
            pW = spec.padW();
            outH = spec.outH(h, kH);
            outW = spec.outW(w, kW);
            k = Math.multiplyExact(c, kH * kW);
            p = Math.multiplyExact(outH, outW);
        }

        static ConvGeometry of(final int[] input, final int[] weight, final Conv2dSpec spec) {
            Objects.requireNonNull(spec, "spec");
            if (input.length != 4 || weight.length != 4 || input[1] != weight[1]) {
                throw new IllegalArgumentException("conv2d needs input [N, C, H, W] and weight [O, C, kH, kW], input="
                    + Shapes.toString(input) + ", weight=" + Shapes.toString(weight));
            }
            return new ConvGeometry(input, weight, spec);
        }

        void requireGradOut(final int[] gradOut) {
            if (gradOut.length != 4 || gradOut[0] != n || gradOut[1] != o || gradOut[2] != outH
                || gradOut[3] != outW) {
                throw new IllegalArgumentException("conv2d gradient must be [N, O, outH, outW], gradOut="
                    + Shapes.toString(gradOut) + ", expected=" + Shapes.toString(n, o, outH, outW));
            }
        }
    }

    /** Sizes of one pooling: input [n, c, h, w] as {@code planes = n*c} planes, output [n, c, outH, outW]. */
    private static final class PoolGeometry {
        final int planes;
        final int h;
        final int w;
        final int outH;
        final int outW;

        private PoolGeometry(final int planes, final int h, final int w, final int outH, final int outW) {
            this.planes = planes;
            this.h = h;
            this.w = w;
            this.outH = outH;
            this.outW = outW;
        }

        static PoolGeometry of(final int[] s, final int kH, final int kW, final int sH, final int sW) {
            if (s.length != 4) {
                throw new IllegalArgumentException("pooling needs an input [N, C, H, W], shape=" + Shapes.toString(s));
            }
            if (kH < 1 || kW < 1 || sH < 1 || sW < 1 || kH > s[2] || kW > s[3]) {
                throw new IllegalArgumentException("pooling needs 1 <= kernel <= input and strides >= 1, kH=" + kH
                    + ", kW=" + kW + ", sH=" + sH + ", sW=" + sW + ", shape=" + Shapes.toString(s));
            }
            return new PoolGeometry(Math.multiplyExact(s[0], s[1]), s[2], s[3], (s[2] - kH) / sH + 1,
                (s[3] - kW) / sW + 1);
        }

        void requireOut(final int[] out, final int[] input) {
            if (out.length != 4 || out[0] != input[0] || out[1] != input[1] || out[2] != outH || out[3] != outW) {
                throw new IllegalArgumentException("pooling gradient must be [N, C, outH, outW], gradOut="
                    + Shapes.toString(out) + ", expected=" + Shapes.toString(input[0], input[1], outH, outW));
            }
        }
    }
}
