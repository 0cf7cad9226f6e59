package dev.obscura.backend;

import dev.obscura.ring.RingTensor;
import dev.obscura.ring.Shapes;

/**
 * The argument checks of every {@link Backend} kernel, and the sizes they derive, shared by all backends so that
 * every backend rejects exactly the same calls with exactly the same messages before it touches memory.
 *
 * <p>Every failure is an {@link IllegalArgumentException} whose message is the kernel name followed by key=value
 * facts about shapes and parameters. Element values never appear: tensors may hold secret shares. A closed tensor
 * fails with {@link IllegalStateException} (from {@link RingTensor#buffer()}).
 *
 * <p>Aliasing rules (checked by address, so views are caught too): an input of an elementwise kernel may be
 * {@code out} itself (same memory, same element count) or disjoint from it, never partly overlapping; kernels
 * documented "must not alias" reject any overlap.
 *
 * <p>Stateless and thread-safe.
 */
public final class KernelChecks {
    /** Number of bits in a ring element; shift amounts, bit indices and fractional bits lie in [0, 64). */
    public static final int RING_BITS = 64;
    /** Bytes of an AES-128 key. */
    public static final int AES_KEY_BYTES = 16;

    private KernelChecks() {
    }

    // ---------------------------------------------------------------- derived sizes

    /**
     * How two operands broadcast to the output (a new plan per call of {@link #broadcast}, owned by its caller).
     *
     * @param sameShape whether {@code a}, {@code b} and {@code out} have one element count, so that element
     *                  {@code i} of each operand goes with element {@code i} of the output
     * @param shape     the output shape
     * @param stridesA  strides (in elements) with which {@code a} is read, aligned with {@code shape}; 0 on axes
     *                  it is broadcast along
     * @param stridesB  the same for {@code b}
     */
    public record Broadcast(boolean sameShape, int[] shape, long[] stridesA, long[] stridesB) {
        /** The rank of the output. */
        public int rank() {
            return shape.length;
        }

        /** Number of output elements. */
        public long numel() {
            return Shapes.numel(shape);
        }
    }

    /**
     * Sizes of a (batched) matrix product: {@code batch} products (1 when {@code a} has rank 2) of
     * {@code op(a) [m, k]} and {@code op(b) [k, n]}; {@code sharedB} when one rank-2 {@code b} serves every batch
     * (also for an unbatched product).
     */
    public record Matmul(int batch, int m, int k, int n, boolean sharedB) {
        /** Elements of one {@code a} matrix. */
        public long aStride() {
            return (long) m * k;
        }

        /** Elements of one {@code b} matrix, 0 when it is shared. */
        public long bStride() {
            return sharedB ? 0 : (long) k * n;
        }

        /** Elements of one output matrix. */
        public long outStride() {
            return (long) m * n;
        }
    }

    /**
     * A 2-D convolution: the windows of its input and its number of filters. The weight is
     * {@code [outChannels, window.channels(), window.kernelH(), window.kernelW()]}.
     *
     * @param window      the input {@code [N, C, H, W]}, the kernel, strides and padding
     * @param outChannels the filters {@code O}
     */
    public record Conv(WindowGeometry window, int outChannels) {
    }

    /**
     * A reduction over one axis of a row-major tensor viewed as {@code [outer, axisSize, inner]}.
     *
     * @param axis     the axis, made non-negative
     * @param outer    product of the dimensions before the axis
     * @param axisSize the dimension summed over
     * @param inner    product of the dimensions after the axis
     */
    public record Sum(int axis, long outer, int axisSize, long inner) {
    }

    // ---------------------------------------------------------------- elementwise

