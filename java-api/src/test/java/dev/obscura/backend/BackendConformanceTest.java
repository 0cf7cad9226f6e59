package dev.obscura.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import dev.obscura.ring.FixedPoint;
import dev.obscura.ring.FixedPointRangeException;
import dev.obscura.ring.RingTensor;
import dev.obscura.ring.Shapes;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite every backend must pass: each {@link Backend} method of {@link #candidate()} against
 * {@link JavaBackend}, bit for bit, on random inputs of odd shapes with the ring's edge values mixed in.
 *
 * <p>To check a backend, extend this class in the backend's module and return the backend from
 * {@link #candidate()}; the suite ships in the {@code obscura-api} test-jar.
 *
 * <p>Every output is written into a view at an unaligned offset inside a larger tensor whose other elements are
 * guards: a backend that writes outside its output, accumulates into it instead of overwriting it, or modifies an
 * input fails. Inputs are views at random unaligned offsets too. The test data come from a fixed seed (override
 * with {@code -Dobscura.test.seed=...}); every failure message names it.
 */
public abstract class BackendConformanceTest {
    /** Element counts that are odd, one, below and above SIMD widths and chunk sizes. */
    protected static final int[] SIZES = {1, 7, 33, 1023, 4099};
    private static final int GUARD = 5;

    private final Backend reference = new JavaBackend();
    private Backend candidate;
    private TestTensors data;

    /** The backend under test. */
    protected abstract Backend candidate();

    /** Seed of the test data; {@code -Dobscura.test.seed} overrides the default. */
    protected long seed() {
        return Long.getLong("obscura.test.seed", 0x0B5C_0BAL);
    }

    @BeforeEach
    public final void setUpConformance() {
        candidate = candidate();
        data = new TestTensors(seed());
    }

    @AfterEach
    public final void tearDownConformance() {
        // data stays null when candidate() threw (for example a subclass skipping an unavailable backend).
        if (data != null) {
            data.closeAll();
        }
    }

    // ---------------------------------------------------------------- elementwise

    @Test
    public void shouldMatchReferenceOnElementwiseOpsOfEqualShapes() {
        for (final int n : SIZES) {
            for (final int[] shape : new int[][] {{n}, {1, n, 1}}) {
                final RingTensor a = input(shape);
                final RingTensor b = input(shape);
                binaryOps("equal shapes " + Shapes.toString(shape), a, b, shape);
            }
        }
        final int[] shape = {3, 5, 7, 11};
        binaryOps("rank 4", input(shape), input(shape), shape);
        binaryOps("rank 0", input(), input(), new int[0]);
    }

    @Test
    public void shouldMatchReferenceOnBroadcasting() {
        final int[][][] cases = {
            {{3, 4, 5, 7}, {4, 1, 1}},
            {{4, 1, 1}, {3, 4, 5, 7}},
            {{1, 4, 5, 7}, {4, 1, 1}},
            {{33, 17}, {17}},
            {{17}, {33, 17}},
            {{9, 1}, {1, 13}},
            {{4, 1, 3}, {1, 5, 1}},
            {{1023}, {1}},
            {{1}, {1023}},
            {{2, 3, 4}, {}},
            {{}, {2, 3, 4}},
            {{1, 1}, {3, 4}},
            {{3, 1, 5}, {3, 4, 5}},
            {{2, 1, 3, 1}, {5, 1, 7}},
            {{1, 3, 4}, {3, 4}},
            {{3, 1, 4}, {1, 3, 1, 4}},
        };
        for (final int[][] c : cases) {
            final int[] out = Shapes.broadcast(c[0], c[1]);
            binaryOps("broadcast a=" + Shapes.toString(c[0]) + " b=" + Shapes.toString(c[1]),
                input(c[0]), input(c[1]), out);
        }
    }

    @Test
    public void shouldMatchReferenceOnElementwiseOpsInPlace() {
        for (final int n : new int[] {1, 33, 1023}) {
            final int[] shape = {n};
            final RingTensor b = input(shape);
            inPlace("add out=a n=" + n, input(shape), (k, t) -> k.add(t, b, t));
            inPlace("sub out=a n=" + n, input(shape), (k, t) -> k.sub(t, b, t));
            inPlace("sub out=b n=" + n, input(shape), (k, t) -> k.sub(b, t, t));
            inPlace("mul out=a n=" + n, input(shape), (k, t) -> k.mul(t, b, t));
            inPlace("and out=b n=" + n, input(shape), (k, t) -> k.and(b, t, t));
            inPlace("or out=a n=" + n, input(shape), (k, t) -> k.or(t, b, t));
            inPlace("xor out=a n=" + n, input(shape), (k, t) -> k.xor(t, b, t));
            inPlace("add out=a=b n=" + n, input(shape), (k, t) -> k.add(t, t, t));
            inPlace("neg n=" + n, input(shape), (k, t) -> k.neg(t, t));
            inPlace("not n=" + n, input(shape), (k, t) -> k.not(t, t));
            inPlace("addScalar n=" + n, input(shape), (k, t) -> k.addScalar(t, -7L, t));
            inPlace("mulScalar n=" + n, input(shape), (k, t) -> k.mulScalar(t, Long.MIN_VALUE + 3, t));
            inPlace("copy n=" + n, input(shape), (k, t) -> k.copy(t, t));
            inPlace("shiftLeft n=" + n, input(shape), (k, t) -> k.shiftLeft(t, 13, t));
            inPlace("shiftRight n=" + n, input(shape), (k, t) -> k.shiftRight(t, 13, t));
            inPlace("shiftRightLogical n=" + n, input(shape), (k, t) -> k.shiftRightLogical(t, 13, t));
            inPlace("extractBit n=" + n, input(shape), (k, t) -> k.extractBit(t, 63, t));
            inPlace("truncate n=" + n, input(shape), (k, t) -> k.truncate(t, 16, t));
        }
        // In-place with broadcasting: out is the operand that already has the broadcast shape.
        final RingTensor bias = input(4, 1, 1);
        final RingTensor row = input(7);
        inPlace("add out=a broadcast [C,1,1]", input(3, 4, 5, 7), (k, t) -> k.add(t, bias, t));
        inPlace("mul out=b broadcast [C,1,1]", input(3, 4, 5, 7), (k, t) -> k.mul(bias, t, t));
        inPlace("sub out=a broadcast [F]", input(9, 7), (k, t) -> k.sub(t, row, t));
        inPlace("xor out=b broadcast [F]", input(9, 7), (k, t) -> k.xor(row, t, t));
    }

    @Test
    public void shouldMatchReferenceOnUnaryOps() {
        final long[] scalars = {0L, 1L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 65536L, data.random().nextLong()};
        for (final int n : SIZES) {
            final int[] shape = {n};
            final RingTensor a = input(shape);
            compare("neg n=" + n, shape, (k, out) -> k.neg(a, out), a);
            compare("not n=" + n, shape, (k, out) -> k.not(a, out), a);
            for (final long s : scalars) {
                compare("addScalar n=" + n + " s=" + s, shape, (k, out) -> k.addScalar(a, s, out), a);
                compare("mulScalar n=" + n + " s=" + s, shape, (k, out) -> k.mulScalar(a, s, out), a);
            }
            compare("copy n=" + n, shape, (k, out) -> k.copy(a, out), a);
        }
        final RingTensor a = input(3, 5, 7);
        compare("copy to another shape", new int[] {7, 15}, (k, out) -> k.copy(a, out), a);
        compare("neg rank 3", new int[] {3, 5, 7}, (k, out) -> k.neg(a, out), a);
    }

    // ---------------------------------------------------------------- fused protocol kernels

    @Test
    public void shouldMatchReferenceOnMulAdd() {
        for (final int n : SIZES) {
            for (final int[] shape : new int[][] {{n}, {1, n, 1}}) {
                final RingTensor a = input(shape);
                final RingTensor b = input(shape);
                final RingTensor c = input(shape);
                compare("mulAdd " + Shapes.toString(shape), shape, (k, out) -> k.mulAdd(a, b, c, out), a, b, c);
            }
        }
        final int[] shape = {3, 5, 7, 11};
        final RingTensor a = input(shape);
        final RingTensor b = input(shape);
        final RingTensor c = input(shape);
        compare("mulAdd rank 4", shape, (k, out) -> k.mulAdd(a, b, c, out), a, b, c);
        final RingTensor s = input();
        compare("mulAdd rank 0", new int[0], (k, out) -> k.mulAdd(s, s, s, out), s);
        compare("mulAdd of the same input thrice", shape, (k, out) -> k.mulAdd(a, a, a, out), a);
        final RingTensor empty = input(0);
        compare("mulAdd empty", new int[] {0}, (k, out) -> k.mulAdd(empty, empty, empty, out), empty);
    }

    @Test
    public void shouldMatchReferenceOnMulAddInPlace() {
        for (final int n : new int[] {1, 33, 1023, 4099}) {
            final int[] shape = {n};
            final RingTensor x = input(shape);
            final RingTensor y = input(shape);
            inPlace("mulAdd out=a n=" + n, input(shape), (k, t) -> k.mulAdd(t, x, y, t));
            inPlace("mulAdd out=b n=" + n, input(shape), (k, t) -> k.mulAdd(x, t, y, t));
            inPlace("mulAdd out=c n=" + n, input(shape), (k, t) -> k.mulAdd(x, y, t, t));
            inPlace("mulAdd out=a=c n=" + n, input(shape), (k, t) -> k.mulAdd(t, y, t, t));
            inPlace("mulAdd out=a=b=c n=" + n, input(shape), (k, t) -> k.mulAdd(t, t, t, t));
        }
    }

    @Test
    public void shouldMatchReferenceOnTruncateMasked() {
        for (final int n : SIZES) {
            final int[] shape = {n};
            final RingTensor opened = input(shape);
            final RingTensor rHigh = input(shape);
            final RingTensor rMsb = input(shape);
            final RingTensor bit = bits(shape);
            for (final int bits : new int[] {1, 2, 13, 16, 31, 32, 33, 61, 62}) {
                for (final boolean first : new boolean[] {true, false}) {
                    final String what = "truncateMasked n=" + n + " bits=" + bits + " first=" + first;
                    compare(what, shape, (k, out) -> k.truncateMasked(opened, rHigh, rMsb, bits, first, out),
                        opened, rHigh, rMsb);
                    compare(what + " rMsb a bit", shape,
                        (k, out) -> k.truncateMasked(opened, rHigh, bit, bits, first, out), opened, rHigh, bit);
                }
            }
        }
        final int[] shape = {3, 5, 7};
        final RingTensor c = input(shape);
        final RingTensor h = input(shape);
        final RingTensor m = bits(shape);
        compare("truncateMasked rank 3", shape, (k, out) -> k.truncateMasked(c, h, m, 16, true, out), c, h, m);
        final RingTensor s = input();
        compare("truncateMasked rank 0", new int[0], (k, out) -> k.truncateMasked(s, s, s, 7, true, out), s);
        final RingTensor empty = input(0);
        compare("truncateMasked empty", new int[] {0},
            (k, out) -> k.truncateMasked(empty, empty, empty, 20, false, out), empty);
    }

    @Test
    public void shouldMatchReferenceOnTruncateMaskedInPlace() {
        for (final int n : new int[] {1, 33, 1023, 4099}) {
            final int[] shape = {n};
            final RingTensor x = input(shape);
            final RingTensor y = bits(shape);
            for (final boolean first : new boolean[] {true, false}) {
                final String what = " n=" + n + " first=" + first;
                inPlace("truncateMasked out=opened" + what, input(shape),
                    (k, t) -> k.truncateMasked(t, x, y, 16, first, t));
                inPlace("truncateMasked out=rHigh" + what, input(shape),
                    (k, t) -> k.truncateMasked(x, t, y, 31, first, t));
                inPlace("truncateMasked out=rMsb" + what, bits(shape),
                    (k, t) -> k.truncateMasked(x, y, t, 62, first, t));
                inPlace("truncateMasked out=every input" + what, input(shape),
                    (k, t) -> k.truncateMasked(t, t, t, 1, first, t));
            }
        }
    }

    /**
     * {@code truncateMasked} is the fusion of the kernel sequence the truncation protocol ran before it existed: the
     * candidate's fused kernel must give exactly the bits of that sequence run on the candidate itself.
     */
    @Test
    public void shouldMatchTheUnfusedTruncationSequence() {
        final int n = 4099;
        final RingTensor c = input(n);
        final RingTensor rHigh = input(n);
        final RingTensor rMsb = bits(n);
        for (final int k : new int[] {1, 12, 16, 40, 62}) {
            for (final boolean first : new boolean[] {true, false}) {
                final RingTensor expected = zeros(n);
                final RingTensor cMsb = zeros(n);
                final RingTensor w = zeros(n);
                final long topWeight = 1L << (63 - k);
                candidate.shiftRightLogical(c, 63, cMsb);
                candidate.mulScalar(cMsb, -2, w);
                candidate.addScalar(w, 1, w);
                candidate.mul(w, rMsb, w);
                candidate.mulScalar(w, topWeight, expected);
                candidate.sub(expected, rHigh, expected);
                if (first) {
                    candidate.mulScalar(cMsb, topWeight, w);
                    candidate.add(expected, w, expected);
                    candidate.shiftLeft(c, 1, w);
                    candidate.shiftRightLogical(w, k + 1, w);
                    candidate.add(expected, w, expected);
                    candidate.addScalar(expected, -(1L << (62 - k)), expected);
                }
                final RingTensor actual = zeros(n);
                candidate.truncateMasked(c, rHigh, rMsb, k, first, actual);
                data.assertBits("truncateMasked vs the unfused sequence k=" + k + " first=" + first + " ["
                    + candidate.name() + "]", expected, actual);
            }
        }
    }

    // ---------------------------------------------------------------- bits

    @Test
    public void shouldMatchReferenceOnShiftsAndBitExtraction() {
        for (final int n : SIZES) {
            final int[] shape = {n};
            final RingTensor a = input(shape);
            for (final int bits : new int[] {0, 1, 13, 31, 32, 63}) {
                compare("shiftLeft n=" + n + " bits=" + bits, shape, (k, out) -> k.shiftLeft(a, bits, out), a);
                compare("shiftRight n=" + n + " bits=" + bits, shape, (k, out) -> k.shiftRight(a, bits, out), a);
                compare("shiftRightLogical n=" + n + " bits=" + bits, shape,
                    (k, out) -> k.shiftRightLogical(a, bits, out), a);
            }
            for (final int bit : new int[] {0, 1, 31, 62, 63}) {
                compare("extractBit n=" + n + " bit=" + bit, shape, (k, out) -> k.extractBit(a, bit, out), a);
            }
        }
    }

    @Test
    public void shouldMatchReferenceOnPackAndUnpackBits() {
        for (final int n : new int[] {1, 7, 33, 63, 64, 65, 128, 1023, 4099}) {
            final int words = (int) KernelChecks.words(n);
            final RingTensor a = input(n);
            compare("packBits n=" + n, new int[] {words}, (k, out) -> k.packBits(a, out), a);
            // The unused high bits of the last packed word are random: unpacking must ignore them.
            final RingTensor packed = input(words);
            compare("unpackBits n=" + n, new int[] {n}, (k, out) -> k.unpackBits(packed, out), packed);
            final RingTensor a3 = input(1, n, 1);
            compare("packBits rank 3 n=" + n, new int[] {1, words}, (k, out) -> k.packBits(a3, out), a3);
        }
    }

    @Test
    public void shouldMatchReferenceOnBitPlanes() {
        for (final int n : new int[] {1, 7, 33, 63, 64, 65, 1023, 4099}) {
            final int words = (int) KernelChecks.words(n);
            final RingTensor a = input(n);
            compare("toBitPlanes n=" + n, new int[] {64, words}, (k, out) -> k.toBitPlanes(a, out), a);
            // Random padding bits in the planes: the inverse must ignore them.
            final RingTensor planes = input(64, words);
            compare("fromBitPlanes n=" + n, new int[] {n}, (k, out) -> k.fromBitPlanes(planes, out), planes);
            final RingTensor a2 = input(n, 1);
            compare("toBitPlanes rank 2 n=" + n, new int[] {64, words}, (k, out) -> k.toBitPlanes(a2, out), a2);
        }
    }

    // ---------------------------------------------------------------- fixed point

    @Test
    public void shouldMatchReferenceOnTruncate() {
        for (final int n : SIZES) {
            final int[] shape = {n};
            final RingTensor a = input(shape);
            for (final int f : new int[] {0, 1, 16, 40, 63}) {
                compare("truncate n=" + n + " f=" + f, shape, (k, out) -> k.truncate(a, f, out), a);
            }
        }
    }

    @Test
    public void shouldMatchReferenceOnEncodeOfDoubles() {
        for (final int f : new int[] {0, 16, 40}) {
            final double[] values = encodableDoubles(f, 1023);
            for (final int offset : new int[] {0, 3}) {
                final int n = values.length - offset;
                compare("encode double f=" + f + " offset=" + offset, new int[] {n},
                    (k, out) -> k.encode(values, offset, f, out));
            }
            compare("encode double f=" + f + " 7 values from offset 5", new int[] {7},
                (k, out) -> k.encode(values, 5, f, out));
        }
    }

    @Test
    public void shouldMatchReferenceOnEncodeOfFloats() {
        for (final int f : new int[] {0, 16, 40}) {
            final float[] values = encodableFloats(f, 1023);
            for (final int offset : new int[] {0, 3}) {
                final int n = values.length - offset;
                compare("encode float f=" + f + " offset=" + offset, new int[] {n},
                    (k, out) -> k.encode(values, offset, f, out));
            }
        }
    }

    @Test
    public void shouldRejectUnencodableValuesWithTheReferenceIndexAndMessage() {
        for (final int f : new int[] {0, 16, 40}) {
            final double limit = Math.scalb(1.0, FixedPoint.RANGE_BITS - f);
            final double[] bad = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, limit, -limit,
                Math.nextUp(limit), Math.nextDown(-limit), 1e300, -Double.MAX_VALUE};
            for (final double value : bad) {
                for (final int position : new int[] {0, 4, 8}) {
                    final double[] src = encodableDoubles(f, 9);
                    src[position] = value;
                    if (position < 8) {
                        src[8] = Double.NaN; // a later bad value must not be the one reported
                    }
                    for (final int offset : new int[] {0, 2}) {
                        if (position < offset) {
                            continue;
                        }
                        final String what = "encode double f=" + f + " bad at " + position + " offset=" + offset
                            + " (" + FixedPointRangeException.reason(value) + ")";
                        rangeError(what, position, k -> k.encode(src, offset, f, zeros(src.length - offset)));
                    }
                }
            }
            final float flimit = (float) limit;
            for (final float value : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                flimit, -flimit, Float.MAX_VALUE, -Float.MAX_VALUE}) {
                final float[] src = encodableFloats(f, 6);
                src[5] = value;
                rangeError("encode float f=" + f + " bad at 5", 5, k -> k.encode(src, 1, f, zeros(5)));
            }
        }
    }

    @Test
    public void shouldMatchReferenceOnDecode() {
        for (final int n : SIZES) {
            final RingTensor a = input(n);
            for (final int f : new int[] {0, 16, 40, 63}) {
                for (final int offset : new int[] {0, 2}) {
                    final double[] expected = new double[n + offset + 1];
                    final double[] actual = expected.clone();
                    reference.decode(a, f, expected, offset);
                    candidate.decode(a, f, actual, offset);
                    for (int i = 0; i < expected.length; i++) {
                        if (Double.doubleToRawLongBits(expected[i]) != Double.doubleToRawLongBits(actual[i])) {
                            fail("decode double n=" + n + " f=" + f + " offset=" + offset + ": first difference at "
                                + i + ", expected=" + expected[i] + ", actual=" + actual[i] + ", " + facts());
                        }
                    }
                    final float[] expectedF = new float[n + offset + 1];
                    final float[] actualF = expectedF.clone();
                    reference.decode(a, f, expectedF, offset);
                    candidate.decode(a, f, actualF, offset);
                    for (int i = 0; i < expectedF.length; i++) {
                        if (Float.floatToRawIntBits(expectedF[i]) != Float.floatToRawIntBits(actualF[i])) {
                            fail("decode float n=" + n + " f=" + f + " offset=" + offset + ": first difference at "
                                + i + ", expected=" + expectedF[i] + ", actual=" + actualF[i] + ", " + facts());
                        }
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- linear algebra

    @Test
    public void shouldMatchReferenceOnMatmul() {
        final int[][] sizes = {{1, 1, 1}, {1, 7, 1}, {7, 1, 5}, {1, 33, 9}, {13, 1, 17}, {5, 9, 1}, {33, 65, 7},
            {17, 8, 64}, {64, 31, 33}};
        for (final int[] s : sizes) {
            for (final boolean ta : new boolean[] {false, true}) {
                for (final boolean tb : new boolean[] {false, true}) {
                    final RingTensor a = input(ta ? new int[] {s[1], s[0]} : new int[] {s[0], s[1]});
                    final RingTensor b = input(tb ? new int[] {s[2], s[1]} : new int[] {s[1], s[2]});
                    compare("matmul m=" + s[0] + " k=" + s[1] + " n=" + s[2] + " transposeA=" + ta
                        + " transposeB=" + tb, new int[] {s[0], s[2]}, (k, out) -> k.matmul(a, b, out, ta, tb), a, b);
                }
            }
        }
    }

    @Test
    public void shouldMatchReferenceOnBatchedMatmul() {
        final int[][] sizes = {{1, 1, 1}, {7, 1, 5}, {1, 33, 9}, {13, 9, 1}, {19, 23, 17}};
        for (final int batch : new int[] {1, 3}) {
            for (final int[] s : sizes) {
                for (final boolean ta : new boolean[] {false, true}) {
                    for (final boolean tb : new boolean[] {false, true}) {
                        final int[] aShape = ta ? new int[] {batch, s[1], s[0]} : new int[] {batch, s[0], s[1]};
                        final int[] bMatrix = tb ? new int[] {s[2], s[1]} : new int[] {s[1], s[2]};
                        final RingTensor a = input(aShape);
                        final RingTensor b3 = input(batch, bMatrix[0], bMatrix[1]);
                        final RingTensor b2 = input(bMatrix);
                        final int[] out = {batch, s[0], s[2]};
                        final String what = "batched matmul batch=" + batch + " m=" + s[0] + " k=" + s[1] + " n="
                            + s[2] + " transposeA=" + ta + " transposeB=" + tb;
                        compare(what + " b rank 3", out, (k, o) -> k.matmul(a, b3, o, ta, tb), a, b3);
                        compare(what + " b rank 2 (shared)", out, (k, o) -> k.matmul(a, b2, o, ta, tb), a, b2);
                    }
                }
            }
        }
        final RingTensor a = input(2, 3, 4);
        final RingTensor b = input(4, 5);
        compare("matmul default overload", new int[] {2, 3, 5}, (k, o) -> k.matmul(a, b, o), a, b);
    }

    /**
     * Products whose inner dimension runs past twice the chunk bound of a GEMM through 8-bit limbs (16448, see
     * {@code docs/LIMB_GEMM.md}), on the operands whose limb products are largest: all bytes 0xFF (-1), and the
     * values whose signed base-256 digits are all -128 ({@code 0x7F7F...80}) or all +127 ({@code 0x7F7F...7F}), on
     * either side. A 32-bit limb sum that a chunk let overflow changes the result.
     */
    @Test
    public void shouldMatchReferenceOnLongInnerDimensionsAtTheLimbExtremes() {
        final long[] extremes = {-1L, 0x7F7F_7F7F_7F7F_7F80L, 0x7F7F_7F7F_7F7F_7F7FL, 0x8080_8080_8080_8080L};
        final int k = 2 * 16_448 + 77;
        final int rows = extremes.length + 1;
        for (final boolean ta : new boolean[] {false, true}) {
            for (final boolean tb : new boolean[] {false, true}) {
                // Row r of op(a) and column r of op(b) hold extremes[r] throughout; the last ones are random.
                final RingTensor a = input(ta ? new int[] {k, rows} : new int[] {rows, k});
                final RingTensor b = input(tb ? new int[] {rows, k} : new int[] {k, rows});
                for (int r = 0; r < extremes.length; r++) {
                    for (int p = 0; p < k; p++) {
                        a.set(ta ? (long) p * rows + r : (long) r * k + p, extremes[r]);
                        b.set(tb ? (long) r * k + p : (long) p * rows + r, extremes[r]);
                    }
                }
                compare("matmul at the limb extremes k=" + k + " transposeA=" + ta + " transposeB=" + tb,
                    new int[] {rows, rows}, (kernels, out) -> kernels.matmul(a, b, out, ta, tb), a, b);
            }
        }
    }

    @Test
    public void shouldMatchReferenceOnConvolutions() {
        final int[][] channels = {{1, 1}, {3, 4}, {2, 5}};
        final int[][] inputs = {{7, 9}, {12, 5}, {6, 6}};
        int variant = 0;
        for (final int kernel : new int[] {1, 3, 5}) {
            for (final int stride : new int[] {1, 2}) {
                for (final int pad : new int[] {0, 1, 2}) {
                    for (final int batch : new int[] {1, 3}) {
                        final int[] ch = channels[variant % channels.length];
                        final int[] hw = inputs[(variant / channels.length) % inputs.length];
                        variant++;
                        if (hw[0] + 2 * pad < kernel || hw[1] + 2 * pad < kernel) {
                            continue;
                        }
                        convolutions(batch, ch[0], hw[0], hw[1], ch[1], kernel, kernel, Conv2dSpec.of(stride, pad));
                    }
                }
            }
        }
        // Non-square kernels, strides and padding; a kernel as large as the padded input; the MNIST layers.
        convolutions(2, 3, 8, 11, 2, 3, 1, new Conv2dSpec(1, 2, 0, 1));
        convolutions(1, 2, 9, 7, 3, 1, 5, new Conv2dSpec(2, 1, 2, 0));
        convolutions(2, 2, 5, 6, 3, 2, 4, new Conv2dSpec(3, 2, 1, 2));
        convolutions(1, 1, 3, 4, 2, 5, 6, new Conv2dSpec(1, 1, 1, 1));
        convolutions(2, 1, 28, 28, 4, 5, 5, Conv2dSpec.of(1, 0));
        convolutions(1, 16, 12, 12, 3, 5, 5, Conv2dSpec.of(1, 0));
    }

    // ---------------------------------------------------------------- windows

    @Test
    public void shouldMatchReferenceOnWindowGatherAndScatterInEveryLayout() {
        final int[][] cases = {
            // N, C, H, W, kH, kW, sH, sW, pH, pW
            {1, 1, 1, 1, 1, 1, 1, 1, 0, 0},
            {2, 3, 7, 9, 2, 2, 2, 2, 0, 0},      // pooling that leaves the last row and column out
            {1, 2, 6, 5, 3, 3, 1, 1, 0, 0},      // overlapping windows
            {2, 2, 7, 8, 3, 2, 1, 2, 0, 0},      // overlapping rows, adjacent columns
            {3, 1, 7, 8, 2, 3, 3, 4, 0, 0},      // strides above the kernel skip elements
            {2, 2, 5, 4, 3, 2, 2, 1, 1, 2},      // padding
            {1, 3, 3, 3, 5, 5, 1, 1, 2, 2},      // a kernel larger than the input, inside the padding
            {2, 3, 9, 9, 9, 9, 1, 1, 0, 0},      // one window per plane
            {1, 2, 5, 7, 1, 1, 1, 1, 0, 0},      // 1x1
            {1, 1, 1, 4 * 33, 1, 4, 1, 4, 0, 0}, // windows tiling a row: a repeat of each value 4 times
            {3, 16, 24, 24, 2, 2, 2, 2, 0, 0},   // the first pooling of MnistCnn
            {1, 1, 0, 3, 1, 1, 1, 1, 1, 0},      // no input rows: every tap is padding
            {0, 3, 4, 4, 2, 2, 2, 2, 0, 0},      // empty batch
            {2, 0, 4, 4, 2, 2, 2, 2, 0, 0},      // no channels
        };
        for (final int[] c : cases) {
            final WindowGeometry g = WindowGeometry.of("test", new int[] {c[0], c[1], c[2], c[3]}, c[4], c[5], c[6],
                c[7], c[8], c[9]);
            final RingTensor input = input(g.inputShape());
            for (final WindowLayout layout : WindowLayout.values()) {
                final String what = layout + " " + g;
                final RingTensor windows = input(layout.shape(g));
                compare("windowGather " + what, layout.shape(g), (k, out) -> k.windowGather(input, g, layout, out),
                    input);
                compare("windowScatterAdd " + what, g.inputShape(),
                    (k, out) -> k.windowScatterAdd(windows, g, layout, out), windows);
            }
        }
    }

    @Test
    public void shouldRejectWhatTheReferenceRejectsInWindowKernels() {
        final WindowGeometry g = WindowGeometry.pooling("test", new int[] {1, 2, 4, 4}, 2, 2, 2, 2);
        final RingTensor in = input(1, 2, 4, 4);
        final RingTensor rows = input(4, 8);
        final WindowLayout p = WindowLayout.POSITION_ROWS;
        rejects("windowGather input shape", k -> k.windowGather(input(1, 2, 4, 5), g, p, zeros(4, 8)));
        rejects("windowGather out shape", k -> k.windowGather(in, g, p, zeros(8, 4)));
        rejects("windowGather out of another layout", k -> k.windowGather(in, g, WindowLayout.WINDOW_SUM,
            zeros(4, 8)));
        rejects("windowGather null layout", k -> k.windowGather(in, g, null, zeros(4, 8)));
        rejects("windowGather null window", k -> k.windowGather(in, null, p, zeros(4, 8)));
        rejects("windowGather out aliases input", k -> k.windowGather(in, g, p, in.reshape(4, 8)));
        rejects("windowScatterAdd windows shape", k -> k.windowScatterAdd(input(1, 2, 2, 2, 4), g, p,
            zeros(1, 2, 4, 4)));
        rejects("windowScatterAdd out shape", k -> k.windowScatterAdd(rows, g, p, zeros(2, 1, 4, 4)));
        rejects("windowScatterAdd out aliases windows",
            k -> k.windowScatterAdd(rows, g, p, rows.reshape(1, 2, 4, 4)));
        rejects("windowScatterAdd null layout", k -> k.windowScatterAdd(rows, g, null, zeros(1, 2, 4, 4)));
        final RingTensor closed = data.track(RingTensor.zeros(1, 2, 4, 4));
        closed.close();
        assertThrows(IllegalStateException.class, () -> candidate.windowGather(closed, g, p, zeros(4, 8)),
            "windowGather of a closed tensor");
        assertThrows(IllegalStateException.class, () -> candidate.windowScatterAdd(rows, g, p, closed),
            "windowScatterAdd into a closed tensor");
    }

    // ---------------------------------------------------------------- reductions

    @Test
    public void shouldMatchReferenceOnSumOverEachAxis() {
        for (final int[] shape : new int[][] {{3, 5, 7}, {2, 3, 4, 5}, {1, 33, 1}, {1023}, {2, 1, 3, 1, 5}}) {
            final RingTensor a = input(shape);
            for (int axis = -shape.length; axis < shape.length; axis++) {
                final int ax = axis < 0 ? axis + shape.length : axis;
                final int[] kept = shape.clone();
                kept[ax] = 1;
                final int[] removed = new int[shape.length - 1];
                for (int i = 0, j = 0; i < shape.length; i++) {
                    if (i != ax) {
                        removed[j++] = shape[i];
                    }
                }
                final int axisFinal = axis;
                final String what = "sum shape=" + Shapes.toString(shape) + " axis=" + axis;
                compare(what + " out=" + Shapes.toString(removed), removed, (k, out) -> k.sum(a, axisFinal, out), a);
                compare(what + " out=" + Shapes.toString(kept), kept, (k, out) -> k.sum(a, axisFinal, out), a);
            }
        }
    }

    // ---------------------------------------------------------------- randomness

    @Test
    public void shouldMatchReferenceOnAesCtrFill() {
        final long r1 = data.random().nextLong();
        final long r2 = data.random().nextLong();
        final long[][] counters = {{0L, 0L}, {r1, r2}, {r1, -3L}, {-1L, -1L}, {0L, Long.MAX_VALUE}};
        for (final int n : new int[] {1, 2, 7, 33, 1023, 4099, 8192, 8193, 16385}) {
            for (final long[] c : counters) {
                final byte[] key = new byte[16];
                data.random().nextBytes(key);
                compare("aesCtrFill n=" + n + " nonce=" + c[0] + " firstBlock=" + c[1], new int[] {n},
                    (k, out) -> k.aesCtrFill(key, c[0], c[1], out));
            }
        }
        final byte[] key = new byte[16];
        data.random().nextBytes(key);
        compare("aesCtrFill rank 3", new int[] {3, 5, 7}, (k, out) -> k.aesCtrFill(key, 9L, 11L, out));
    }

    // ---------------------------------------------------------------- edges of the contract

    @Test
    public void shouldMatchReferenceOnEmptyTensors() {
        final RingTensor empty = input(0);
        final RingTensor empty2 = input(3, 0);
        compare("add empty", new int[] {0}, (k, out) -> k.add(empty, empty, out), empty);
        final RingTensor one = input(1);
        compare("add broadcast to empty", new int[] {3, 0}, (k, out) -> k.add(empty2, one, out), empty2, one);
        compare("neg empty", new int[] {0}, (k, out) -> k.neg(empty, out), empty);
        compare("packBits empty", new int[] {0}, (k, out) -> k.packBits(empty, out), empty);
        compare("toBitPlanes empty", new int[] {64, 0}, (k, out) -> k.toBitPlanes(empty, out), empty);
        compare("aesCtrFill empty", new int[] {0}, (k, out) -> k.aesCtrFill(new byte[16], 1L, 2L, out));
        final RingTensor a = input(4, 0);
        final RingTensor b = input(0, 3);
        // k = 0: every output element is an empty sum, so out must be overwritten with zeros.
        compare("matmul k=0", new int[] {4, 3}, (k, out) -> k.matmul(a, b, out), a, b);
        final RingTensor s = input(3, 0, 2);
        compare("sum over an empty axis", new int[] {3, 2}, (k, out) -> k.sum(s, 1, out), s);
    }

    @Test
    public void shouldMatchReferenceOnViews() {
        final RingTensor big = input(40, 7);
        final RingTensor a = big.slice(1, 34);
        final RingTensor b = big.slice(5, 38);
        compare("add of two overlapping input views", new int[] {33, 7}, (k, out) -> k.add(a, b, out), a, b);
        compare("matmul of views", new int[] {33, 33}, (k, out) -> k.matmul(a, b, out, false, true), a, b);
        final RingTensor image = big.reshape(4, 2, 5, 7).slice(1, 3);
        final RingTensor weight = big.slice(3, 9).reshape(3, 2, 7, 1);
        compare("conv2d of views", new int[] {2, 3, 5, 7},
            (k, out) -> k.conv2d(image, weight, new Conv2dSpec(1, 1, 3, 0), out), image, weight);
    }

    @Test
    public void shouldRejectWhatTheReferenceRejects() {
        final RingTensor a = input(3, 4);
        final RingTensor sq = input(4, 4);
        rejects("add shapes that do not broadcast", k -> k.add(a, input(3, 5), zeros(3, 4)));
        rejects("add out of the wrong shape", k -> k.add(a, input(4), zeros(4, 3)));
        rejects("add out smaller than the broadcast", k -> k.add(input(3, 1), input(1, 4), zeros(3, 1)));
        rejects("add partial overlap", k -> k.add(sq.slice(0, 2), sq.slice(0, 2), sq.slice(1, 3)));
        rejects("neg out of another shape", k -> k.neg(a, zeros(4, 3)));
        rejects("copy element count", k -> k.copy(a, zeros(13)));
        rejects("shiftLeft 64", k -> k.shiftLeft(a, 64, zeros(3, 4)));
        rejects("shiftRight -1", k -> k.shiftRight(a, -1, zeros(3, 4)));
        rejects("extractBit 64", k -> k.extractBit(a, 64, zeros(3, 4)));
        rejects("truncate 64", k -> k.truncate(a, 64, zeros(3, 4)));
        rejects("mulAdd a shape", k -> k.mulAdd(input(4, 3), a, a, zeros(3, 4)));
        rejects("mulAdd b shape", k -> k.mulAdd(a, input(12), a, zeros(3, 4)));
        rejects("mulAdd c does not broadcast", k -> k.mulAdd(a, a, input(1, 4), zeros(3, 4)));
        rejects("mulAdd out shape", k -> k.mulAdd(a, a, a, zeros(4, 3)));
        rejects("mulAdd partial overlap", k -> k.mulAdd(sq.slice(0, 2), a.slice(0, 2), sq.slice(1, 3),
            sq.slice(1, 3)));
        rejects("truncateMasked bits 0", k -> k.truncateMasked(a, a, a, 0, true, zeros(3, 4)));
        rejects("truncateMasked bits 63", k -> k.truncateMasked(a, a, a, 63, false, zeros(3, 4)));
        rejects("truncateMasked rHigh shape", k -> k.truncateMasked(a, input(3, 5), a, 16, true, zeros(3, 4)));
        rejects("truncateMasked rMsb shape", k -> k.truncateMasked(a, a, input(12), 16, true, zeros(3, 4)));
        rejects("truncateMasked partial overlap",
            k -> k.truncateMasked(sq.slice(0, 2), a.slice(0, 2), a.slice(1, 3), 16, true, sq.slice(1, 3)));
        rejects("packBits out size", k -> k.packBits(input(65), zeros(1)));
        rejects("unpackBits packed size", k -> k.unpackBits(input(1), zeros(65)));
        rejects("toBitPlanes out shape", k -> k.toBitPlanes(input(65), zeros(2, 64)));
        rejects("fromBitPlanes planes shape", k -> k.fromBitPlanes(input(64, 1), zeros(65)));
        rejects("packBits alias", k -> k.packBits(sq, sq.reshape(16).slice(0, 1)));
        rejects("encode past the end", k -> k.encode(new double[4], 1, 16, zeros(4)));
        rejects("encode negative offset", k -> k.encode(new float[4], -1, 16, zeros(4)));
        rejects("encode fracBits 64", k -> k.encode(new double[4], 0, 64, zeros(4)));
        rejects("decode past the end", k -> k.decode(a, 16, new double[11], 0));
        rejects("decode fracBits -1", k -> k.decode(a, -1, new float[12], 0));
        rejects("matmul inner mismatch", k -> k.matmul(a, input(3, 4), zeros(3, 4)));
        rejects("matmul out shape", k -> k.matmul(a, input(4, 2), zeros(2, 3)));
        rejects("matmul rank 1", k -> k.matmul(input(4), input(4, 2), zeros(2)));
        rejects("matmul rank-3 b with rank-2 a", k -> k.matmul(a, input(1, 4, 2), zeros(1, 3, 2)));
        rejects("matmul batch mismatch", k -> k.matmul(input(2, 3, 4), input(3, 4, 2), zeros(2, 3, 2)));
        rejects("matmul out aliases a", k -> k.matmul(sq, input(4, 4), sq));
        rejects("conv2d channel mismatch",
            k -> k.conv2d(input(1, 2, 5, 5), input(3, 1, 3, 3), Conv2dSpec.of(1, 0), zeros(1, 3, 3, 3)));
        rejects("conv2d out shape",
            k -> k.conv2d(input(1, 2, 5, 5), input(3, 2, 3, 3), Conv2dSpec.of(1, 1), zeros(1, 3, 3, 3)));
        rejects("conv2d kernel larger than input",
            k -> k.conv2d(input(1, 1, 2, 2), input(1, 1, 3, 3), Conv2dSpec.of(1, 0), zeros(1, 1, 1, 1)));
        rejects("conv2dBackwardInput gradOut shape",
            k -> k.conv2dBackwardInput(input(1, 3, 4, 4), input(3, 2, 3, 3), Conv2dSpec.of(1, 0), zeros(1, 2, 5, 5)));
        rejects("conv2dBackwardWeight gradOut shape",
            k -> k.conv2dBackwardWeight(input(1, 2, 5, 5), input(1, 3, 4, 4), Conv2dSpec.of(1, 0), zeros(3, 2, 3, 3)));
        rejects("sum axis out of range", k -> k.sum(a, 2, zeros(3)));
        rejects("sum axis below -rank", k -> k.sum(a, -3, zeros(3)));
        rejects("sum out shape", k -> k.sum(a, 0, zeros(3)));
        rejects("aesCtrFill key length", k -> k.aesCtrFill(new byte[15], 0L, 0L, zeros(3)));
    }

    @Test
    public void shouldRejectClosedTensors() {
        final RingTensor a = data.track(RingTensor.zeros(3));
        a.close();
        assertThrows(IllegalStateException.class, () -> candidate.neg(a, zeros(3)), "neg of a closed tensor");
        assertThrows(IllegalStateException.class, () -> candidate.add(zeros(3), zeros(3), a), "add into closed");
    }

    // ---------------------------------------------------------------- helpers

    /** A kernel call writing into {@code out}. */
    @FunctionalInterface
    protected interface Kernel {
        void run(Backend backend, RingTensor out);
    }

    /** A kernel call on {@code t} in place. */
    @FunctionalInterface
    protected interface InPlaceKernel {
        void run(Backend backend, RingTensor t);
    }

    /** The test data generator of the current test. */
    protected final TestTensors data() {
        return data;
    }

    /** A random input of {@code shape}, sometimes a view at an unaligned offset. */
    protected final RingTensor input(final int... shape) {
        final int lead = data.random().nextInt(4);
        final long n = Shapes.numel(shape);
        final RingTensor backing = data.random((int) n + lead + 1);
        return backing.slice(lead, lead + (int) n).reshape(shape);
    }

    /** A random input of {@code shape} whose elements are bits (0 or 1), like shares of a bit held by one party. */
    protected final RingTensor bits(final int... shape) {
        final RingTensor t = zeros(shape);
        for (long i = 0; i < t.numel(); i++) {
            t.set(i, data.random().nextInt(2));
        }
        return t;
    }

    /** A zero tensor of {@code shape}. */
    protected final RingTensor zeros(final int... shape) {
        return data.zeros(shape);
    }

    /**
     * Runs {@code kernel} on the reference and on the candidate, each into a guarded output of {@code outShape}
     * prefilled with the same random bits, and requires the same bits, untouched guards and untouched inputs.
     */
    protected final void compare(final String what, final int[] outShape, final Kernel kernel,
                                 final RingTensor... inputs) {
        final long[][] before = new long[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            before[i] = inputs[i].toArray();
        }
        final int n = (int) Shapes.numel(outShape);
        final RingTensor expectedBacking = data.uniform(n + 2 * GUARD);
        final RingTensor actualBacking = data.copyOf(expectedBacking);
        final long[] guards = expectedBacking.toArray();
        final RingTensor expected = expectedBacking.slice(GUARD, GUARD + n).reshape(outShape);
        final RingTensor actual = actualBacking.slice(GUARD, GUARD + n).reshape(outShape);
        kernel.run(reference, expected);
        try {
            kernel.run(candidate, actual);
        } catch (final RuntimeException e) {
            throw new AssertionError(what + ": candidate threw where the reference did not, " + facts(), e);
        }
        data.assertBits(what + " [" + candidate.name() + "]", expected, actual);
        for (int g = 0; g < GUARD; g++) {
            final int tail = GUARD + n + g;
            if (actualBacking.get(g) != guards[g] || actualBacking.get(tail) != guards[tail]) {
                fail(what + ": candidate wrote outside its output, guard=" + g + ", " + facts());
            }
        }
        for (int i = 0; i < inputs.length; i++) {
            data.assertBits(what + ": input " + i + " changed", before[i], inputs[i].toArray());
        }
    }

    /** Runs an in-place kernel on two copies of {@code t} (reference, candidate) and compares them. */
    protected final void inPlace(final String what, final RingTensor t, final InPlaceKernel kernel) {
        final RingTensor expected = data.copyOf(t);
        final RingTensor actual = data.copyOf(t);
        kernel.run(reference, expected);
        kernel.run(candidate, actual);
        data.assertBits(what + " (in place) [" + candidate.name() + "]", expected, actual);
    }

    /** Requires both backends to reject the call with an {@link IllegalArgumentException} and the same message. */
    protected final void rejects(final String what, final Consumer<Backend> call) {
        final IllegalArgumentException expected =
            assertThrows(IllegalArgumentException.class, () -> call.accept(reference), what + " (reference)");
        final IllegalArgumentException actual =
            assertThrows(IllegalArgumentException.class, () -> call.accept(candidate), what + " [" + candidate.name()
                + "]");
        assertEquals(expected.getMessage(), actual.getMessage(), what + ": message differs from the reference");
    }

    private void rangeError(final String what, final int index, final Consumer<Backend> call) {
        final FixedPointRangeException expected =
            assertThrows(FixedPointRangeException.class, () -> call.accept(reference), what + " (reference)");
        final FixedPointRangeException actual =
            assertThrows(FixedPointRangeException.class, () -> call.accept(candidate), what + " [" + candidate.name()
                + "]");
        assertEquals(index, expected.index(), what + ": reference index");
        assertEquals(index, actual.index(), what + ": candidate index");
        assertEquals(expected.getMessage(), actual.getMessage(), what + ": message differs from the reference");
    }

    private void binaryOps(final String what, final RingTensor a, final RingTensor b, final int[] out) {
        compare("add " + what, out, (k, o) -> k.add(a, b, o), a, b);
        compare("sub " + what, out, (k, o) -> k.sub(a, b, o), a, b);
        compare("mul " + what, out, (k, o) -> k.mul(a, b, o), a, b);
        compare("and " + what, out, (k, o) -> k.and(a, b, o), a, b);
        compare("or " + what, out, (k, o) -> k.or(a, b, o), a, b);
        compare("xor " + what, out, (k, o) -> k.xor(a, b, o), a, b);
    }

    private void convolutions(final int batch, final int inC, final int h, final int w, final int outC,
                              final int kh, final int kw, final Conv2dSpec spec) {
        final String what = "N=" + batch + " C=" + inC + " H=" + h + " W=" + w + " O=" + outC + " kH=" + kh
            + " kW=" + kw + " " + spec;
        final int outH = spec.outH(h, kh);
        final int outW = spec.outW(w, kw);
        final RingTensor input = input(batch, inC, h, w);
        final RingTensor weight = input(outC, inC, kh, kw);
        final RingTensor gradOut = input(batch, outC, outH, outW);
        compare("conv2d " + what, new int[] {batch, outC, outH, outW},
            (k, out) -> k.conv2d(input, weight, spec, out), input, weight);
        compare("conv2dBackwardInput " + what, new int[] {batch, inC, h, w},
            (k, out) -> k.conv2dBackwardInput(gradOut, weight, spec, out), gradOut, weight);
        compare("conv2dBackwardWeight " + what, new int[] {outC, inC, kh, kw},
            (k, out) -> k.conv2dBackwardWeight(input, gradOut, spec, out), input, gradOut);
    }

    /** Values that encode with {@code f} fractional bits: the edges first, then random magnitudes. */
    private double[] encodableDoubles(final int f, final int count) {
        final double ulp = Math.scalb(1.0, -f);
        // The backends encode at any f in [0, 63]; FixedPoint itself stops at MAX_FRAC_BITS, so the limit is spelt out.
        final double max = Math.nextDown(Math.scalb(1.0, FixedPoint.RANGE_BITS - f));
        final double[] edges = {0.0, -0.0, ulp, -ulp, 0.5 * ulp, -0.5 * ulp, 1.5 * ulp, -1.5 * ulp, 2.5 * ulp,
            -2.5 * ulp, Math.nextUp(0.5 * ulp), Math.nextDown(-0.5 * ulp), 0.25 * ulp, 0.75 * ulp, max, -max,
            Math.nextDown(max), 0.5 * max, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, 1.0, -1.0, 0.5,
            -0.5, 1.5, -2.5, 1e-3, -3.25, 1234.5 * ulp, -1234.5 * ulp};
        final double[] values = new double[Math.max(count, 1)];
        for (int i = 0; i < values.length; i++) {
            if (i < edges.length && count > edges.length) {
                values[i] = edges[i];
            } else {
                values[i] = randomEncodable(f, max);
            }
        }
        // Move the edges around so that every SIMD lane sees some of them.
        for (int i = values.length - 1; i > 0; i--) {
            final int j = data.random().nextInt(i + 1);
            final double t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
        return values;
    }

    private float[] encodableFloats(final int f, final int count) {
        final double[] doubles = encodableDoubles(f, count);
        final float max = Math.nextDown((float) Math.scalb(1.0, FixedPoint.RANGE_BITS - f));
        final float[] values = new float[doubles.length];
        for (int i = 0; i < values.length; i++) {
            final float v = (float) doubles[i];
            // Rounding to float can round up to the limit itself: keep the largest float below it instead.
            values[i] = Math.abs(v) > max ? Math.copySign(max, v) : v;
        }
        values[0] = max;
        if (values.length > 1) {
            values[1] = -max;
        }
        return values;
    }

    private double randomEncodable(final int f, final double max) {
        switch (data.random().nextInt(4)) {
            case 0:
                // A multiple of half an ulp: ties and exact values.
                return Math.scalb((double) data.random().nextLong(-1_000_000, 1_000_000), -f - 1);
            case 1:
                return data.random().nextDouble(-1.0, 1.0) * Math.scalb(1.0, data.random().nextInt(-20, 20));
            case 2:
                return data.random().nextDouble(-max, max);
            default:
                return data.random().nextDouble(-1000.0, 1000.0);
        }
    }

    private String facts() {
        return "seed=" + data.seed() + ", backend=" + candidate.name();
    }
}
