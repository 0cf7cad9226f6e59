package dev.obscura.backend;

import dev.obscura.ring.FixedPointRangeException;
import dev.obscura.ring.RingTensor;

/**
 * Every ring kernel that the protocols and the network need, over Z_2^64 (Java {@code long}, wrap-around).
 *
 * <p>Kernels never allocate their result: they write into a caller-supplied {@code out}, so a hot loop reuses its
 * tensors and allocates nothing per element. Unless a method says otherwise, {@code out} may be the same tensor as
 * an input (in-place), must already have the documented shape, and is overwritten, not accumulated into. Shape
 * mismatches throw {@link IllegalArgumentException} naming the shapes. Only the bit pattern matters: every backend
 * must produce exactly the same bits as {@link JavaBackend}, the reference.
 *
 * <p>Every backend validates its arguments with {@link KernelChecks} before touching memory, so all backends reject
 * the same calls with the same messages: shift amounts, bit indices and {@code fracBits} lie in {@code [0, 64)}; an
 * input that overlaps {@code out} must be exactly {@code out} (where in-place is allowed) or is rejected.
 *
 * <p>The window kernels, the convolutions and the pooling kernels {@link #windowGather} and
 * {@link #windowScatterAdd}, place their windows by one {@link WindowGeometry}; the convolutions build theirs from
 * the input, the weight and a {@link Conv2dSpec}.
 *
 * <p>Implementations are stateless apart from fixed configuration and are safe to call from many threads at once
 * on disjoint outputs.
 */
public interface Backend {

    /** Short, stable name used for selection: {@code "java"}, {@code "native-cpu"}, ... */
    String name();

    /** One line describing what this backend runs on (for example the SIMD level and the thread count). */
    String description();

    // ---------------------------------------------------------------- elementwise arithmetic, with broadcasting

    /**
     * {@code out = a + b}. {@code a} and {@code b} broadcast NumPy-style; {@code out} has the broadcast shape.
     * In-place is allowed when {@code out} is the input that already has the broadcast shape.
     */
    void add(RingTensor a, RingTensor b, RingTensor out);

    /** {@code out = a - b}, broadcasting as {@link #add}. */
    void sub(RingTensor a, RingTensor b, RingTensor out);

    /** {@code out = a * b} elementwise (low 64 bits of the product), broadcasting as {@link #add}. */
    void mul(RingTensor a, RingTensor b, RingTensor out);

    /**
     * Fused multiply-add {@code out = a * b + c} elementwise (low 64 bits, wrapping mod 2^64): one pass instead of
     * {@link #mul} then {@link #add}, the local step of a Beaver multiplication. All four tensors have the same
     * shape; nothing broadcasts. {@code out} may be {@code a}, {@code b} or {@code c} itself (any of them, several
     * at once); an input that overlaps {@code out} otherwise is rejected.
     */
    void mulAdd(RingTensor a, RingTensor b, RingTensor c, RingTensor out);

    /** {@code out = -a}. Same shape. */
    void neg(RingTensor a, RingTensor out);

    /** {@code out = a + s}. Same shape. */
    void addScalar(RingTensor a, long s, RingTensor out);

    /** {@code out = a * s}. Same shape. */
    void mulScalar(RingTensor a, long s, RingTensor out);

    /** {@code out = a}. Same element count (shapes may differ). */
    void copy(RingTensor a, RingTensor out);

    // ---------------------------------------------------------------- bitwise and shifts

    /** {@code out = a & b}, broadcasting as {@link #add}. */
    void and(RingTensor a, RingTensor b, RingTensor out);

    /** {@code out = a | b}, broadcasting as {@link #add}. */
    void or(RingTensor a, RingTensor b, RingTensor out);

    /** {@code out = a ^ b}, broadcasting as {@link #add}. */
    void xor(RingTensor a, RingTensor b, RingTensor out);

    /** {@code out = ~a}. Same shape. */
    void not(RingTensor a, RingTensor out);

    /** {@code out = a << bits}, {@code 0 <= bits < 64}. Same shape. */
    void shiftLeft(RingTensor a, int bits, RingTensor out);

    /** {@code out = a >> bits} (arithmetic, sign-extending), {@code 0 <= bits < 64}. Same shape. */
    void shiftRight(RingTensor a, int bits, RingTensor out);

    /** {@code out = a >>> bits} (logical, zero-filling), {@code 0 <= bits < 64}. Same shape. */
    void shiftRightLogical(RingTensor a, int bits, RingTensor out);

    // ---------------------------------------------------------------- bit extraction and packing

    /** {@code out = (a >>> bit) & 1}, {@code 0 <= bit < 64}. Same shape. */
    void extractBit(RingTensor a, int bit, RingTensor out);