    /**
     * {@code add}, {@code sub}, {@code mul}, {@code and}, {@code or}, {@code xor}: the operands broadcast
     * NumPy-style, {@code out} has exactly the broadcast shape, and an input that overlaps {@code out} is
     * {@code out} itself.
     */
    public static Broadcast broadcast(final String op, final RingTensor a, final RingTensor b, final RingTensor out) {
        final int[] sa = a.shape();
        final int[] sb = b.shape();
        final int[] so = out.shape();
        final int[] target;
        try {
            target = Shapes.broadcast(sa, sb);
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException(op + " operands do not broadcast, a=" + Shapes.toString(sa)
                + ", b=" + Shapes.toString(sb), e);
        }
        if (!Shapes.equal(target, so)) {
            throw new IllegalArgumentException(op + " out must have the broadcast shape, a=" + Shapes.toString(sa)
                + ", b=" + Shapes.toString(sb) + ", broadcast=" + Shapes.toString(target)
                + ", out=" + Shapes.toString(so));
        }
        inPlaceOrDisjoint(op, "a", a, out);
        inPlaceOrDisjoint(op, "b", b, out);
        // Equal element counts mean the shapes differ at most by axes of size 1: element i lines up everywhere.
        final boolean same = a.numel() == out.numel() && b.numel() == out.numel();
        return new Broadcast(same, target, Shapes.broadcastStrides(sa, target), Shapes.broadcastStrides(sb, target));
    }

    /** A unary kernel whose output has the input's shape; {@code out} may be {@code a}. */
    public static void sameShape(final String op, final RingTensor a, final RingTensor out) {
        sameShape(op, "a", a, out);
    }

    /**
     * An input named {@code name} of an elementwise kernel without broadcasting: it has {@code out}'s shape, and
     * is {@code out} itself or does not overlap it.
     */
    public static void sameShape(final String op, final String name, final RingTensor in, final RingTensor out) {
        if (!in.sameShape(out)) {
            throw new IllegalArgumentException(op + " out must have the shape of " + name + ", " + name + "=" + in
                + ", out=" + out);
        }
        inPlaceOrDisjoint(op, name, in, out);
    }

    /** {@code mulAdd}: {@code a}, {@code b} and {@code c} have {@code out}'s shape; each may be {@code out}. */
    public static void mulAdd(final RingTensor a, final RingTensor b, final RingTensor c, final RingTensor out) {
        sameShape("mulAdd", "a", a, out);
        sameShape("mulAdd", "b", b, out);
        sameShape("mulAdd", "c", c, out);
    }

    /**
     * {@code truncateMasked}: {@code bits} in [1, 62]; {@code opened}, {@code rHigh} and {@code rMsb} have
     * {@code out}'s shape; each may be {@code out}.
     */
    public static void truncateMasked(final RingTensor opened, final RingTensor rHigh, final RingTensor rMsb,
                                      final int bits, final RingTensor out) {
        if (bits < 1 || bits > RING_BITS - 2) {
            throw new IllegalArgumentException("truncateMasked bits must be in [1, 62], bits=" + bits);
        }
        sameShape("truncateMasked", "opened", opened, out);
        sameShape("truncateMasked", "rHigh", rHigh, out);
        sameShape("truncateMasked", "rMsb", rMsb, out);
    }

    /** {@code copy}: same element count, shapes may differ; {@code out} may be {@code a}. */
    public static void sameNumel(final String op, final RingTensor a, final RingTensor out) {
        if (a.numel() != out.numel()) {
            throw new IllegalArgumentException(op + " out must have the element count of a, a=" + a
                + ", out=" + out + ", a.numel=" + a.numel() + ", out.numel=" + out.numel());
        }
        inPlaceOrDisjoint(op, "a", a, out);
    }

    /** A shift amount or bit index, in [0, 64). */
    public static void bitIndex(final String op, final String name, final int value) {
        if (value < 0 || value >= RING_BITS) {
            throw new IllegalArgumentException(op + " " + name + " must be in [0, 64), " + name + "=" + value);
        }
    }

    // ---------------------------------------------------------------- bits

    /** {@code packBits}: {@code out} has {@code ceil(n / 64)} elements and does not overlap {@code a}. */
    public static long packBits(final RingTensor a, final RingTensor out) {
        return packed("packBits", "a", a, "out", out, false, true);
    }

    /** {@code unpackBits}: {@code packed} has {@code ceil(out.numel() / 64)} elements and does not overlap. */
    public static long unpackBits(final RingTensor packed, final RingTensor out) {
        return packed("unpackBits", "out", out, "packed", packed, false, false);
    }

    /** {@code toBitPlanes}: {@code out} is {@code [64, ceil(n / 64)]}; returns the words per plane. */
    public static long toBitPlanes(final RingTensor a, final RingTensor out) {
        return packed("toBitPlanes", "a", a, "out", out, true, true);
    }

