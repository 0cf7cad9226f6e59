package dev.obscura.backend;

/**
 * Geometry of a 2-D convolution (no dilation, no groups): stride and zero padding per spatial axis. The kernel
 * size comes from the weight tensor {@code [outChannels, inChannels, kernelH, kernelW]}.
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
        return outSize(h, kh, strideH, padH);
    }

    /** Output width for an input of width {@code w} and a kernel of width {@code kw}. */
    public int outW(final int w, final int kw) {
        return outSize(w, kw, strideW, padW);
    }

    private static int outSize(final int in, final int k, final int stride, final int pad) {
        // In long: a large padding must be an error, not an int overflow.
        final long span = (long) in + 2L * pad - k;
        if (span < 0) {
            throw new IllegalArgumentException("kernel larger than padded input, input=" + in + ", kernel=" + k
                + ", padding=" + pad);
        }
        if (span > Integer.MAX_VALUE - 1) {
            throw new IllegalArgumentException("padded input too large, input=" + in + ", kernel=" + k
                + ", padding=" + pad);
        }
        return (int) (span / stride + 1);
    }
}
