package dev.obscura.backend;

import dev.obscura.ring.FixedPoint;
import dev.obscura.ring.RingTensor;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@link JavaBackend}'s fixed-point kernels: the local step of the exact truncation, and encoding and decoding
 * through {@link FixedPoint}.
 */
final class JavaFixedPointKernels {
    private JavaFixedPointKernels() {
    }

    static void truncateMasked(final RingTensor opened, final RingTensor rHigh, final RingTensor rMsb,
                               final int bits, final boolean first, final RingTensor out) {
        KernelChecks.truncateMasked(opened, rHigh, rMsb, bits, out);
        try {
            final UnsafeBuffer cs = opened.buffer();
            final UnsafeBuffer hs = rHigh.buffer();
            final UnsafeBuffer ms = rMsb.buffer();
            final UnsafeBuffer o = out.buffer();
            final long f = first ? 1 : 0;
            final long topWeight = 1L << (63 - bits);
            final long shift = 1L << (62 - bits);
            final int n = (int) out.numel();
            for (int i = 0; i < n; i++) {
                final long c = cs.getLong(i << 3);
                final long cMsb = c >>> 63;
                final long w = ms.getLong(i << 3) * (1 - 2 * cMsb) + f * cMsb;
                o.putLong(i << 3, topWeight * w - hs.getLong(i << 3) + f * (((c << 1) >>> (bits + 1)) - shift));
            }
        } finally {
            JavaBackend.keepAlive(opened, rHigh, rMsb, out);
        }
    }

    /**
     * Each element goes through {@link FixedPoint#encode(double, long, int)}, which every backend's range check
     * and message must match; the reported index is the index into {@code src}.
     */
    static void encode(final double[] src, final int srcOffset, final int fracBits, final RingTensor out) {
        KernelChecks.encode(src.length, srcOffset, fracBits, out);
        try {
            final UnsafeBuffer o = out.buffer();
            final int n = (int) out.numel();
            for (int i = 0; i < n; i++) {
                final int index = srcOffset + i;
                o.putLong(i << 3, FixedPoint.encode(src[index], index, fracBits));
            }
        } finally {
            JavaBackend.keepAlive(out, out);
        }
    }

    /** Each value is widened to {@code double} (exactly) and encoded as in the double variant. */
    static void encode(final float[] src, final int srcOffset, final int fracBits, final RingTensor out) {
        KernelChecks.encode(src.length, srcOffset, fracBits, out);
        try {
            final UnsafeBuffer o = out.buffer();
            final int n = (int) out.numel();
            for (int i = 0; i < n; i++) {
                final int index = srcOffset + i;
                o.putLong(i << 3, FixedPoint.encode(src[index], index, fracBits));
            }
        } finally {
            JavaBackend.keepAlive(out, out);
        }
    }

    static void decode(final RingTensor a, final int fracBits, final double[] dst, final int dstOffset) {
        KernelChecks.decode(a, fracBits, dst.length, dstOffset);
        // A power of two: the division is exact up to the rounding of the long to double.
        final double scale = Math.scalb(1.0, fracBits);
        try {
            final UnsafeBuffer x = a.buffer();
            final int n = (int) a.numel();
            for (int i = 0; i < n; i++) {
                dst[dstOffset + i] = (double) x.getLong(i << 3) / scale;
            }
        } finally {
            JavaBackend.keepAlive(a, a);
        }
    }

    static void decode(final RingTensor a, final int fracBits, final float[] dst, final int dstOffset) {
        KernelChecks.decode(a, fracBits, dst.length, dstOffset);
        final double scale = Math.scalb(1.0, fracBits);
        try {
            final UnsafeBuffer x = a.buffer();
            final int n = (int) a.numel();
            for (int i = 0; i < n; i++) {
                dst[dstOffset + i] = (float) ((double) x.getLong(i << 3) / scale);
            }
        } finally {
            JavaBackend.keepAlive(a, a);
        }
    }
}