    /** {@code fromBitPlanes}: {@code planes} is {@code [64, ceil(n / 64)]}; returns the words per plane. */
    public static long fromBitPlanes(final RingTensor planes, final RingTensor out) {
        return packed("fromBitPlanes", "out", out, "planes", planes, true, false);
    }

    // ---------------------------------------------------------------- fixed point

    /** {@code encode}: fractional bits in [0, 64) and {@code out.numel()} values from {@code srcOffset}. */
    public static void encode(final int srcLength, final int srcOffset, final int fracBits, final RingTensor out) {
        bitIndex("encode", "fracBits", fracBits);
        if (srcOffset < 0 || srcOffset + out.numel() > srcLength) {
            throw new IllegalArgumentException("encode source range must lie within src, src.length=" + srcLength
                + ", srcOffset=" + srcOffset + ", out=" + out + ", numel=" + out.numel());
        }
        out.buffer();
    }

    /** {@code decode}: fractional bits in [0, 64) and room for {@code a.numel()} values from {@code dstOffset}. */
    public static void decode(final RingTensor a, final int fracBits, final int dstLength, final int dstOffset) {
        bitIndex("decode", "fracBits", fracBits);
        if (dstOffset < 0 || dstOffset + a.numel() > dstLength) {
            throw new IllegalArgumentException("decode destination range must lie within dst, dst.length="
                + dstLength + ", dstOffset=" + dstOffset + ", a=" + a + ", numel=" + a.numel());
        }
        a.buffer();
    }

    // ---------------------------------------------------------------- linear algebra

    /**
     * {@code matmul}: {@code a} rank 2 or 3; {@code b} rank 2, or rank 3 with {@code a}'s batch; inner dimensions
     * equal; {@code out} exactly {@code [m, n]} or {@code [batch, m, n]}; no overlap.
     */
    public static Matmul matmul(final RingTensor a, final RingTensor b, final RingTensor out,
                                final boolean transposeA, final boolean transposeB) {
        final String facts = ", a=" + a + ", b=" + b + ", out=" + out + ", transposeA=" + transposeA
            + ", transposeB=" + transposeB;
        if (a.rank() != 2 && a.rank() != 3) {
            throw new IllegalArgumentException("matmul a must have rank 2 or 3" + facts);
        }
        if (b.rank() != 2 && !(b.rank() == 3 && a.rank() == 3)) {
            throw new IllegalArgumentException("matmul b must have rank 2, or rank 3 when a has rank 3" + facts);
        }
        final boolean batched = a.rank() == 3;
        final int batch = batched ? a.dim(0) : 1;
        if (b.rank() == 3 && b.dim(0) != batch) {
            throw new IllegalArgumentException("matmul batch sizes must match" + facts);
        }
        final int m = transposeA ? a.dim(-1) : a.dim(-2);
        final int ka = transposeA ? a.dim(-2) : a.dim(-1);
        final int kb = transposeB ? b.dim(-1) : b.dim(-2);
        final int n = transposeB ? b.dim(-2) : b.dim(-1);
        if (ka != kb) {
            throw new IllegalArgumentException("matmul inner dimensions must match, k(a)=" + ka + ", k(b)=" + kb
                + facts);
        }
        final boolean outOk = batched ? out.hasShape(batch, m, n) : out.hasShape(m, n);
        if (!outOk) {
            throw new IllegalArgumentException("matmul out must have shape "
                + (batched ? Shapes.toString(batch, m, n) : Shapes.toString(m, n)) + facts);
        }
        disjoint("matmul", "a", a, out);
        disjoint("matmul", "b", b, out);
        return new Matmul(batch, m, ka, n, b.rank() == 2);
    }

    /** {@code conv2d}: input {@code [N, C, H, W]}, weight {@code [O, C, kH, kW]}, out {@code [N, O, outH, outW]}. */
    public static Conv conv2d(final RingTensor input, final RingTensor weight, final Conv2dSpec spec,
                              final RingTensor out) {
        final Conv c = conv("conv2d", input.shape(), weight.shape(), spec, "out", out.shape());
        disjoint("conv2d", "input", input, out);
        disjoint("conv2d", "weight", weight, out);
        return c;
    }

