package dev.obscura.backend;

import dev.obscura.ring.FixedPoint;
import dev.obscura.ring.RingTensor;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.function.LongBinaryOperator;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The reference backend: every kernel of {@link Backend} as plain loops in Java, written to be checked line by line
 * against the contract. Its output defines the bits that every other backend must reproduce; speed is secondary.
 *
 * <p>Every kernel first runs the shared {@link KernelChecks}, then loops over the off-heap elements through
 * {@link RingTensor#buffer()} (byte index {@code 8 * i}). Java {@code long} arithmetic is exactly arithmetic in
 * Z_2^64, so no kernel needs a modulus.
 *
 * <p>Stateless and thread-safe; single-threaded per call.
 */
public final class JavaBackend implements Backend {
    /** The selection name. */
    public static final String NAME = "java";

    /** Keystream bytes produced per {@link Cipher#update} call: 4096 AES blocks, 8192 elements. */
    private static final int CHUNK_BYTES = 64 * 1024;
    private static final int BLOCK_BYTES = 16;
    /** Plaintext for the keystream; only ever read (CTR encryption of zeros is the keystream itself). */
    private static final byte[] ZEROS = new byte[CHUNK_BYTES];
    private static final boolean NATIVE_LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    private static final VarHandle LONG_LE =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static final LongBinaryOperator ADD = (x, y) -> x + y;
    private static final LongBinaryOperator SUB = (x, y) -> x - y;
    private static final LongBinaryOperator MUL = (x, y) -> x * y;
    private static final LongBinaryOperator AND = (x, y) -> x & y;
    private static final LongBinaryOperator OR = (x, y) -> x | y;
    private static final LongBinaryOperator XOR = (x, y) -> x ^ y;

    /** Creates the reference backend; it holds no state, so instances are interchangeable. */
    public JavaBackend() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Java reference backend: plain loops on one thread, JDK AES-CTR";
    }

    // ---------------------------------------------------------------- elementwise arithmetic, with broadcasting

    @Override
    public void add(final RingTensor a, final RingTensor b, final RingTensor out) {
        binary("add", a, b, out, ADD);
    }

    @Override
    public void sub(final RingTensor a, final RingTensor b, final RingTensor out) {
        binary("sub", a, b, out, SUB);
    }

    @Override
    public void mul(final RingTensor a, final RingTensor b, final RingTensor out) {
        binary("mul", a, b, out, MUL);
    }

    @Override
    public void mulAdd(final RingTensor a, final RingTensor b, final RingTensor c, final RingTensor out) {
        KernelChecks.mulAdd(a, b, c, out);
        try {
            final UnsafeBuffer x = a.buffer();
            final UnsafeBuffer y = b.buffer();
            final UnsafeBuffer z = c.buffer();
            final UnsafeBuffer o = out.buffer();
            final int n = (int) out.numel();
            for (int i = 0; i < n; i++) {
                o.putLong(i << 3, x.getLong(i << 3) * y.getLong(i << 3) + z.getLong(i << 3));
            }
        } finally {
            keepAlive(a, b, c, out);
        }
    }

    @Override
    public void neg(final RingTensor a, final RingTensor out) {
        KernelChecks.sameShape("neg", a, out);
        try {
            final UnsafeBuffer x = a.buffer();
            final UnsafeBuffer o = out.buffer();
            final int n = (int) a.numel();
            for (int i = 0; i < n; i++) {
                o.putLong(i << 3, -x.getLong(i << 3));
            }
        } finally {
            keepAlive(a, out);
        }
    }

    @Override
    public void addScalar(final RingTensor a, final long s, final RingTensor out) {
        KernelChecks.sameShape("addScalar", a, out);
        try {
            final UnsafeBuffer x = a.buffer();
            final UnsafeBuffer o = out.buffer();
            final int n = (int) a.numel();
            for (int i = 0; i < n; i++) {
                o.putLong(i << 3, x.getLong(i << 3) + s);
            }
        } finally {
            keepAlive(a, out);
        }
    }

    @Override
    public void mulScalar(final RingTensor a, final long s, final RingTensor out) {
        KernelChecks.sameShape("mulScalar", a, out);
        try {
            final UnsafeBuffer x = a.buffer();
            final UnsafeBuffer o = out.buffer();
            final int n = (int) a.numel();
            for (int i = 0; i < n; i++) {
                o.putLong(i << 3, x.getLong(i << 3) * s);
            }
        } finally {
            keepAlive(a, out);
        }
    }

    @Override
    public void copy(final RingTensor a, final RingTensor out) {
        KernelChecks.sameNumel("copy", a, out);
        try {
            final UnsafeBuffer x = a.buffer();
            final UnsafeBuffer o = out.buffer();
            final int n = (int) a.numel();
            for (int i = 0; i < n; i++) {
                o.putLong(i << 3, x.getLong(i << 3));
            }
        } finally {
            keepAlive(a, out);
        }
    }

    // ---------------------------------------------------------------- bitwise and shifts

    @Override
    public void and(final RingTensor a, final RingTensor b, final RingTensor out) {
        binary("and", a, b, out, AND);
    }

    @Override
    public void or(final RingTensor a, final RingTensor b, final RingTensor out) {
        binary("or", a, b, out, OR);
    }

    @Override
    public void xor(final RingTensor a, final RingTensor b, final RingTensor out) {
        binary("xor", a, b, out, XOR);
    }

    @Override
    public void not(final RingTensor a, final RingTensor out) {
        KernelChecks.sameShape("not", a, out);
        try {
            final UnsafeBuffer x = a.buffer();
            final UnsafeBuffer o = out.buffer();
            final int n = (int) a.numel();
            for (int i = 0; i < n; i++) {
                o.putLong(i << 3, ~x.getLong(i << 3));
            }
        } finally {
            keepAlive(a, out);
        }
    }

    @Override
    public void shiftLeft(final RingTensor a, final int bits, final RingTensor out) {
        KernelChecks.sameShape("shiftLeft", a, out);
        KernelChecks.bitIndex("shiftLeft", "bits", bits);
        try {
            final UnsafeBuffer x = a.buffer();
            final UnsafeBuffer o = out.buffer();
            final int n = (int) a.numel();
            for (int i = 0; i < n; i++) {
                o.putLong(i << 3, x.getLong(i << 3) << bits);
            }
        } finally {
            keepAlive(a, out);
        }
    }

    @Override
    public void shiftRight(final RingTensor a, final int bits, final RingTensor out) {
        KernelChecks.sameShape("shiftRight", a, out);
        KernelChecks.bitIndex("shiftRight", "bits", bits);
        try {
            final UnsafeBuffer x = a.buffer();
            final UnsafeBuffer o = out.buffer();
            final int n = (int) a.numel();
            for (int i = 0; i < n; i++) {
                o.putLong(i << 3, x.getLong(i << 3) >> bits);
            }
        } finally {
            keepAlive(a, out);
        }
    }

    @Override
    public void shiftRightLogical(final RingTensor a, final int bits, final RingTensor out) {
        KernelChecks.sameShape("shiftRightLogical", a, out);
        KernelChecks.bitIndex("shiftRightLogical", "bits", bits);
        try {
            final UnsafeBuffer x = a.buffer();
            final UnsafeBuffer o = out.buffer();
            final int n = (int) a.numel();
            for (int i = 0; i < n; i++) {
                o.putLong(i << 3, x.getLong(i << 3) >>> bits);
            }
        } finally {
            keepAlive(a, out);
        }
    }

    // ---------------------------------------------------------------- bit extraction and packing

    @Override
    public void extractBit(final RingTensor a, final int bit, final RingTensor out) {
        KernelChecks.sameShape("extractBit", a, out);
        KernelChecks.bitIndex("extractBit", "bit", bit);
        try {
            final UnsafeBuffer x = a.buffer();
            final UnsafeBuffer o = out.buffer();
            final int n = (int) a.numel();
            for (int i = 0; i < n; i++) {
                o.putLong(i << 3, (x.getLong(i << 3) >>> bit) & 1L);
            }
        } finally {
            keepAlive(a, out);
        }
    }

    @Override
    public void packBits(final RingTensor a, final RingTensor out) {
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
            keepAlive(a, out);
        }
    }

    @Override
    public void unpackBits(final RingTensor packed, final RingTensor out) {
        KernelChecks.unpackBits(packed, out);
        try {
            final UnsafeBuffer p = packed.buffer();
            final UnsafeBuffer o = out.buffer();
            final int n = (int) out.numel();
            for (int i = 0; i < n; i++) {
                o.putLong(i << 3, (p.getLong((i >>> 6) << 3) >>> (i & 63)) & 1L);
            }
        } finally {
            keepAlive(packed, out);
        }
    }

    @Override
    public void toBitPlanes(final RingTensor a, final RingTensor out) {
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
            keepAlive(a, out);
        }
    }

    @Override
    public void fromBitPlanes(final RingTensor planes, final RingTensor out) {
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
            keepAlive(planes, out);
        }
    }

    // ---------------------------------------------------------------- fixed point

    @Override
    public void truncate(final RingTensor a, final int fracBits, final RingTensor out) {
        KernelChecks.sameShape("truncate", a, out);
        KernelChecks.bitIndex("truncate", "fracBits", fracBits);
        try {
            final UnsafeBuffer x = a.buffer();
            final UnsafeBuffer o = out.buffer();
            final int n = (int) a.numel();
            for (int i = 0; i < n; i++) {
                o.putLong(i << 3, x.getLong(i << 3) >> fracBits);
            }
        } finally {
            keepAlive(a, out);
        }
    }

    @Override
    public void truncateMasked(final RingTensor opened, final RingTensor rHigh, final RingTensor rMsb,
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
            keepAlive(opened, rHigh, rMsb, out);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Each element goes through {@link FixedPoint#encode(double, long, int)}, which every backend's range check
     * and message must match; the reported index is the index into {@code src}.
     */
    @Override
    public void encode(final double[] src, final int srcOffset, final int fracBits, final RingTensor out) {
        KernelChecks.encode(src.length, srcOffset, fracBits, out);
        try {
            final UnsafeBuffer o = out.buffer();
            final int n = (int) out.numel();
            for (int i = 0; i < n; i++) {
                final int index = srcOffset + i;
                o.putLong(i << 3, FixedPoint.encode(src[index], index, fracBits));
            }
        } finally {
            keepAlive(out, out);
        }
    }

    /** {@inheritDoc} Each value is widened to {@code double} (exactly) and encoded as in the double variant. */
    @Override
    public void encode(final float[] src, final int srcOffset, final int fracBits, final RingTensor out) {
        KernelChecks.encode(src.length, srcOffset, fracBits, out);
        try {
            final UnsafeBuffer o = out.buffer();
            final int n = (int) out.numel();
            for (int i = 0; i < n; i++) {
                final int index = srcOffset + i;
                o.putLong(i << 3, FixedPoint.encode(src[index], index, fracBits));
            }
        } finally {
            keepAlive(out, out);
        }
    }

    @Override
    public void decode(final RingTensor a, final int fracBits, final double[] dst, final int dstOffset) {
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
            keepAlive(a, a);
        }
    }

    @Override
    public void decode(final RingTensor a, final int fracBits, final float[] dst, final int dstOffset) {
        KernelChecks.decode(a, fracBits, dst.length, dstOffset);
        final double scale = Math.scalb(1.0, fracBits);
        try {
            final UnsafeBuffer x = a.buffer();
            final int n = (int) a.numel();
            for (int i = 0; i < n; i++) {
                dst[dstOffset + i] = (float) ((double) x.getLong(i << 3) / scale);
            }
        } finally {
            keepAlive(a, a);
        }
    }

    // ---------------------------------------------------------------- linear algebra

    @Override
    public void matmul(final RingTensor a, final RingTensor b, final RingTensor out, final boolean transposeA,
                       final boolean transposeB) {
        final KernelChecks.Matmul d = KernelChecks.matmul(a, b, out, transposeA, transposeB);
        final int m = d.m();
        final int k = d.k();
        final int n = d.n();
        try {
            final UnsafeBuffer x = a.buffer();
            final UnsafeBuffer y = b.buffer();
            final UnsafeBuffer o = out.buffer();
            for (int batch = 0; batch < d.batch(); batch++) {
                final int aBase = (int) (batch * d.aStride());
                final int bBase = (int) (batch * d.bStride());
                final int oBase = (int) (batch * d.outStride());
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        long acc = 0;
                        for (int p = 0; p < k; p++) {
                            // op(a)[i, p] and op(b)[p, j], read through the transposes.
                            final int ai = aBase + (transposeA ? p * m + i : i * k + p);
                            final int bi = bBase + (transposeB ? j * k + p : p * n + j);
                            acc += x.getLong(ai << 3) * y.getLong(bi << 3);
                        }
                        o.putLong((oBase + i * n + j) << 3, acc);
                    }
                }
            }
        } finally {
            keepAlive(a, b, out);
        }
    }

    @Override
    public void conv2d(final RingTensor input, final RingTensor weight, final Conv2dSpec spec, final RingTensor out) {
        final KernelChecks.Conv g = KernelChecks.conv2d(input, weight, spec, out);
        try {
            final UnsafeBuffer in = input.buffer();
            final UnsafeBuffer w = weight.buffer();
            final UnsafeBuffer o = out.buffer();
            for (int n = 0; n < g.batch(); n++) {
                for (int oc = 0; oc < g.outChannels(); oc++) {
                    for (int y = 0; y < g.outH(); y++) {
                        for (int x = 0; x < g.outW(); x++) {
                            long acc = 0;
                            for (int c = 0; c < g.inChannels(); c++) {
                                for (int i = 0; i < g.kernelH(); i++) {
                                    for (int j = 0; j < g.kernelW(); j++) {
                                        final int iy = y * g.strideH() + i - g.padH();
                                        final int ix = x * g.strideW() + j - g.padW();
                                        if (iy >= 0 && iy < g.inH() && ix >= 0 && ix < g.inW()) {
                                            acc += in.getLong(inputIndex(g, n, c, iy, ix) << 3)
                                                * w.getLong(weightIndex(g, oc, c, i, j) << 3);
                                        }
                                    }
                                }
                            }
                            o.putLong(outputIndex(g, n, oc, y, x) << 3, acc);
                        }
                    }
                }
            }
        } finally {
            keepAlive(input, weight, out);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Computed as the adjoint of {@link #conv2d}: every product {@code input[n, c, iy, ix] * weight[o, c, i, j]}
     * that the forward pass adds into {@code out[n, o, y, x]} becomes {@code gradOut[n, o, y, x] * weight[o, c, i, j]}
     * added into {@code gradInput[n, c, iy, ix]}.
     */
    @Override
    public void conv2dBackwardInput(final RingTensor gradOut, final RingTensor weight, final Conv2dSpec spec,
                                    final RingTensor gradInput) {
        final KernelChecks.Conv g = KernelChecks.conv2dBackwardInput(gradOut, weight, spec, gradInput);
        try {
            final UnsafeBuffer go = gradOut.buffer();
            final UnsafeBuffer w = weight.buffer();
            final UnsafeBuffer gi = gradInput.buffer();
            // Overwrite, not accumulate: start from zero, then scatter.
            final int total = (int) gradInput.numel();
            for (int t = 0; t < total; t++) {
                gi.putLong(t << 3, 0L);
            }
            for (int n = 0; n < g.batch(); n++) {
                for (int oc = 0; oc < g.outChannels(); oc++) {
                    for (int y = 0; y < g.outH(); y++) {
                        for (int x = 0; x < g.outW(); x++) {
                            final long grad = go.getLong(outputIndex(g, n, oc, y, x) << 3);
                            for (int c = 0; c < g.inChannels(); c++) {
                                for (int i = 0; i < g.kernelH(); i++) {
                                    for (int j = 0; j < g.kernelW(); j++) {
                                        final int iy = y * g.strideH() + i - g.padH();
                                        final int ix = x * g.strideW() + j - g.padW();
                                        if (iy >= 0 && iy < g.inH() && ix >= 0 && ix < g.inW()) {
                                            final int at = inputIndex(g, n, c, iy, ix) << 3;
                                            gi.putLong(at, gi.getLong(at)
                                                + grad * w.getLong(weightIndex(g, oc, c, i, j) << 3));
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        } finally {
            keepAlive(gradOut, weight, gradInput);
        }
    }

    @Override
    public void conv2dBackwardWeight(final RingTensor input, final RingTensor gradOut, final Conv2dSpec spec,
                                     final RingTensor gradWeight) {
        final KernelChecks.Conv g = KernelChecks.conv2dBackwardWeight(input, gradOut, spec, gradWeight);
        try {
            final UnsafeBuffer in = input.buffer();
            final UnsafeBuffer go = gradOut.buffer();
            final UnsafeBuffer gw = gradWeight.buffer();
            for (int oc = 0; oc < g.outChannels(); oc++) {
                for (int c = 0; c < g.inChannels(); c++) {
                    for (int i = 0; i < g.kernelH(); i++) {
                        for (int j = 0; j < g.kernelW(); j++) {
                            long acc = 0;
                            for (int n = 0; n < g.batch(); n++) {
                                for (int y = 0; y < g.outH(); y++) {
                                    for (int x = 0; x < g.outW(); x++) {
                                        final int iy = y * g.strideH() + i - g.padH();
                                        final int ix = x * g.strideW() + j - g.padW();
                                        if (iy >= 0 && iy < g.inH() && ix >= 0 && ix < g.inW()) {
                                            acc += go.getLong(outputIndex(g, n, oc, y, x) << 3)
                                                * in.getLong(inputIndex(g, n, c, iy, ix) << 3);
                                        }
                                    }
                                }
                            }
                            gw.putLong(weightIndex(g, oc, c, i, j) << 3, acc);
                        }
                    }
                }
            }
        } finally {
            keepAlive(input, gradOut, gradWeight);
        }
    }

    // ---------------------------------------------------------------- reductions

    @Override
    public void sum(final RingTensor a, final int axis, final RingTensor out) {
        final KernelChecks.Sum s = KernelChecks.sum(a, axis, out);
        final int outer = (int) s.outer();
        final int size = s.axisSize();
        final int inner = (int) s.inner();
        try {
            final UnsafeBuffer x = a.buffer();
            final UnsafeBuffer o = out.buffer();
            for (int p = 0; p < outer; p++) {
                for (int q = 0; q < inner; q++) {
                    long acc = 0;
                    for (int t = 0; t < size; t++) {
                        acc += x.getLong(((p * size + t) * inner + q) << 3);
                    }
                    o.putLong((p * inner + q) << 3, acc);
                }
            }
        } finally {
            keepAlive(a, out);
        }
    }

    // ---------------------------------------------------------------- randomness

    @Override
    public void aesCtrFill(final byte[] key, final long nonce, final long firstBlock, final RingTensor out) {
        KernelChecks.aesCtrFill(key, out);
        final byte[] iv = new byte[BLOCK_BYTES];
        putBigEndian(iv, 0, nonce);
        putBigEndian(iv, 8, firstBlock);
        final Cipher cipher;
        try {
            cipher = Cipher.getInstance("AES/CTR/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR/NoPadding is not available in this JDK", e);
        }
        final int n = (int) out.numel();
        final int chunkLongs = CHUNK_BYTES / Long.BYTES;
        final byte[] stream = new byte[Math.min(CHUNK_BYTES, ((n + 1) >>> 1) * BLOCK_BYTES)];
        try {
            final UnsafeBuffer o = out.buffer();
            for (int done = 0; done < n; ) {
                final int count = Math.min(chunkLongs, n - done);
                // Whole blocks only; for an odd count (the last chunk) the second half of the last block is dropped.
                final int bytes = ((count + 1) >>> 1) * BLOCK_BYTES;
                if (cipher.update(ZEROS, 0, bytes, stream, 0) != bytes) {
                    throw new IllegalStateException("AES/CTR returned a short keystream, bytes=" + bytes);
                }
                if (NATIVE_LITTLE_ENDIAN) {
                    // Tensor memory holds native-order longs, so little-endian bytes can be copied as they are.
                    o.putBytes(done << 3, stream, 0, count << 3);
                } else {
                    for (int j = 0; j < count; j++) {
                        o.putLong((done + j) << 3, (long) LONG_LE.get(stream, j << 3));
                    }
                }
                done += count;
            }
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR keystream generation failed", e);
        } finally {
            // The keystream is future share material: do not leave it on the heap longer than needed.
            Arrays.fill(stream, (byte) 0);
            keepAlive(out, out);
        }
    }

    @Override
    public String toString() {
        return "JavaBackend";
    }

    // ---------------------------------------------------------------- helpers

    /**
     * The elementwise binary kernels: {@code out[idx] = op(a[idx'], b[idx''])} where {@code idx'} and
     * {@code idx''} are {@code idx} with every broadcast axis of the operand set to 0.
     */
    private static void binary(final String name, final RingTensor a, final RingTensor b, final RingTensor out,
                               final LongBinaryOperator op) {
        final KernelChecks.Broadcast plan = KernelChecks.broadcast(name, a, b, out);
        try {
            final UnsafeBuffer x = a.buffer();
            final UnsafeBuffer y = b.buffer();
            final UnsafeBuffer o = out.buffer();
            final int total = (int) plan.numel();
            if (plan.sameShape()) {
                for (int i = 0; i < total; i++) {
                    o.putLong(i << 3, op.applyAsLong(x.getLong(i << 3), y.getLong(i << 3)));
                }
                return;
            }
            // An odometer over the output's multi-index, moving each operand's flat index by its strides.
            final int rank = plan.rank();
            final int[] shape = plan.shape();
            final long[] sa = plan.stridesA();
            final long[] sb = plan.stridesB();
            final int[] idx = new int[rank];
            long ia = 0;
            long ib = 0;
            for (int i = 0; i < total; i++) {
                o.putLong(i << 3, op.applyAsLong(x.getLong((int) ia << 3), y.getLong((int) ib << 3)));
                for (int d = rank - 1; d >= 0; d--) {
                    idx[d]++;
                    ia += sa[d];
                    ib += sb[d];
                    if (idx[d] < shape[d]) {
                        break;
                    }
                    ia -= sa[d] * shape[d];
                    ib -= sb[d] * shape[d];
                    idx[d] = 0;
                }
            }
        } finally {
            keepAlive(a, b, out);
        }
    }

    private static int inputIndex(final KernelChecks.Conv g, final int n, final int c, final int y, final int x) {
        return ((n * g.inChannels() + c) * g.inH() + y) * g.inW() + x;
    }

    private static int weightIndex(final KernelChecks.Conv g, final int o, final int c, final int i, final int j) {
        return ((o * g.inChannels() + c) * g.kernelH() + i) * g.kernelW() + j;
    }

    private static int outputIndex(final KernelChecks.Conv g, final int n, final int o, final int y, final int x) {
        return ((n * g.outChannels() + o) * g.outH() + y) * g.outW() + x;
    }

    private static void putBigEndian(final byte[] dst, final int offset, final long value) {
        for (int i = 0; i < 8; i++) {
            dst[offset + i] = (byte) (value >>> (56 - 8 * i));
        }
    }

    /**
     * Keeps the tensors (and so their off-heap memory) reachable until the loops that read their raw addresses
     * are done; without it the collector may free the memory of a tensor whose last Java use came earlier.
     */
    private static void keepAlive(final RingTensor first, final RingTensor second) {
        Reference.reachabilityFence(first);
        Reference.reachabilityFence(second);
    }

    private static void keepAlive(final RingTensor first, final RingTensor second, final RingTensor third) {
        Reference.reachabilityFence(first);
        Reference.reachabilityFence(second);
        Reference.reachabilityFence(third);
    }

    private static void keepAlive(final RingTensor first, final RingTensor second, final RingTensor third,
                                  final RingTensor fourth) {
        Reference.reachabilityFence(first);
        Reference.reachabilityFence(second);
        Reference.reachabilityFence(third);
        Reference.reachabilityFence(fourth);
    }
}
