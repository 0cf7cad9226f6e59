package dev.obscura.backend;

import dev.obscura.ring.Shapes;

/**
 * Where the windows of a 2-D convolution or pooling lie: an input {@code [N, C, H, W]}, a {@code kH x kW} kernel
 * moved with strides {@code sH, sW} over the input with {@code pH} zero rows added above and below and {@code pW}
 * zero columns left and right, and the output size that gives,
 * {@code outH = floor((H + 2 pH - kH) / sH) + 1} by {@code outW = floor((W + 2 pW - kW) / sW) + 1}.
 *
 * <p>Window {@code w = ((n * C + c) * outH + y) * outW + x} (row-major over {@code [N, C, outH, outW]}) has
 * {@code kH * kW} positions {@code p = i * kW + j}; position {@code p} of window {@code w} is the input element
 * {@code [n, c, y * sH + i - pH, x * sW + j - pW]}, or padding when that lies outside the input. Windows overlap
 * when a stride is below the kernel and skip input elements when it is above.
 *
 * <p>This is the one place where such a geometry is validated: convolutions ({@link KernelChecks}, the plaintext
 * engine), pooling (the engines and the secure max-pool) and the window kernels of {@link Backend} all build one,
 * so they reject the same shapes with the same one-line messages. Every failure is an
 * {@link IllegalArgumentException} whose message is the operation's name and key=value facts
 * ({@code input=[N, C, H, W], kH=.., kW=.., sH=.., sW=.., pH=.., pW=..}).
 *
 * <p>Immutable, with value equality.
 */
public final class WindowGeometry {
    private final int batch;
    private final int channels;
    private final int inH;
    private final int inW;
    private final int kernelH;
    private final int kernelW;
    private final int strideH;
    private final int strideW;
    private final int padH;
    private final int padW;
    private final int outH;
    private final int outW;

    private WindowGeometry(final int[] input, final int kernelH, final int kernelW, final int strideH,
                           final int strideW, final int padH, final int padW) {
        this.batch = input[0];
        this.channels = input[1];
        this.inH = input[2];
        this.inW = input[3];
        this.kernelH = kernelH;
        this.kernelW = kernelW;
        this.strideH = strideH;
        this.strideW = strideW;
        this.padH = padH;
        this.padW = padW;
        this.outH = (int) (span(inH, kernelH, padH) / strideH + 1);
        this.outW = (int) (span(inW, kernelW, padW) / strideW + 1);
    }