    /**
     * {@code conv2dBackwardInput}: gradOut {@code [N, O, outH, outW]}, weight {@code [O, C, kH, kW]}, gradInput
     * {@code [N, C, H, W]}, where {@code outH, outW} are what {@code spec} gives for {@code H, W}.
     */
    public static Conv conv2dBackwardInput(final RingTensor gradOut, final RingTensor weight, final Conv2dSpec spec,
                                           final RingTensor gradInput) {
        final Conv c = conv("conv2dBackwardInput", gradInput.shape(), weight.shape(), spec, "gradOut",
            gradOut.shape());
        disjoint("conv2dBackwardInput", "gradOut", gradOut, gradInput);
        disjoint("conv2dBackwardInput", "weight", weight, gradInput);
        return c;
    }

    /**
     * {@code conv2dBackwardWeight}: input {@code [N, C, H, W]}, gradOut {@code [N, O, outH, outW]}, gradWeight
     * {@code [O, C, kH, kW]}.
     */
    public static Conv conv2dBackwardWeight(final RingTensor input, final RingTensor gradOut, final Conv2dSpec spec,
                                            final RingTensor gradWeight) {
        final Conv c = conv("conv2dBackwardWeight", input.shape(), gradWeight.shape(), spec, "gradOut",
            gradOut.shape());
        disjoint("conv2dBackwardWeight", "input", input, gradWeight);
        disjoint("conv2dBackwardWeight", "gradOut", gradOut, gradWeight);
        return c;
    }

    // ---------------------------------------------------------------- windows

    /**
     * {@code windowGather}: input {@link WindowGeometry#inputShape()}, out {@link WindowLayout#shape} of the
     * window in {@code layout}; no overlap.
     */
    public static void windowGather(final RingTensor input, final WindowGeometry window, final WindowLayout layout,
                                    final RingTensor out) {
        windows("windowGather", window, layout, true, "input", input, out);
    }

    /**
     * {@code windowScatterAdd}: windows {@link WindowLayout#shape} of the window in {@code layout}, out
     * {@link WindowGeometry#inputShape()}; no overlap.
     */
    public static void windowScatterAdd(final RingTensor windows, final WindowGeometry window,
                                        final WindowLayout layout, final RingTensor out) {
        windows("windowScatterAdd", window, layout, false, "windows", windows, out);
    }

    // ---------------------------------------------------------------- reductions

    /**
     * {@code sum}: {@code axis} in {@code [-rank, rank)}; {@code out} has the input's shape with that axis removed
     * or set to 1; no overlap.
     */
    public static Sum sum(final RingTensor a, final int axis, final RingTensor out) {
        final int rank = a.rank();
        if (axis < -rank || axis >= rank) {
            throw new IllegalArgumentException("sum axis must be in [-rank, rank), axis=" + axis + ", a=" + a);
        }
        final int ax = axis < 0 ? axis + rank : axis;
        final int[] shape = a.shape();
        final int[] kept = shape.clone();
        kept[ax] = 1;
        final int[] removed = new int[rank - 1];
        long outer = 1;
        long inner = 1;
        for (int i = 0, j = 0; i < rank; i++) {
            if (i < ax) {
                outer *= shape[i];
            } else if (i > ax) {
                inner *= shape[i];
            }
            if (i != ax) {
                removed[j++] = shape[i];
            }
        }
        if (!out.hasShape(kept) && !out.hasShape(removed)) {
            throw new IllegalArgumentException("sum out must have the shape of a with the axis removed or set to 1,"
                + " a=" + a + ", axis=" + axis + ", out=" + out + ", expected=" + Shapes.toString(removed)
                + " or " + Shapes.toString(kept));
        }
        disjoint("sum", "a", a, out);
        return new Sum(ax, outer, shape[ax], inner);
    }

    // ---------------------------------------------------------------- randomness

    /** {@code aesCtrFill}: an AES-128 key of 16 bytes and an open output. */
    public static void aesCtrFill(final byte[] key, final RingTensor out) {
        if (key == null || key.length != AES_KEY_BYTES) {
            throw new IllegalArgumentException("aesCtrFill key must be 16 bytes, key.length="
                + (key == null ? "null" : Integer.toString(key.length)));
        }
        out.buffer();
    }

