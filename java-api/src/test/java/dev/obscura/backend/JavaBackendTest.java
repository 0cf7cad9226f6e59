package dev.obscura.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.ring.FixedPoint;
import dev.obscura.ring.FixedPointRangeException;
import dev.obscura.ring.RingTensor;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Independent checks of the reference backend: hand-computed examples, and formulations that share no code with
 * it (BigInteger products, im2col, the adjoint identities of the convolution gradients, AES test vectors and AES-ECB
 * of the counter blocks).
 */
class JavaBackendTest {
    private static final long SEED = Long.getLong("obscura.test.seed", 0x0B5C_0BAL);

    private final JavaBackend backend = new JavaBackend();
    private final TestTensors data = new TestTensors(SEED);

    @AfterEach
    void closeTensors() {
        data.closeAll();
    }

    // ---------------------------------------------------------------- elementwise

    @Test
    void shouldWrapAroundModulo2To64() {
        final RingTensor a = of(new long[] {Long.MAX_VALUE, Long.MIN_VALUE, -1L, 1L << 32}, 4);
        final RingTensor b = of(new long[] {1L, -1L, -1L, 1L << 32}, 4);
        final RingTensor out = data.zeros(4);
        backend.add(a, b, out);
        assertArrayEquals(new long[] {Long.MIN_VALUE, Long.MAX_VALUE, -2L, 1L << 33}, out.toArray());
        backend.mul(a, b, out);
        assertArrayEquals(new long[] {Long.MAX_VALUE, Long.MIN_VALUE, 1L, 0L}, out.toArray());
        backend.sub(b, a, out);
        assertArrayEquals(new long[] {Long.MIN_VALUE + 2, Long.MAX_VALUE, 0L, 0L}, out.toArray());
        backend.neg(a, out);
        assertArrayEquals(new long[] {Long.MIN_VALUE + 1, Long.MIN_VALUE, 1L, -(1L << 32)}, out.toArray());
        backend.mulScalar(a, 3L, out);
        assertArrayEquals(new long[] {Long.MAX_VALUE - 2, Long.MIN_VALUE, -3L, 3L << 32}, out.toArray());
        backend.addScalar(a, Long.MIN_VALUE, out);
        assertArrayEquals(new long[] {-1L, 0L, Long.MAX_VALUE, Long.MIN_VALUE + (1L << 32)}, out.toArray());
    }