    /**
     * The windows of a {@code kH x kW} kernel with strides {@code sH, sW} and zero padding {@code pH, pW} over an
     * input of shape {@code input}.
     *
     * @param op the operation, named in the message of a failure
     * @throws IllegalArgumentException unless {@code input} has rank 4 and no negative dimension, the kernel is at
     *                                  least 1 x 1 with {@code kH * kW} below 2^31, strides are at least 1, padding
     *                                  is at least 0, and the kernel fits the padded input
     */
    public static WindowGeometry of(final String op, final int[] input, final int kH, final int kW, final int sH,
                                    final int sW, final int pH, final int pW) {
        if (input == null || input.length != 4) {
            throw new IllegalArgumentException(op + " needs an input [N, C, H, W]" + facts(input, kH, kW, sH, sW, pH,
                pW));
        }
        if (input[0] < 0 || input[1] < 0 || input[2] < 0 || input[3] < 0) {
            throw new IllegalArgumentException(op + " input dimensions must not be negative"
                + facts(input, kH, kW, sH, sW, pH, pW));
        }
        if (kH < 1 || kW < 1 || (long) kH * kW > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + " kernel must be at least 1x1 with kH*kW below 2^31"
                + facts(input, kH, kW, sH, sW, pH, pW));
        }
        if (sH < 1 || sW < 1 || pH < 0 || pW < 0) {
            throw new IllegalArgumentException(op + " strides must be at least 1 and padding at least 0"
                + facts(input, kH, kW, sH, sW, pH, pW));
        }
        if (!fits(input[2], kH, pH) || !fits(input[3], kW, pW)) {
            throw new IllegalArgumentException(op + " kernel must fit in the padded input, with the padded input"
                + " below 2^31" + facts(input, kH, kW, sH, sW, pH, pW));
        }
        return new WindowGeometry(input, kH, kW, sH, sW, pH, pW);
    }

    /** Pooling windows: {@link #of} without padding. */
    public static WindowGeometry pooling(final String op, final int[] input, final int kH, final int kW,
                                         final int sH, final int sW) {
        return of(op, input, kH, kW, sH, sW, 0, 0);
    }

    /**
     * The windows of a convolution of {@code input [N, C, H, W]} with {@code weight [O, C, kH, kW]} under
     * {@code spec}.
     *
     * @throws IllegalArgumentException as {@link #of}, and when {@code spec} is null, {@code weight} does not have
     *                                  rank 4 or its channels differ from the input's
     */
    public static WindowGeometry convolution(final String op, final int[] input, final int[] weight,
                                             final Conv2dSpec spec) {
        if (spec == null || weight == null || weight.length != 4 || input == null || input.length != 4
            || input[1] != weight[1]) {
            throw new IllegalArgumentException(op + " needs input [N, C, H, W], weight [O, C, kH, kW] and a spec,"
                + " input=" + shape(input) + ", weight=" + shape(weight) + ", spec=" + spec);
        }
        return of(op, input, weight[2], weight[3], spec.strideH(), spec.strideW(), spec.padH(), spec.padW());
    }

    /**
     * The output length along one axis: {@code floor((input + 2 padding - kernel) / stride) + 1}.
     *
     * @throws IllegalArgumentException when the kernel does not fit the padded input, the padded input reaches
     *                                  2^31, or the kernel or stride is below 1 or the padding below 0
     */
    public static int outputSize(final int input, final int kernel, final int stride, final int padding) {
        if (input < 0 || kernel < 1 || stride < 1 || padding < 0 || !fits(input, kernel, padding)) {
            throw new IllegalArgumentException("kernel must fit in the padded input, with the padded input below 2^31,"
                + " input=" + input + ", kernel=" + kernel + ", stride=" + stride + ", padding=" + padding);
        }
        return (int) (span(input, kernel, padding) / stride + 1);
    }

    /** {@code N}. */
    public int batch() {
        return batch;
    }

    /** {@code C}. */
    public int channels() {
        return channels;
    }

    /** {@code H}. */
    public int inH() {
        return inH;
    }

    /** {@code W}. */
    public int inW() {
        return inW;
    }

    /** {@code kH}. */
    public int kernelH() {
        return kernelH;
    }

    /** {@code kW}. */
    public int kernelW() {
        return kernelW;
    }

    /** {@code sH}. */
    public int strideH() {
        return strideH;
    }

    /** {@code sW}. */
    public int strideW() {
        return strideW;
    }

    /** {@code pH}. */
    public int padH() {
        return padH;
    }

    /** {@code pW}. */
    public int padW() {
        return padW;
    }

    /** Window rows per plane. */
    public int outH() {
        return outH;
    }

    /** Window columns per plane. */
    public int outW() {
        return outW;
    }

    /** Positions per window, {@code kH * kW}. */
    public int windowSize() {
        return kernelH * kernelW;
    }

    /** Windows per plane, {@code outH * outW}. */
    public long planeWindows() {
        return (long) outH * outW;
    }

    /** Input planes, {@code N * C}. */
    public long planes() {
        return (long) batch * channels;
    }

    /** Windows in all, {@code N * C * outH * outW}. */
    public long windows() {
        return planes() * planeWindows();
    }

    /** The input shape {@code [N, C, H, W]}. */
    public int[] inputShape() {
        return new int[] {batch, channels, inH, inW};
    }

    /** The shape of one value per window, {@code [N, C, outH, outW]}: the output of a pooling. */
    public int[] outputShape() {
        return outputShape(channels);
    }

    /** {@code [N, outChannels, outH, outW]}: the output of a convolution with {@code outChannels} filters. */
    public int[] outputShape(final int outChannels) {
        return new int[] {batch, outChannels, outH, outW};
    }

    /**
     * Requires {@code shape} to be {@link #outputShape(int) outputShape(outChannels)}.
     *
     * @param op   the operation, named in the message
     * @param name what {@code shape} is the shape of, named in the message (for example {@code "gradOut"})
     * @throws IllegalArgumentException otherwise, naming both shapes and this geometry
     */
    public void requireOutputShape(final String op, final String name, final int[] shape, final int outChannels) {
        final int[] expected = outputShape(outChannels);
        if (!Shapes.equal(expected, shape)) {
            throw new IllegalArgumentException(op + " " + name + " must have shape " + Shapes.toString(expected)
                + ", " + name + "=" + shape(shape) + facts());
        }
    }

    /** {@code ", input=[N, C, H, W], kH=.., kW=.., sH=.., sW=.., pH=.., pW=.."}, for messages. */
    String facts() {
        return facts(inputShape(), kernelH, kernelW, strideH, strideW, padH, padW);
    }

    @Override
    public boolean equals(final Object o) {
        if (!(o instanceof WindowGeometry)) {
            return false;
        }
        final WindowGeometry g = (WindowGeometry) o;
        return batch == g.batch && channels == g.channels && inH == g.inH && inW == g.inW && kernelH == g.kernelH
            && kernelW == g.kernelW && strideH == g.strideH && strideW == g.strideW && padH == g.padH
            && padW == g.padW;
    }

    @Override
    public int hashCode() {
        int h = batch;
        for (final int v : new int[] {channels, inH, inW, kernelH, kernelW, strideH, strideW, padH, padW}) {
            h = 31 * h + v;
        }
        return h;
    }

    @Override
    public String toString() {
        return "WindowGeometry[" + facts().substring(2) + ", outH=" + outH + ", outW=" + outW + "]";
    }

    // In long: a large padding must be an error, not an int overflow.
    private static long span(final int input, final int kernel, final int padding) {
        return (long) input + 2L * padding - kernel;
    }

    private static boolean fits(final int input, final int kernel, final int padding) {
        final long span = span(input, kernel, padding);
        return span >= 0 && span < Integer.MAX_VALUE;
    }

    private static String facts(final int[] input, final int kH, final int kW, final int sH, final int sW,
                                final int pH, final int pW) {
        return ", input=" + shape(input) + ", kH=" + kH + ", kW=" + kW + ", sH=" + sH + ", sW=" + sW + ", pH=" + pH
            + ", pW=" + pW;
    }

    private static String shape(final int[] shape) {
        return shape == null ? "null" : Shapes.toString(shape);
    }
}
