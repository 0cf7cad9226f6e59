package dev.obscura.backend;

import dev.obscura.ring.FixedPoint;
import dev.obscura.ring.RingTensor;
import java.lang.ref.Reference;
import java.util.function.LongBinaryOperator;
import java.util.function.LongUnaryOperator;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The reference backend: every kernel of {@link Backend} as plain loops in Java, written to be checked line by line
 * against the contract. Its output defines the bits that every other backend must reproduce; speed is secondary.
 *
 * <p>Every kernel first runs the shared {@link KernelChecks}, then loops over the off-heap elements through
 * {@link RingTensor#buffer()} (byte index {@code 8 * i}). Java {@code long} arithmetic is exactly arithmetic in
 * Z_2^64, so no kernel needs a modulus. The convolutions and window kernels share one walk over the taps of a
 * {@link WindowGeometry} ({@code JavaWindowKernels}); AES-CTR is the JDK's ({@code JavaAesCtr}).
 *
 * <p>Stateless and thread-safe; single-threaded per call.
 */
public final class JavaBackend implements Backend {
    /** The selection name. */
    public static final String NAME = "java";

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
        map(a, out, x -> -x);
    }

    @Override
    public void addScalar(final RingTensor a, final long s, final RingTensor out) {
        KernelChecks.sameShape("addScalar", a, out);
        map(a, out, x -> x + s);
    }

    @Override
    public void mulScalar(final RingTensor a, final long s, final RingTensor out) {
        KernelChecks.sameShape("mulScalar", a, out);
        map(a, out, x -> x * s);
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
        map(a, out, x -> ~x);
    }

    @Override
    public void shiftLeft(final RingTensor a, final int bits, final RingTensor out) {
        KernelChecks.sameShape("shiftLeft", a, out);
        KernelChecks.bitIndex("shiftLeft", "bits", bits);
        map(a, out, x -> x << bits);
    }

    @Override
    public void shiftRight(final RingTensor a, final int bits, final RingTensor out) {
        KernelChecks.sameShape("shiftRight", a, out);
        KernelChecks.bitIndex("shiftRight", "bits", bits);
        map(a, out, x -> x >> bits);
    }

    @Override
    public void shiftRightLogical(final RingTensor a, final int bits, final RingTensor out) {
        KernelChecks.sameShape("shiftRightLogical", a, out);
        KernelChecks.bitIndex("shiftRightLogical", "bits", bits);
        map(a, out, x -> x >>> bits);
    }

    // ---------------------------------------------------------------- bit extraction and packing

    @Override
    public void extractBit(final RingTensor a, final int bit, final RingTensor out) {
        KernelChecks.sameShape("extractBit", a, out);
        KernelChecks.bitIndex("extractBit", "bit", bit);
        map(a, out, x -> (x >>> bit) & 1L);
    }

    @Override
    public void packBits(final RingTensor a, final RingTensor out) {
        JavaBitKernels.packBits(a, out);
    }

    @Override
    public void unpackBits(final RingTensor packed, final RingTensor out) {
        JavaBitKernels.unpackBits(packed, out);
    }

    @Override
    public void toBitPlanes(final RingTensor a, final RingTensor out) {
        JavaBitKernels.toBitPlanes(a, out);
    }

    @Override
    public void fromBitPlanes(final RingTensor planes, final RingTensor out) {
        JavaBitKernels.fromBitPlanes(planes, out);
    }

    // ---------------------------------------------------------------- fixed point

    @Override
    public void truncate(final RingTensor a, final int fracBits, final RingTensor out) {
        KernelChecks.sameShape("truncate", a, out);
        KernelChecks.bitIndex("truncate", "fracBits", fracBits);
        map(a, out, x -> x >> fracBits);
    }

    @Override
    public void truncateMasked(final RingTensor opened, final RingTensor rHigh, final RingTensor rMsb,
                               final int bits, final boolean first, final RingTensor out) {
        JavaFixedPointKernels.truncateMasked(opened, rHigh, rMsb, bits, first, out);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Each element goes through {@link FixedPoint#encode(double, long, int)}, which every backend's range check
     * and message must match; the reported index is the index into {@code src}.
     */
    @Override
    public void encode(final double[] src, final int srcOffset, final int fracBits, final RingTensor out) {
        JavaFixedPointKernels.encode(src, srcOffset, fracBits, out);
    }

    /** {@inheritDoc} Each value is widened to {@code double} (exactly) and encoded as in the double variant. */
    @Override
    public void encode(final float[] src, final int srcOffset, final int fracBits, final RingTensor out) {
        JavaFixedPointKernels.encode(src, srcOffset, fracBits, out);
    }

    @Override
    public void decode(final RingTensor a, final int fracBits, final double[] dst, final int dstOffset) {
        JavaFixedPointKernels.decode(a, fracBits, dst, dstOffset);
    }

    @Override
    public void decode(final RingTensor a, final int fracBits, final float[] dst, final int dstOffset) {
        JavaFixedPointKernels.decode(a, fracBits, dst, dstOffset);
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
        JavaWindowKernels.conv2d(input, weight, spec, out);
    }

    @Override
    public void conv2dBackwardInput(final RingTensor gradOut, final RingTensor weight, final Conv2dSpec spec,
                                    final RingTensor gradInput) {
        JavaWindowKernels.conv2dBackwardInput(gradOut, weight, spec, gradInput);
    }

    @Override
    public void conv2dBackwardWeight(final RingTensor input, final RingTensor gradOut, final Conv2dSpec spec,
                                     final RingTensor gradWeight) {
        JavaWindowKernels.conv2dBackwardWeight(input, gradOut, spec, gradWeight);
    }

    // ---------------------------------------------------------------- windows

    @Override
    public void windowGather(final RingTensor input, final WindowGeometry window, final WindowLayout layout,
                             final RingTensor out) {
        JavaWindowKernels.windowGather(input, window, layout, out);
    }

    @Override
    public void windowScatterAdd(final RingTensor windows, final WindowGeometry window, final WindowLayout layout,
                                 final RingTensor out) {
        JavaWindowKernels.windowScatterAdd(windows, window, layout, out);
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
        JavaAesCtr.fill(key, nonce, firstBlock, out);
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

    /** {@code out[i] = f(a[i])} for a unary kernel whose arguments are checked. */
    private static void map(final RingTensor a, final RingTensor out, final LongUnaryOperator f) {
        try {
            final UnsafeBuffer x = a.buffer();
            final UnsafeBuffer o = out.buffer();
            final int n = (int) a.numel();
            for (int i = 0; i < n; i++) {
                o.putLong(i << 3, f.applyAsLong(x.getLong(i << 3)));
            }
        } finally {
            keepAlive(a, out);
        }
    }

    /**
     * Keeps the tensors (and so their off-heap memory) reachable until the loops that read their raw addresses
     * are done; without it the collector may free the memory of a tensor whose last Java use came earlier.
     */
    static void keepAlive(final RingTensor first, final RingTensor second) {
        Reference.reachabilityFence(first);
        Reference.reachabilityFence(second);
    }

    static void keepAlive(final RingTensor first, final RingTensor second, final RingTensor third) {
        Reference.reachabilityFence(first);
        Reference.reachabilityFence(second);
        Reference.reachabilityFence(third);
    }

    static void keepAlive(final RingTensor first, final RingTensor second, final RingTensor third,
                          final RingTensor fourth) {
        Reference.reachabilityFence(first);
        Reference.reachabilityFence(second);
        Reference.reachabilityFence(third);
        Reference.reachabilityFence(fourth);
    }
}