    /**
     * Packs the lowest bit of each element of {@code a} (n elements) into {@code out}, which has
     * {@code ceil(n / 64)} elements: bit {@code i % 64} of {@code out[i / 64]} is {@code a[i] & 1}; the unused high
     * bits of the last word are 0. {@code out} must not alias {@code a}.
     */
    void packBits(RingTensor a, RingTensor out);

    /**
     * Inverse of {@link #packBits}: {@code out[i] = (packed[i / 64] >>> (i % 64)) & 1} for every element of
     * {@code out}; {@code packed} must have {@code ceil(out.numel() / 64)} elements. Must not alias.
     */
    void unpackBits(RingTensor packed, RingTensor out);

    /**
     * Bit-plane decomposition (a 64 x 64 bit transpose per block of 64 elements): for {@code a} of n elements,
     * {@code out} has shape {@code [64, ceil(n / 64)]} and bit {@code i % 64} of {@code out[j][i / 64]} is bit
     * {@code j} of {@code a[i]}; padding bits are 0. Comparison circuits use it to work on all bits of many values
     * at once. Must not alias.
     */
    void toBitPlanes(RingTensor a, RingTensor out);

    /** Inverse of {@link #toBitPlanes}: {@code planes} has shape {@code [64, ceil(n / 64)]}, {@code out} n elements. */
    void fromBitPlanes(RingTensor planes, RingTensor out);

    // ---------------------------------------------------------------- fixed point

    /**
     * Plaintext fixed-point truncation: {@code out = a >> fracBits} (arithmetic shift, rounding toward negative
     * infinity), the rescaling after a product of two values with {@code fracBits} fractional bits each.
     */
    void truncate(RingTensor a, int fracBits, RingTensor out);

    /**
     * The local step of the exact probabilistic truncation by {@code bits} bits, after its one opening (see the
     * additive protocols' {@code Truncation}), fused into one pass. For every element {@code i}, with
     * {@code c = opened[i]}, {@code cMsb = c >>> 63}, {@code f = first ? 1 : 0} and all arithmetic mod 2^64:
     * <pre>{@code
     * w      = rMsb[i] * (1 - 2 * cMsb) + f * cMsb
     * out[i] = (1L << (63 - bits)) * w - rHigh[i] + f * (((c << 1) >>> (bits + 1)) - (1L << (62 - bits)))
     * }</pre>
     * {@code opened} is the opened masked value {@code c}, {@code rHigh} and {@code rMsb} this party's shares of
     * the mask's {@code r_low >> bits} and of its top bit, and {@code first} marks the one party that adds the
     * public terms. {@code 1 <= bits <= 62}. All four tensors have the same shape; {@code out} may be any input
     * itself (an input that overlaps {@code out} otherwise is rejected).
     */
    void truncateMasked(RingTensor opened, RingTensor rHigh, RingTensor rMsb, int bits, boolean first,
                        RingTensor out);

    /**
     * Fixed-point encoding {@code out[i] = rint(src[srcOffset + i] * 2^fracBits)} (ties to even) for every element
     * of {@code out}.
     *
     * @throws FixedPointRangeException when a value is NaN, infinite or has {@code |x * 2^fracBits| >= 2^62}; the
     *                                  exception is the one {@link dev.obscura.ring.FixedPoint#encode(double, long,
     *                                  int)} throws for the first offending value with its index into {@code src}
     *                                  ({@code srcOffset + i}); it names the index and the range, never the value,
     *                                  and {@code out} is left unspecified
     */
    void encode(double[] src, int srcOffset, int fracBits, RingTensor out);

    /** {@link #encode(double[], int, int, RingTensor)} from {@code float} values. */
    void encode(float[] src, int srcOffset, int fracBits, RingTensor out);

    /** Decoding {@code dst[dstOffset + i] = (double) a[i] / 2^fracBits}, {@code a[i]} read as signed. */
    void decode(RingTensor a, int fracBits, double[] dst, int dstOffset);

    /** Decoding to {@code float}: {@code (float) ((double) a[i] / 2^fracBits)}. */
    void decode(RingTensor a, int fracBits, float[] dst, int dstOffset);

    // ---------------------------------------------------------------- linear algebra

    /**
     * Matrix product over the ring, {@code out = op(a) · op(b)} where {@code op} transposes when the flag is set.
     *
     * <ul>
     *   <li>Rank 2: {@code op(a)} is {@code [m, k]}, {@code op(b)} is {@code [k, n]}, {@code out} is {@code [m,
     * n]}.</li>
     *   <li>Batched: {@code a} is {@code [B, ., .]}, {@code b} is {@code [B, ., .]} or rank 2 (the same right-hand
     *       matrix for every batch), {@code out} is {@code [B, m, n]}.</li>
     * </ul>
     * {@code out} must not alias an input.
     */
    void matmul(RingTensor a, RingTensor b, RingTensor out, boolean transposeA, boolean transposeB);

