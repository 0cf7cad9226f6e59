package dev.obscura.backend;

/**
 * Geometry of a 2-D convolution (no dilation, no groups): stride and zero padding per spatial axis. The kernel
 * size comes from the weight tensor {@code [outChannels, inChannels, kernelH, kernelW]}; with the input shape it
 * gives a {@link WindowGeometry} ({@link WindowGeometry#convolution}).
 *
 * @param strideH vertical stride, at least 1
 * @param strideW horizontal stride, at least 1
 * @param padH    zero rows added above and below, at least 0
 * @param padW    zero columns added left and right, at least 0
 */
public record Conv2dSpec(int strideH, int strideW, int padH, int padW) {
    public Conv2dSpec {
        if (strideH < 1 || strideW < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("stride must be positive and padding non-negative, strideH=" + strideH
                + ", strideW=" + strideW + ", padH=" + padH + ", padW=" + padW);
        }
    }

    /** Same stride and padding on both axes. */
    public static Conv2dSpec of(final int stride, final int padding) {
        return new Conv2dSpec(stride, stride, padding, padding);
    }

    /** Output height for an input of height {@code h} and a kernel of height {@code kh}. */
    public int outH(final int h, final int kh) {
        return WindowGeometry.outputSize(h, kh, strideH, padH);
    }

    /** Output width for an input of width {@code w} and a kernel of width {@code kw}. */
    public int outW(final int w, final int kw) {
        return WindowGeometry.outputSize(w, kw, strideW, padW);
    }
}