    // ---------------------------------------------------------------- helpers

    /** {@code ceil(n / 64)}: the 64-bit words that hold one bit per element. */
    public static long words(final long n) {
        return (n + RING_BITS - 1) >>> 6;
    }

    /**
     * Rejects a partial overlap of {@code in} and {@code out}: they must be disjoint or the very same elements
     * (same start, same count), which is what an in-place elementwise kernel may rely on.
     */
    public static void inPlaceOrDisjoint(final String op, final String name, final RingTensor in,
                                         final RingTensor out) {
        final long inStart = in.buffer().addressOffset();
        final long outStart = out.buffer().addressOffset();
        final boolean identical = inStart == outStart && in.numel() == out.numel();
        if (!identical && overlap(in, out)) {
            throw new IllegalArgumentException(op + " " + name + " must be out itself or not overlap it, "
                + name + "=" + in + ", out=" + out);
        }
    }

    /** Rejects any overlap of {@code in} and {@code out}, for kernels that read inputs after writing outputs. */
    public static void disjoint(final String op, final String name, final RingTensor in, final RingTensor out) {
        if (overlap(in, out)) {
            throw new IllegalArgumentException(op + " " + name + " must not alias out, " + name + "=" + in
                + ", out=" + out);
        }
    }

    private static boolean overlap(final RingTensor x, final RingTensor y) {
        final long xs = x.buffer().addressOffset();
        final long ys = y.buffer().addressOffset();
        final long xe = xs + (long) x.buffer().capacity();
        final long ye = ys + (long) y.buffer().capacity();
        return xs < ye && ys < xe;
    }

    private static Conv conv(final String op, final int[] input, final int[] weight, final Conv2dSpec spec,
                             final String outName, final int[] out) {
        final WindowGeometry window = WindowGeometry.convolution(op, input, weight, spec);
        window.requireOutputShape(op, outName, out, weight[0]);
        return new Conv(window, weight[0]);
    }

    /**
     * Values and their bits, 64 to a word: {@code packed} has {@code ceil(n / 64)} words, or is the bit planes
     * {@code [64, ceil(n / 64)]}, and does not overlap the values. Returns the words (per plane).
     */
    private static long packed(final String op, final String valuesName, final RingTensor values,
                               final String packedName, final RingTensor packed, final boolean planes,
                               final boolean valuesIn) {
        final long words = words(values.numel());
        final boolean ok = planes ? packed.rank() == 2 && packed.dim(0) == RING_BITS && packed.dim(1) == words
            : packed.numel() == words;
        if (!ok) {
            throw new IllegalArgumentException(op + " " + packedName + " must have "
                + (planes ? "shape [64, ceil(n / 64)]" : "ceil(n / 64) elements") + ", " + valuesName + "=" + values
                + ", " + packedName + "=" + packed + ", n=" + values.numel() + ", expected="
                + (planes ? "[64, " + words + "]" : Long.toString(words)));
        }
        if (valuesIn) {
            disjoint(op, valuesName, values, packed);
        } else {
            disjoint(op, packedName, packed, values);
        }
        return words;
    }

    /** A window kernel from the input to the windows in {@code layout} ({@code gather}) or back; no overlap. */
    private static void windows(final String op, final WindowGeometry window, final WindowLayout layout,
                                final boolean gather, final String fromName, final RingTensor from,
                                final RingTensor out) {
        if (window == null || layout == null) {
            throw new IllegalArgumentException(op + " needs a window and a layout, window=" + window + ", layout="
                + layout);
        }
        final int[] fromShape = gather ? window.inputShape() : layout.shape(window);
        final int[] outShape = gather ? layout.shape(window) : window.inputShape();
        if (!from.hasShape(fromShape) || !out.hasShape(outShape)) {
            throw new IllegalArgumentException(op + " " + fromName + " must have shape " + Shapes.toString(fromShape)
                + " and out " + Shapes.toString(outShape) + ", " + fromName + "=" + from + ", out=" + out
                + ", layout=" + layout + window.facts());
        }
        disjoint(op, fromName, from, out);
    }
}