    /** {@code matmul(a, b, out, false, false)}. */
    default void matmul(final RingTensor a, final RingTensor b, final RingTensor out) {
        matmul(a, b, out, false, false);
    }

    /**
     * 2-D convolution (cross-correlation, as in every deep-learning framework):
     * {@code out[n, o, y, x] = sum_{c, i, j} input[n, c, y*sH + i - pH, x*sW + j - pW] * weight[o, c, i, j]},
     * reading zeros outside the input. {@code input} is {@code [N, C, H, W]}, {@code weight} is
     * {@code [O, C, kH, kW]}, {@code out} is {@code [N, O, outH, outW]}. Must not alias.
     */
    void conv2d(RingTensor input, RingTensor weight, Conv2dSpec spec, RingTensor out);

    /**
     * Gradient of {@link #conv2d} with respect to its input: the transposed convolution of {@code gradOut}
     * ({@code [N, O, outH, outW]}) with {@code weight} ({@code [O, C, kH, kW]}) into {@code gradInput}
     * ({@code [N, C, H, W]}, whose H and W fix the geometry). Must not alias.
     */
    void conv2dBackwardInput(RingTensor gradOut, RingTensor weight, Conv2dSpec spec, RingTensor gradInput);

    /**
     * Gradient of {@link #conv2d} with respect to its weight:
     * {@code gradWeight[o, c, i, j] = sum_{n, y, x} gradOut[n, o, y, x] * input[n, c, y*sH + i - pH, x*sW + j - pW]}.
     * Must not alias.
     */
    void conv2dBackwardWeight(RingTensor input, RingTensor gradOut, Conv2dSpec spec, RingTensor gradWeight);

    // ---------------------------------------------------------------- windows (pooling)

    /**
     * Window gather, the im2col of pooling: the input element under every position of every window of
     * {@code window}, laid out in {@code layout}. Each tap, position {@code p} of window {@code w} (numbered as in
     * {@link WindowGeometry}), reads {@code input[n, c, y*sH + i - pH, x*sW + j - pW]}, or 0 in the padding, and
     * goes to element {@code p * ps + w * ws} of {@code out}, where {@code ps = layout.positionStride(window)} and
     * {@code ws = layout.windowStride(window)}; each element of {@code out} is the sum of the taps that go to it:
     * exactly one in {@link WindowLayout#POSITION_ROWS} and {@link WindowLayout#WINDOW_ROWS}, all of a window's
     * in {@link WindowLayout#WINDOW_SUM} (the window sums of an average-pool).
     *
     * <p>{@code input} has shape {@link WindowGeometry#inputShape()} and {@code out} the shape
     * {@link WindowLayout#shape} gives; {@code out} is overwritten and must not alias {@code input}.
     */
    void windowGather(RingTensor input, WindowGeometry window, WindowLayout layout, RingTensor out);

    /**
     * Window scatter-add, the adjoint of {@link #windowGather} (col2im): every tap adds element
     * {@code p * ps + w * ws} of {@code windows} into the input position it reads, so
     * {@code out[n, c, h, w]} is the sum over every (window, position) that covers {@code (n, c, h, w)}:
     * overlapping windows add, taps in the padding are dropped, and positions that no window covers get 0. In
     * {@link WindowLayout#WINDOW_SUM} a window's one value is added at each of its positions (the backward pass of
     * an average-pool; with {@code 1 x k} windows at stride {@code k} along a row, a repeat of each value
     * {@code k} times).
     *
     * <p>{@code windows} has the shape {@link WindowLayout#shape} gives and {@code out} the shape
     * {@link WindowGeometry#inputShape()}; {@code out} is overwritten (not accumulated into) and must not alias
     * {@code windows}.
     */
    void windowScatterAdd(RingTensor windows, WindowGeometry window, WindowLayout layout, RingTensor out);

    // ---------------------------------------------------------------- reductions

    /**
     * Sum over axis {@code axis} (negative counts from the end). {@code out} has the input's shape with that axis
     * removed or set to 1 (either is accepted; only the element count and order matter). Must not alias.
     */
    void sum(RingTensor a, int axis, RingTensor out);

    // ---------------------------------------------------------------- randomness

    /**
     * Fills {@code out} with the AES-128-CTR keystream of {@code key} (16 bytes), starting at counter block
     * {@code firstBlock}. The counter block for block {@code i} is the 16-byte big-endian encoding of
     * {@code (nonce << 64) + firstBlock + i}, which is exactly what the JDK's {@code AES/CTR/NoPadding} does with
     * that IV; the keystream bytes are read as little-endian {@code long}s, two per block. {@code out} consumes
     * {@code ceil(numel / 2)} blocks.
     */
    void aesCtrFill(byte[] key, long nonce, long firstBlock, RingTensor out);
}
