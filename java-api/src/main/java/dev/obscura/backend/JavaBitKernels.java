package dev.obscura.backend;

import dev.obscura.ring.RingTensor;
import org.agrona.concurrent.UnsafeBuffer;

/** {@link JavaBackend}'s bit packing and bit planes: plain loops over one bit per element. */
final class JavaBitKernels {
    private JavaBitKernels() {
    }

    static void packBits(final RingTensor a, final RingTensor out) {
        final int words = (int) KernelChecks.packBits(a, out);
        try {
            final UnsafeBuffer x = a.buffer();
            final UnsafeBuffer o = out.buffer();
            final int n = (int) a.numel();
            for (int w = 0; w < words; w++) {
                long word = 0;
                final int count = Math.min(64, n - 64 * w);
                for (int b = 0; b < count; b++) {
                    word |= (x.getLong((64 * w + b) << 3) & 1L) << b;
                }
                o.putLong(w << 3, word);
            }
        } finally {
            JavaBackend.keepAlive(a, out);
        }
    }

    static void unpackBits(final RingTensor packed, final RingTensor out) {
        KernelChecks.unpackBits(packed, out);
        try {
            final UnsafeBuffer p = packed.buffer();
            final UnsafeBuffer o = out.buffer();
            final int n = (int) out.numel();
            for (int i = 0; i < n; i++) {
                o.putLong(i << 3, (p.getLong((i >>> 6) << 3) >>> (i & 63)) & 1L);
            }
        } finally {
            JavaBackend.keepAlive(packed, out);
        }
    }

    static void toBitPlanes(final RingTensor a, final RingTensor out) {
        final int words = (int) KernelChecks.toBitPlanes(a, out);
        try {
            final UnsafeBuffer x = a.buffer();
            final UnsafeBuffer o = out.buffer();
            final int n = (int) a.numel();
            for (int j = 0; j < 64; j++) {
                for (int w = 0; w < words; w++) {
                    long word = 0;
                    final int count = Math.min(64, n - 64 * w);
                    for (int b = 0; b < count; b++) {
                        word |= ((x.getLong((64 * w + b) << 3) >>> j) & 1L) << b;
                    }
                    o.putLong((j * words + w) << 3, word);
                }
            }
        } finally {
            JavaBackend.keepAlive(a, out);
        }
    }

    static void fromBitPlanes(final RingTensor planes, final RingTensor out) {
        final int words = (int) KernelChecks.fromBitPlanes(planes, out);
        try {
            final UnsafeBuffer p = planes.buffer();
            final UnsafeBuffer o = out.buffer();
            final int n = (int) out.numel();
            for (int i = 0; i < n; i++) {
                long value = 0;
                for (int j = 0; j < 64; j++) {
                    value |= ((p.getLong((j * words + (i >>> 6)) << 3) >>> (i & 63)) & 1L) << j;
                }
                o.putLong(i << 3, value);
            }
        } finally {
            JavaBackend.keepAlive(planes, out);
        }
    }
}