    @Test
    void shouldBroadcastHandComputedExamples() {
        final RingTensor m = of(new long[] {1, 2, 3, 4, 5, 6}, 2, 3);
        final RingTensor row = of(new long[] {10, 20, 30}, 3);
        final RingTensor out = data.zeros(2, 3);
        backend.add(m, row, out);
        assertArrayEquals(new long[] {11, 22, 33, 14, 25, 36}, out.toArray());
        backend.sub(row, m, out);
        assertArrayEquals(new long[] {9, 18, 27, 6, 15, 24}, out.toArray());

        final RingTensor col = of(new long[] {2, 3}, 2, 1);
        final RingTensor line = of(new long[] {1, 10, 100}, 1, 3);
        backend.mul(col, line, out);
        assertArrayEquals(new long[] {2, 20, 200, 3, 30, 300}, out.toArray());

        final RingTensor scalar = of(new long[] {-1L}, 1);
        backend.xor(m, scalar, out);
        assertArrayEquals(new long[] {~1L, ~2L, ~3L, ~4L, ~5L, ~6L}, out.toArray());

        // [N, C, H, W] + [C, 1, 1]: a per-channel bias.
        final RingTensor image = data.random(2, 3, 4, 5);
        final RingTensor bias = of(new long[] {100, 200, 300}, 3, 1, 1);
        final RingTensor biased = data.zeros(2, 3, 4, 5);
        backend.add(image, bias, biased);
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int h = 0; h < 4; h++) {
                    for (int w = 0; w < 5; w++) {
                        assertEquals(image.at(n, c, h, w) + 100L * (c + 1), biased.at(n, c, h, w));
                    }
                }
            }
        }
    }

    @Test
    void shouldShiftAndExtractBitsByHand() {
        final RingTensor a = of(new long[] {-65537L, -65536L, -1L, 65537L, Long.MIN_VALUE}, 5);
        final RingTensor out = data.zeros(5);
        backend.truncate(a, 16, out);
        // Rounding toward negative infinity, as an arithmetic shift does.
        assertArrayEquals(new long[] {-2L, -1L, -1L, 1L, Long.MIN_VALUE >> 16}, out.toArray());
        backend.shiftRightLogical(a, 63, out);
        assertArrayEquals(new long[] {1, 1, 1, 0, 1}, out.toArray());
        backend.extractBit(a, 16, out);
        // -65537 is ~(1 << 16): its bit 16 is the only clear one.
        assertArrayEquals(new long[] {0, 1, 1, 1, 0}, out.toArray());
        backend.shiftLeft(a, 63, out);
        assertArrayEquals(new long[] {Long.MIN_VALUE, 0, Long.MIN_VALUE, Long.MIN_VALUE, 0}, out.toArray());
        backend.truncate(a, 0, out);
        assertArrayEquals(a.toArray(), out.toArray());
    }

    // ---------------------------------------------------------------- bits

    @Test
    void shouldPackAndComputeBitPlanesByHand() {
        final RingTensor a = of(new long[] {1, 2, 3, -1, Long.MIN_VALUE}, 5);
        final RingTensor packed = data.zeros(1);
        backend.packBits(a, packed);
        assertEquals(0b01101L, packed.get(0));

        final RingTensor planes = data.zeros(64, 1);
        backend.toBitPlanes(a, planes);
        assertEquals(0b01101L, planes.at(0, 0), "bit 0 of each element");
        assertEquals(0b01110L, planes.at(1, 0), "bit 1");
        for (int j = 2; j < 63; j++) {
            assertEquals(0b01000L, planes.at(j, 0), "bit " + j + ": only -1 has it");
        }
        assertEquals(0b11000L, planes.at(63, 0), "bit 63: -1 and MIN_VALUE");

        final RingTensor back = data.zeros(5);
        backend.fromBitPlanes(planes, back);
        assertArrayEquals(a.toArray(), back.toArray());

        // 65 elements: the second word holds element 64 at bit 0; padding bits stay 0.
        final RingTensor many = data.random(65);
        final RingTensor packed2 = data.zeros(2);
        backend.packBits(many, packed2);
        assertEquals(many.get(64) & 1L, packed2.get(1));
        final RingTensor unpacked = data.zeros(65);
        backend.unpackBits(packed2, unpacked);
        for (int i = 0; i < 65; i++) {
            assertEquals(many.get(i) & 1L, unpacked.get(i), "bit " + i);
        }
        final RingTensor planes2 = data.zeros(64, 2);
        backend.toBitPlanes(many, planes2);
        for (int i = 0; i < 65; i++) {
            for (int j = 0; j < 64; j++) {
                assertEquals((many.get(i) >>> j) & 1L, (planes2.at(j, i / 64) >>> (i % 64)) & 1L);
            }
        }
        for (int j = 0; j < 64; j++) {
            assertEquals(0L, planes2.at(j, 1) >>> 1, "padding bits of plane " + j);
        }
    }

    // ---------------------------------------------------------------- matmul

    @Test
    void shouldMultiplyHandComputedMatrices() {
        final long[] a = {1, 2, 3, 4, 5, 6};
        final long[] aT = {1, 4, 2, 5, 3, 6};
        final long[] b = {7, 8, 9, 10, 11, 12};
        final long[] bT = {7, 9, 11, 8, 10, 12};
        final long[] expected = {58, 64, 139, 154};
        final RingTensor out = data.zeros(2, 2);
        backend.matmul(of(a, 2, 3), of(b, 3, 2), out, false, false);
        assertArrayEquals(expected, out.toArray());
        backend.matmul(of(aT, 3, 2), of(b, 3, 2), out, true, false);
        assertArrayEquals(expected, out.toArray());
        backend.matmul(of(a, 2, 3), of(bT, 2, 3), out, false, true);
        assertArrayEquals(expected, out.toArray());
        backend.matmul(of(aT, 3, 2), of(bT, 2, 3), out, true, true);
        assertArrayEquals(expected, out.toArray());

        // Batched with a shared right-hand side: the second batch is the first times -1.
        final long[] batched = new long[12];
        for (int i = 0; i < 6; i++) {
            batched[i] = a[i];
            batched[6 + i] = -a[i];
        }
        final RingTensor out3 = data.zeros(2, 2, 2);
        backend.matmul(of(batched, 2, 2, 3), of(b, 3, 2), out3);
        assertArrayEquals(new long[] {58, 64, 139, 154, -58, -64, -139, -154}, out3.toArray());
    }

    @Test
    void shouldMatchBigIntegerTripleLoopOnRandomMatmul() {
        final int m = 9;
        final int k = 13;
        final int n = 11;
        for (final boolean ta : new boolean[] {false, true}) {
            for (final boolean tb : new boolean[] {false, true}) {
                for (final int batch : new int[] {1, 3}) {
                    final RingTensor a = data.random(batch, ta ? k : m, ta ? m : k);
                    final RingTensor b = data.random(batch, tb ? n : k, tb ? k : n);
                    final RingTensor shared = data.random(tb ? n : k, tb ? k : n);
                    final RingTensor out = data.zeros(batch, m, n);
                    final RingTensor outShared = data.zeros(batch, m, n);
                    backend.matmul(a, b, out, ta, tb);
                    backend.matmul(a, shared, outShared, ta, tb);
                    for (int s = 0; s < batch; s++) {
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                BigInteger acc = BigInteger.ZERO;
                                BigInteger accShared = BigInteger.ZERO;
                                for (int p = 0; p < k; p++) {
                                    final BigInteger x = BigInteger.valueOf(ta ? a.at(s, p, i) : a.at(s, i, p));
                                    acc = acc.add(x.multiply(BigInteger.valueOf(tb ? b.at(s, j, p) : b.at(s, p, j))));
                                    accShared = accShared.add(
                                        x.multiply(BigInteger.valueOf(tb ? shared.at(j, p) : shared.at(p, j))));
                                }
                                // longValue() keeps the low 64 bits: exactly reduction mod 2^64.
                                final String where = "batch=" + s + " i=" + i + " j=" + j + " transposeA=" + ta
                                    + " transposeB=" + tb + " seed=" + SEED;
                                assertEquals(acc.longValue(), out.at(s, i, j), where);
                                assertEquals(accShared.longValue(), outShared.at(s, i, j), where + " shared b");
                            }
                        }
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- convolution

    @Test
    void shouldConvolveHandComputedExample() {
        final RingTensor input = of(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
        // Adds the top-left and the bottom-right of each 2x2 window.
        final RingTensor weight = of(new long[] {1, 0, 0, 1}, 1, 1, 2, 2);
        final RingTensor out = data.zeros(1, 1, 2, 2);
        backend.conv2d(input, weight, Conv2dSpec.of(1, 0), out);
        assertArrayEquals(new long[] {6, 8, 12, 14}, out.toArray());
        // Padding 1, stride 2: windows start at rows/columns -1 and 1.
        backend.conv2d(input, weight, Conv2dSpec.of(2, 1), out);
        assertArrayEquals(new long[] {1, 3, 7, 14}, out.toArray());

        // Two input channels, two output channels: channel sums and differences of a 1x1 kernel.
        final RingTensor two = of(new long[] {1, 2, 3, 4, 10, 20, 30, 40}, 1, 2, 2, 2);
        final RingTensor mix = of(new long[] {1, 1, 1, -1}, 2, 2, 1, 1);
        final RingTensor mixed = data.zeros(1, 2, 2, 2);
        backend.conv2d(two, mix, Conv2dSpec.of(1, 0), mixed);
        assertArrayEquals(new long[] {11, 22, 33, 44, -9, -18, -27, -36}, mixed.toArray());

        // The gradients of the first example, by hand: gradOut all ones.
        final RingTensor ones = of(new long[] {1, 1, 1, 1}, 1, 1, 2, 2);
        final RingTensor gradInput = data.uniform(1, 1, 3, 3);
        backend.conv2dBackwardInput(ones, weight, Conv2dSpec.of(1, 0), gradInput);
        assertArrayEquals(new long[] {1, 1, 0, 1, 2, 1, 0, 1, 1}, gradInput.toArray());
        final RingTensor gradWeight = data.uniform(1, 1, 2, 2);
        backend.conv2dBackwardWeight(input, ones, Conv2dSpec.of(1, 0), gradWeight);
        assertArrayEquals(new long[] {1 + 2 + 4 + 5, 2 + 3 + 5 + 6, 4 + 5 + 7 + 8, 5 + 6 + 8 + 9},
            gradWeight.toArray());
    }

    @Test
    void shouldMatchIm2colMatmulOnConv2d() {
        final int[][] geometries = {
            // N, C, H, W, O, kH, kW, sH, sW, pH, pW
            {1, 1, 5, 5, 1, 3, 3, 1, 1, 0, 0},
            {3, 2, 7, 9, 4, 3, 3, 2, 2, 1, 1},
            {2, 3, 8, 6, 2, 5, 5, 1, 1, 2, 2},
            {1, 4, 6, 11, 3, 1, 3, 2, 1, 0, 2},
            {2, 1, 28, 28, 3, 5, 5, 1, 1, 0, 0},
        };
        for (final int[] g : geometries) {
            final Conv2dSpec spec = new Conv2dSpec(g[7], g[8], g[9], g[10]);
            final RingTensor input = data.random(g[0], g[1], g[2], g[3]);
            final RingTensor weight = data.random(g[4], g[1], g[5], g[6]);
            final int outH = spec.outH(g[2], g[5]);
            final int outW = spec.outW(g[3], g[6]);
            final RingTensor out = data.uniform(g[0], g[4], outH, outW);
            backend.conv2d(input, weight, spec, out);
            final RingTensor expected = im2colConv(input, weight, spec);
            data.assertBits("conv2d vs im2col " + Arrays.toString(g), expected, out);
        }
    }

    @Test
    void shouldSatisfyTheAdjointIdentitiesOfTheConvolutionGradients() {
        final int[][] geometries = {
            {1, 1, 5, 5, 1, 3, 3, 1, 1, 0, 0},
            {3, 2, 7, 9, 4, 3, 3, 2, 2, 1, 1},
            {2, 3, 8, 8, 2, 3, 3, 2, 2, 0, 0}, // stride 2 leaves the last row and column unread
            {2, 2, 6, 11, 3, 5, 1, 1, 3, 2, 0},
            {1, 3, 4, 4, 2, 5, 5, 1, 1, 2, 2},
        };
        for (final int[] g : geometries) {
            final Conv2dSpec spec = new Conv2dSpec(g[7], g[8], g[9], g[10]);
            final int outH = spec.outH(g[2], g[5]);
            final int outW = spec.outW(g[3], g[6]);
            final RingTensor x = data.random(g[0], g[1], g[2], g[3]);
            final RingTensor w = data.random(g[4], g[1], g[5], g[6]);
            final RingTensor gradOut = data.random(g[0], g[4], outH, outW);
            final RingTensor y = data.uniform(g[0], g[4], outH, outW);
            final RingTensor gx = data.uniform(g[0], g[1], g[2], g[3]);
            final RingTensor gw = data.uniform(g[4], g[1], g[5], g[6]);
            backend.conv2d(x, w, spec, y);
            backend.conv2dBackwardInput(gradOut, w, spec, gx);
            backend.conv2dBackwardWeight(x, gradOut, spec, gw);
            // conv is bilinear, so <conv(x, w), g> = <x, conv^T_x(g, w)> = <w, conv^T_w(x, g)>, exactly in Z_2^64.
            final String where = Arrays.toString(g) + " seed=" + SEED;
            assertEquals(dot(y, gradOut), dot(x, gx), "input adjoint " + where);
            assertEquals(dot(y, gradOut), dot(w, gw), "weight adjoint " + where);
        }
    }

    // ---------------------------------------------------------------- windows

    @Test
    void shouldGatherWindowsByHandInEveryLayout() {
        final RingTensor input = of(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
        final WindowGeometry g = WindowGeometry.pooling("test", input.shape(), 2, 2, 1, 1);
        final RingTensor rows = data.uniform(4, 4);
        backend.windowGather(input, g, WindowLayout.POSITION_ROWS, rows);
        assertArrayEquals(new long[] {1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9}, rows.toArray());
        final RingTensor windows = data.uniform(1, 1, 2, 2, 4);
        backend.windowGather(input, g, WindowLayout.WINDOW_ROWS, windows);
        assertArrayEquals(new long[] {1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9}, windows.toArray());
        final RingTensor sums = data.uniform(1, 1, 2, 2);
        backend.windowGather(input, g, WindowLayout.WINDOW_SUM, sums);
        assertArrayEquals(new long[] {12, 16, 24, 28}, sums.toArray());

        // Padding 1, stride 2: the windows of a 2x2 input each hold one element, at the corner facing the input.
        final RingTensor small = of(new long[] {1, 2, 3, 4}, 1, 1, 2, 2);
        final WindowGeometry padded = WindowGeometry.of("test", small.shape(), 2, 2, 2, 2, 1, 1);
        final RingTensor corners = data.uniform(1, 1, 2, 2, 4);
        backend.windowGather(small, padded, WindowLayout.WINDOW_ROWS, corners);
        assertArrayEquals(new long[] {0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0, 4, 0, 0, 0}, corners.toArray());
    }

    @Test
    void shouldScatterAddWindowsByHand() {
        // Overlapping 2x2 windows at stride 1: each input element receives once per window that covers it.
        final WindowGeometry g = WindowGeometry.pooling("test", new int[] {1, 1, 3, 3}, 2, 2, 1, 1);
        final RingTensor counts = data.uniform(1, 1, 3, 3);
        backend.windowScatterAdd(of(new long[] {1, 1, 1, 1}, 1, 1, 2, 2), g, WindowLayout.WINDOW_SUM, counts);
        assertArrayEquals(new long[] {1, 2, 1, 2, 4, 2, 1, 2, 1}, counts.toArray());
        // The routing of a max-pool backward pass: one position per window.
        final RingTensor routed =
            of(new long[] {10, 0, 0, 0, 0, 0, 20, 0, 0, 30, 0, 0, 0, 0, 0, 40}, 1, 1, 2, 2, 4);
        backend.windowScatterAdd(routed, g, WindowLayout.WINDOW_ROWS, counts);
        assertArrayEquals(new long[] {10, 0, 0, 0, 20 + 30, 0, 0, 0, 40}, counts.toArray());

        // Strides above the kernel leave the skipped elements 0.
        final WindowGeometry sparse = WindowGeometry.pooling("test", new int[] {1, 1, 3, 5}, 1, 2, 2, 3);
        final RingTensor out = data.uniform(1, 1, 3, 5);
        backend.windowScatterAdd(of(new long[] {1, 2, 3, 4}, 1, 1, 2, 2), sparse, WindowLayout.WINDOW_SUM, out);
        assertArrayEquals(new long[] {1, 1, 0, 2, 2, 0, 0, 0, 0, 0, 3, 3, 0, 4, 4}, out.toArray());

        // 1 x k windows at stride k along a row repeat each value k times.
        final WindowGeometry row = WindowGeometry.pooling("test", new int[] {1, 1, 1, 6}, 1, 3, 1, 3);
        final RingTensor repeated = data.uniform(1, 1, 1, 6);
        backend.windowScatterAdd(of(new long[] {7, -2}, 1, 1, 1, 2), row, WindowLayout.WINDOW_SUM, repeated);
        assertArrayEquals(new long[] {7, 7, 7, -2, -2, -2}, repeated.toArray());
    }

    @Test
    void shouldMatchADirectReadingOfEveryWindowPosition() {
        final int[][] cases = {
            {2, 3, 7, 9, 2, 2, 2, 2, 0, 0},
            {1, 2, 6, 5, 3, 3, 1, 1, 0, 0},
            {2, 2, 5, 4, 3, 2, 2, 1, 1, 2},
            {3, 1, 7, 8, 2, 3, 3, 4, 0, 0},
        };
        for (final int[] c : cases) {
            final WindowGeometry g = geometry(c);
            final RingTensor input = data.random(g.inputShape());
            final RingTensor windows = data.uniform(g.batch(), g.channels(), g.outH(), g.outW(), g.windowSize());
            backend.windowGather(input, g, WindowLayout.WINDOW_ROWS, windows);
            for (int n = 0; n < g.batch(); n++) {
                for (int ch = 0; ch < g.channels(); ch++) {
                    for (int y = 0; y < g.outH(); y++) {
                        for (int x = 0; x < g.outW(); x++) {
                            for (int i = 0; i < g.kernelH(); i++) {
                                for (int j = 0; j < g.kernelW(); j++) {
                                    final int iy = y * g.strideH() + i - g.padH();
                                    final int ix = x * g.strideW() + j - g.padW();
                                    final boolean inside = iy >= 0 && iy < g.inH() && ix >= 0 && ix < g.inW();
                                    assertEquals(inside ? input.at(n, ch, iy, ix) : 0L,
                                        windows.at(n, ch, y, x, i * g.kernelW() + j), g + " at " + n + "," + ch
                                            + "," + y + "," + x + "," + i + "," + j);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void shouldScatterAsTheAdjointOfTheGatherInEveryLayout() {
        final int[][] cases = {
            {1, 1, 5, 5, 3, 3, 1, 1, 0, 0},
            {2, 3, 7, 9, 2, 2, 2, 2, 0, 0},
            {2, 2, 5, 4, 3, 2, 2, 1, 1, 2},
            {3, 1, 7, 8, 2, 3, 3, 4, 0, 0},
            {1, 2, 3, 3, 5, 5, 1, 1, 2, 2},
        };
        for (final int[] c : cases) {
            final WindowGeometry g = geometry(c);
            for (final WindowLayout layout : WindowLayout.values()) {
                final RingTensor x = data.random(g.inputShape());
                final RingTensor y = data.random(layout.shape(g));
                final RingTensor gathered = data.uniform(layout.shape(g));
                final RingTensor scattered = data.uniform(g.inputShape());
                backend.windowGather(x, g, layout, gathered);
                backend.windowScatterAdd(y, g, layout, scattered);
                // Both are linear, so <gather(x), y> = <x, scatter(y)> exactly in Z_2^64.
                assertEquals(dot(gathered, y), dot(x, scattered), layout + " " + g + " seed=" + SEED);
            }
        }
    }

    // ---------------------------------------------------------------- sum

    @Test
    void shouldSumHandComputedExamples() {
        final RingTensor m = of(new long[] {1, 2, 3, 4, 5, 6}, 2, 3);
        final RingTensor cols = data.zeros(3);
        backend.sum(m, 0, cols);
        assertArrayEquals(new long[] {5, 7, 9}, cols.toArray());
        final RingTensor rows = data.zeros(2, 1);
        backend.sum(m, -1, rows);
        assertArrayEquals(new long[] {6, 15}, rows.toArray());

        final RingTensor cube = data.random(2, 3, 4);
        final RingTensor middle = data.zeros(2, 4);
        backend.sum(cube, 1, middle);
        for (int i = 0; i < 2; i++) {
            for (int k = 0; k < 4; k++) {
                assertEquals(cube.at(i, 0, k) + cube.at(i, 1, k) + cube.at(i, 2, k), middle.at(i, k));
            }
        }
        final RingTensor wrap = of(new long[] {Long.MAX_VALUE, 1}, 2);
        final RingTensor total = data.zeros();
        backend.sum(wrap, 0, total);
        assertEquals(Long.MIN_VALUE, total.get(0));
    }

    // ---------------------------------------------------------------- fixed point

    @Test
    void shouldEncodeAndDecodeLikeFixedPoint() {
        final FixedPoint fp = FixedPoint.defaultEncoding();
        final double[] values = {0.0, 1.0, -1.0, 0.5, fp.ulp(), -fp.ulp(), 0.5 * fp.ulp(), 1.5 * fp.ulp(),
            -2.5 * fp.ulp(), fp.maxMagnitude(), -fp.maxMagnitude(), 3.14159};
        final RingTensor out = data.zeros(values.length - 1);
        backend.encode(values, 1, 16, out);
        for (int i = 1; i < values.length; i++) {
            assertEquals(fp.encode(values[i]), out.get(i - 1), "value " + i);
        }
        assertEquals(0L, out.get(5), "half an ulp rounds to even 0");
        assertEquals(2L, out.get(6), "1.5 ulp rounds to even 2");
        assertEquals(-2L, out.get(7), "-2.5 ulp rounds to even -2");

        final float[] floats = {1.5f, -0.25f, 1e-6f};
        final RingTensor fout = data.zeros(3);
        backend.encode(floats, 0, 16, fout);
        assertArrayEquals(new long[] {98304L, -16384L, 0L}, fout.toArray());

        final double[] decoded = new double[values.length + 1];
        backend.decode(out, 16, decoded, 2);
        for (int i = 1; i < values.length; i++) {
            assertEquals(fp.decode(fp.encode(values[i])), decoded[i + 1], "value " + i);
        }
        final float[] decodedF = new float[3];
        backend.decode(fout, 16, decodedF, 0);
        assertArrayEquals(new float[] {1.5f, -0.25f, 0.0f}, decodedF);
    }

    @Test
    void shouldReportTheSourceIndexOfTheFirstUnencodableValue() {
        final double[] values = {1.0, 2.0, Double.NaN, 1e300, 5.0};
        final FixedPointRangeException e = assertThrows(FixedPointRangeException.class,
            () -> backend.encode(values, 1, 16, data.zeros(4)));
        assertEquals(2L, e.index());
        assertTrue(e.getMessage().contains("index 2"), e.getMessage());
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        final float[] floats = {1.0f, Float.NEGATIVE_INFINITY};
        assertEquals(1L, assertThrows(FixedPointRangeException.class,
            () -> backend.encode(floats, 0, 16, data.zeros(2))).index());
    }

    // ---------------------------------------------------------------- AES-CTR

    @Test
    void shouldMatchTheSp80038aCtrAes128Vector() {
        // NIST SP 800-38A, F.5.1 CTR-AES128.Encrypt.
        final HexFormat hex = HexFormat.of();
        final byte[] key = hex.parseHex("2b7e151628aed2a6abf7158809cf4f3c");
        final byte[] plaintext = hex.parseHex("6bc1bee22e409f96e93d7e117393172a" + "ae2d8a571e03ac9c9eb76fac45af8e51"
            + "30c81c46a35ce411e5fbc1191a0a52ef" + "f69f2445df4f9b17ad2b417be66c3710");
        final byte[] ciphertext = hex.parseHex("874d6191b620e3261bef6864990db6ce" + "9806f66b7970fdff8617187bb9fffdff"
            + "5ae4df3edbd5d35e5b4f09020db03eab" + "1e031dda2fbe03d1792170a0f3009cee");
        final RingTensor stream = data.zeros(8);
        backend.aesCtrFill(key, 0xf0f1f2f3f4f5f6f7L, 0xf8f9fafbfcfdfeffL, stream);
        final ByteBuffer p = ByteBuffer.wrap(plaintext).order(ByteOrder.LITTLE_ENDIAN);
        final ByteBuffer c = ByteBuffer.wrap(ciphertext).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 8; i++) {
            assertEquals(c.getLong(8 * i), p.getLong(8 * i) ^ stream.get(i), "long " + i);
        }
    }

    @Test
    void shouldMatchAesEcbOfTheCounterBlocksIncludingCarries() throws Exception {
        final byte[] key = new byte[16];
        data.random().nextBytes(key);
        final long[][] starts = {{5L, -2L}, {-1L, -1L}, {0L, 0L}, {0x1234L, Long.MAX_VALUE}};
        for (final long[] s : starts) {
            for (final int n : new int[] {1, 9, 8192 * 2 + 3}) {
                final RingTensor out = data.uniform(n);
                backend.aesCtrFill(key, s[0], s[1], out);
                final long[] expected = ecbKeystream(key, s[0], s[1], n);
                data.assertBits("aesCtrFill nonce=" + s[0] + " firstBlock=" + s[1] + " n=" + n, expected,
                    out.toArray());
            }
        }
    }

    @Test
    void shouldGiveAPrefixOfTheSameStreamForShorterFillsAndContinueAtLaterBlocks() {
        final byte[] key = new byte[16];
        data.random().nextBytes(key);
        final RingTensor whole = data.zeros(20);
        backend.aesCtrFill(key, 3L, 10L, whole);
        final RingTensor head = data.zeros(7);
        backend.aesCtrFill(key, 3L, 10L, head);
        final RingTensor tail = data.zeros(10);
        backend.aesCtrFill(key, 3L, 15L, tail);
        for (int i = 0; i < 7; i++) {
            assertEquals(whole.get(i), head.get(i));
        }
        for (int i = 0; i < 10; i++) {
            assertEquals(whole.get(10 + i), tail.get(i), "block 15 is elements 10 and 11");
        }
    }

    // ---------------------------------------------------------------- errors

    @Test
    void shouldNameKernelAndShapesButNoValuesInErrors() {
        final RingTensor a = of(new long[] {123456789L, 987654321L, 555555555L}, 3);
        final RingTensor b = of(new long[] {123456789L, 987654321L}, 2);
        final IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> backend.add(a, b, data.zeros(3)));
        assertTrue(e.getMessage().startsWith("add "), e.getMessage());
        assertTrue(e.getMessage().contains("a=[3]") && e.getMessage().contains("b=[2]"), e.getMessage());
        for (final String digits : new String[] {"123456789", "987654321", "555555555"}) {
            assertFalse(e.getMessage().contains(digits), e.getMessage());
        }
        final IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
            () -> backend.matmul(a.reshape(1, 3), b.reshape(2, 1), data.zeros(1, 1)));
        assertTrue(m.getMessage().contains("k(a)=3") && m.getMessage().contains("k(b)=2"), m.getMessage());
    }

    @Test
    void shouldFailWithIllegalStateOnClosedTensors() {
        final RingTensor a = RingTensor.zeros(4);
        a.close();
        assertThrows(IllegalStateException.class, () -> backend.neg(a, data.zeros(4)));
        assertThrows(IllegalStateException.class, () -> backend.aesCtrFill(new byte[16], 0L, 0L, a));
        assertThrows(IllegalStateException.class, () -> backend.encode(new double[4], 0, 16, a));
        assertThrows(IllegalStateException.class, () -> backend.decode(a, 16, new double[4], 0));
    }

    @Test
    void shouldDescribeItself() {
        assertEquals("java", backend.name());
        assertFalse(backend.description().isBlank());
    }

    // ---------------------------------------------------------------- independent formulations

    private RingTensor of(final long[] values, final int... shape) {
        return data.track(RingTensor.of(values, shape));
    }

    /** Convolution as im2col followed by a matrix product per image. */
    private RingTensor im2colConv(final RingTensor input, final RingTensor weight, final Conv2dSpec spec) {
        final int n = input.dim(0);
        final int c = input.dim(1);
        final int h = input.dim(2);
        final int w = input.dim(3);
        final int o = weight.dim(0);
        final int kh = weight.dim(2);
        final int kw = weight.dim(3);
        final int outH = spec.outH(h, kh);
        final int outW = spec.outW(w, kw);
        final int rows = c * kh * kw;
        final int cols = outH * outW;
        final RingTensor result = data.zeros(n, o, outH, outW);
        final RingTensor flatWeight = weight.reshape(o, rows);
        for (int img = 0; img < n; img++) {
            final long[] patches = new long[rows * cols];
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < kh; i++) {
                    for (int j = 0; j < kw; j++) {
                        final int row = (ch * kh + i) * kw + j;
                        for (int y = 0; y < outH; y++) {
                            for (int x = 0; x < outW; x++) {
                                final int iy = y * spec.strideH() - spec.padH() + i;
                                final int ix = x * spec.strideW() - spec.padW() + j;
                                final boolean inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                                patches[row * cols + y * outW + x] = inside ? input.at(img, ch, iy, ix) : 0L;
                            }
                        }
                    }
                }
            }
            final RingTensor product = data.zeros(o, cols);
            backend.matmul(flatWeight, of(patches, rows, cols), product);
            result.slice(img, img + 1).copyFrom(product.toArray());
        }
        return result;
    }

    /** The window geometry of {@code {N, C, H, W, kH, kW, sH, sW, pH, pW}}. */
    private static WindowGeometry geometry(final int[] c) {
        return WindowGeometry.of("test", new int[] {c[0], c[1], c[2], c[3]}, c[4], c[5], c[6], c[7], c[8], c[9]);
    }

    /** {@code sum_i x[i] * y[i]} in Z_2^64. */
    private static long dot(final RingTensor x, final RingTensor y) {
        long acc = 0;
        for (long i = 0; i < x.numel(); i++) {
            acc += x.get(i) * y.get(i);
        }
        return acc;
    }

    /** The CTR keystream from its definition: AES-ECB of each 128-bit big-endian counter, little-endian longs. */
    private static long[] ecbKeystream(final byte[] key, final long nonce, final long firstBlock, final int n)
        throws Exception {
        final Cipher ecb = Cipher.getInstance("AES/ECB/NoPadding");
        ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
        final BigInteger modulus = BigInteger.ONE.shiftLeft(128);
        final BigInteger start = new BigInteger(1, ByteBuffer.allocate(16).putLong(nonce).putLong(firstBlock).array());
        final long[] out = new long[n];
        for (int block = 0; block < (n + 1) / 2; block++) {
            final BigInteger counter = start.add(BigInteger.valueOf(block)).mod(modulus);
            final byte[] raw = counter.toByteArray();
            final byte[] counterBytes = new byte[16];
            final int len = Math.min(raw.length, 16);
            System.arraycopy(raw, raw.length - len, counterBytes, 16 - len, len);
            final ByteBuffer ks = ByteBuffer.wrap(ecb.doFinal(counterBytes)).order(ByteOrder.LITTLE_ENDIAN);
            out[2 * block] = ks.getLong(0);
            if (2 * block + 1 < n) {
                out[2 * block + 1] = ks.getLong(8);
            }
        }
        return out;
    }
}
