package dev.obscura.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.backend.Conv2dSpec;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainEngineTestAccess;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.engine.TensorEngine;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The plaintext engine against naive loops that transcribe the {@link TensorEngine} formulas, in double, on odd
 * shapes with stride and padding. Tolerance {@value #TOLERANCE} relative to the sum of absolute products (float
 * rounding of a short sum).
 */
class PlainEngineTest {
    private static final double TOLERANCE = 1e-5;

    private final PlainEngine engine = new PlainEngine();
    private final SplittableRandom random = new SplittableRandom(7);

    @Test
    void shouldConvolveLikeTheFormulaWithStrideAndPadding() {
        final int[][] cases = {
            // N, C, H, W, O, kH, kW, sH, sW, pH, pW
            {2, 3, 7, 6, 4, 3, 2, 2, 1, 1, 0},
            {1, 1, 5, 5, 1, 5, 5, 1, 1, 0, 0},
            {3, 2, 9, 8, 5, 3, 3, 3, 2, 2, 1},
            {1, 4, 6, 7, 3, 1, 1, 1, 1, 0, 0},
            {2, 1, 28, 28, 16, 5, 5, 1, 1, 0, 0},
        };
        for (final int[] c : cases) {
            final Conv2dSpec spec = new Conv2dSpec(c[7], c[8], c[9], c[10]);
            final PlainTensor x = random(c[0], c[1], c[2], c[3]);
            final PlainTensor w = random(c[4], c[1], c[5], c[6]);
            final int oh = spec.outH(c[2], c[5]);
            final int ow = spec.outW(c[3], c[6]);
            final PlainTensor out = engine.conv2d(x, w, spec);
            assertArrayEquals(new int[] {c[0], c[4], oh, ow}, out.shape());
            final double[][] ref = naiveConv(x, w, spec);
            assertClose(ref, out.data(), "conv2d " + java.util.Arrays.toString(c));

            final PlainTensor gy = random(c[0], c[4], oh, ow);
            final PlainTensor gx = engine.conv2dBackwardInput(gy, w, spec, x.shape());
            assertArrayEquals(x.shape(), gx.shape());
            assertClose(naiveConvBackwardInput(gy, w, spec, x.shape()), gx.data(), "backwardInput");
            final PlainTensor gw = engine.conv2dBackwardWeight(x, gy, spec, w.shape());
            assertArrayEquals(w.shape(), gw.shape());
            assertClose(naiveConvBackwardWeight(x, gy, spec, w.shape()), gw.data(), "backwardWeight");
        }
    }

    @Test
    void shouldNotReuseTheForwardColumnsOfAnotherInput() {
        // The backward weight pass reuses the forward pass's im2col only for the same values: here the input is
        // changed in place after the forward pass, and a second input of the same geometry comes in between.
        final Conv2dSpec spec = Conv2dSpec.of(1, 1);
        final PlainTensor x = random(3, 2, 6, 5);
        final PlainTensor other = random(3, 2, 6, 5);
        final PlainTensor w = random(4, 2, 3, 3);
        final PlainTensor gy = random(3, 4, 6, 5);
        engine.conv2d(x, w, spec);
        x.data()[17] += 1f;
        assertClose(naiveConvBackwardWeight(x, gy, spec, w.shape()),
            engine.conv2dBackwardWeight(x, gy, spec, w.shape()).data(), "after an in-place change");
        engine.conv2d(other, w, spec);
        assertClose(naiveConvBackwardWeight(x, gy, spec, w.shape()),
            engine.conv2dBackwardWeight(x, gy, spec, w.shape()).data(), "after another input");
        assertClose(naiveConvBackwardWeight(other, gy, spec, w.shape()),
            engine.conv2dBackwardWeight(other, gy, spec, w.shape()).data(), "the other input");
    }

    @Test
    void shouldConvolveBatchesLargerThanOneGemm() {
        // 4 images of 3 x 30 x 30 with a 5 x 5 kernel: 75 x 676 column entries each; batches this size at 1000 x
        // the area (a test pass at batch 1000 on large images) go through several GEMMs, as here through a buffer
        // made to fit two images.
        final Conv2dSpec spec = Conv2dSpec.of(1, 0);
        final PlainTensor x = random(5, 3, 30, 30);
        final PlainTensor w = random(4, 3, 5, 5);
        final PlainTensor gy = random(5, 4, 26, 26);
        final PlainEngine small = PlainEngineTestAccess.withColumnLimit(2L * 75 * 676);
        assertClose(naiveConv(x, w, spec), small.conv2d(x, w, spec).data(), "grouped conv2d");
        assertClose(naiveConvBackwardInput(gy, w, spec, x.shape()),
            small.conv2dBackwardInput(gy, w, spec, x.shape()).data(), "grouped backwardInput");
        assertClose(naiveConvBackwardWeight(x, gy, spec, w.shape()),
            small.conv2dBackwardWeight(x, gy, spec, w.shape()).data(), "grouped backwardWeight");
    }

    @Test
    void shouldMaxPoolLikeTheFormulaWithOverlappingAndPartialWindows() {
        final int[][] cases = {{2, 3, 7, 9, 2, 3, 2, 2}, {1, 2, 6, 6, 2, 2, 2, 2}, {1, 1, 5, 7, 3, 3, 1, 2}};
        for (final int[] c : cases) {
            final PlainTensor x = random(c[0], c[1], c[2], c[3]);
            final int kH = c[4];
            final int kW = c[5];
            final int sH = c[6];
            final int sW = c[7];
            final int oh = (c[2] - kH) / sH + 1;
            final int ow = (c[3] - kW) / sW + 1;
            final TensorEngine.Masked<PlainTensor> r = engine.maxPool2d(x, kH, kW, sH, sW);
            assertArrayEquals(new int[] {c[0], c[1], oh, ow}, r.values().shape());
            assertArrayEquals(new int[] {c[0], c[1], oh, ow, kH * kW}, r.mask().shape());
            final float[] gy = random(c[0], c[1], oh, ow).data();
            final float[] gxRef = new float[x.numel()];
            int at = 0;
            for (int p = 0; p < c[0] * c[1]; p++) {
                for (int y = 0; y < oh; y++) {
                    for (int xo = 0; xo < ow; xo++, at++) {
                        float best = Float.NEGATIVE_INFINITY;
                        int bestPos = -1;
                        for (int i = 0; i < kH; i++) {
                            for (int j = 0; j < kW; j++) {
                                final float v = x.data()[p * c[2] * c[3] + (y * sH + i) * c[3] + xo * sW + j];
                                if (v > best) {
                                    best = v;
                                    bestPos = i * kW + j;
                                }
                            }
                        }
                        assertEquals(best, r.values().data()[at]);
                        for (int q = 0; q < kH * kW; q++) {
                            assertEquals(q == bestPos ? 1f : 0f, r.mask().data()[at * kH * kW + q]);
                        }
                        gxRef[p * c[2] * c[3] + (y * sH + bestPos / kW) * c[3] + xo * sW + bestPos % kW] +=
                            gy[at];
                    }
                }
            }
            final PlainTensor gx = engine.maxPool2dBackward(new PlainTensor(gy, c[0], c[1], oh, ow), r.mask(),
                x.shape(), kH, kW, sH, sW);
            assertArrayEquals(gxRef, gx.data(), 1e-6f);
        }
    }

    @Test
    void shouldBreakMaxPoolTiesTowardsTheFirstPosition() {
        final PlainTensor x = new PlainTensor(new float[] {1, 3, 3, 2}, 1, 1, 2, 2);
        final TensorEngine.Masked<PlainTensor> r = engine.maxPool2d(x, 2, 2, 2, 2);
        assertArrayEquals(new float[] {3}, r.values().data());
        assertArrayEquals(new float[] {0, 1, 0, 0}, r.mask().data());
    }

    @Test
    void shouldAveragePoolLikeTheFormula() {
        final int[][] cases = {{2, 3, 7, 9, 2, 3, 2, 2}, {1, 1, 5, 7, 3, 3, 1, 2}};
        for (final int[] c : cases) {
            final PlainTensor x = random(c[0], c[1], c[2], c[3]);
            final int kH = c[4];
            final int kW = c[5];
            final int sH = c[6];
            final int sW = c[7];
            final int oh = (c[2] - kH) / sH + 1;
            final int ow = (c[3] - kW) / sW + 1;
            final PlainTensor out = engine.avgPool2d(x, kH, kW, sH, sW);
            assertArrayEquals(new int[] {c[0], c[1], oh, ow}, out.shape());
            final float[] gy = random(c[0], c[1], oh, ow).data();
            final double[] gxRef = new double[x.numel()];
            int at = 0;
            for (int p = 0; p < c[0] * c[1]; p++) {
                for (int y = 0; y < oh; y++) {
                    for (int xo = 0; xo < ow; xo++, at++) {
                        double sum = 0;
                        for (int i = 0; i < kH; i++) {
                            for (int j = 0; j < kW; j++) {
                                final int idx = p * c[2] * c[3] + (y * sH + i) * c[3] + xo * sW + j;
                                sum += x.data()[idx];
                                gxRef[idx] += gy[at] / (double) (kH * kW);
                            }
                        }
                        assertEquals(sum / (kH * kW), out.data()[at], 1e-6);
                    }
                }
            }
            final PlainTensor gx = engine.avgPool2dBackward(new PlainTensor(gy, c[0], c[1], oh, ow), x.shape(),
                kH, kW, sH, sW);
            for (int i = 0; i < gxRef.length; i++) {
                assertEquals(gxRef[i], gx.data()[i], 1e-6);
            }
        }
    }

    @Test
    void shouldComputeReluWithItsMaskAndTheBiasOps() {
        final PlainTensor x = new PlainTensor(new float[] {-1, 0, 2, -0.5f, 3, -2}, 2, 3);
        final TensorEngine.Masked<PlainTensor> r = engine.relu(x);
        assertArrayEquals(new float[] {0, 0, 2, 0, 3, 0}, r.values().data());
        assertArrayEquals(new float[] {0, 1, 1, 0, 1, 0}, r.mask().data());
        final PlainTensor bias = new PlainTensor(new float[] {10, 20, 30}, 3);
        assertArrayEquals(new float[] {9, 20, 32, 9.5f, 23, 28}, engine.addChannelBias(x, bias).data());
        assertArrayEquals(new float[] {-1.5f, 3, 0}, engine.channelSum(x).data());
        final PlainTensor image = new PlainTensor(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 1, 2);
        assertArrayEquals(new float[] {2, 3, 2, 3, 6, 7, 6, 7},
            engine.addChannelBias(image, new PlainTensor(new float[] {1, -1}, 2)).data());
        assertArrayEquals(new float[] {1 + 2 + 5 + 6, 3 + 4 + 7 + 8}, engine.channelSum(image).data());
    }

    @Test
    void shouldKeepSignedZerosAndDropNaNsInRelu() {
        final float nan = Float.intBitsToFloat(0x7FC0_1234);
        final PlainTensor x = new PlainTensor(new float[] {-0f, 0f, nan, Float.NEGATIVE_INFINITY,
            Float.POSITIVE_INFINITY, -Float.MIN_VALUE, Float.MIN_VALUE}, 7);
        final TensorEngine.Masked<PlainTensor> r = engine.relu(x);
        final float[] want = {-0f, 0f, 0f, 0f, Float.POSITIVE_INFINITY, 0f, Float.MIN_VALUE};
        for (int i = 0; i < want.length; i++) {
            // Bits, not values: -0 stays -0 (it is >= 0), NaN becomes +0 (it is not).
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(r.values().data()[i]), "at " + i);
        }
        assertArrayEquals(new float[] {1, 1, 0, 0, 1, 0, 1}, r.mask().data());
    }

    @Test
    void shouldNeverPickANaNAsTheMaximum() {
        final float nan = Float.NaN;
        final PlainTensor x = new PlainTensor(new float[] {1, nan, 2, nan, nan, 5, 5, -1}, 1, 2, 2, 2);
        final TensorEngine.Masked<PlainTensor> r = engine.maxPool2d(x, 2, 2, 2, 2);
        // "if (v > best)" from the first tap: a NaN first tap stays, a NaN later never wins; ties keep the first.
        assertEquals(2f, r.values().data()[0]);
        assertTrue(Float.isNaN(r.values().data()[1]));
        assertArrayEquals(new float[] {0, 0, 1, 0, 1, 0, 0, 0}, r.mask().data());
    }

    @Test
    void shouldComputeSoftmaxRowsThatSumToOne() {
        final PlainTensor x = new PlainTensor(new float[] {1, 2, 3, 1000, 1000, -1000}, 2, 3);
        final float[] s = engine.softmax(x).data();
        final double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertEquals(Math.exp(1) / z, s[0], 1e-7);
        assertEquals(Math.exp(3) / z, s[2], 1e-7);
        assertEquals(0.5, s[3], 1e-7);
        assertEquals(0.0, s[5], 1e-7);
    }

    @Test
    void shouldMultiplyWithTransposes() {
        final PlainTensor a = new PlainTensor(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        final PlainTensor b = new PlainTensor(new float[] {1, 0, 0, 1, 1, 1}, 3, 2);
        assertArrayEquals(new float[] {4, 5, 10, 11}, engine.matmul(a, b, false, false).data());
        assertArrayEquals(new float[] {14, 32, 32, 77}, engine.matmul(a, a, false, true).data());
        assertArrayEquals(new float[] {17, 22, 27, 22, 29, 36, 27, 36, 45}, engine.matmul(a, a, true, false).data());
        assertThrows(IllegalArgumentException.class, () -> engine.matmul(a, a, false, false));
    }

    @Test
    void shouldRejectWrongShapesNamingThem() {
        final PlainTensor a = PlainTensor.zeros(2, 3);
        final PlainTensor b = PlainTensor.zeros(3, 2);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> engine.add(a, b));
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> engine.conv2d(PlainTensor.zeros(1, 2, 5, 5),
            PlainTensor.zeros(1, 3, 3, 3), Conv2dSpec.of(1, 0)));
        assertThrows(IllegalArgumentException.class, () -> engine.maxPool2d(PlainTensor.zeros(1, 1, 2, 2), 3, 3,
            1, 1));
        assertThrows(IllegalArgumentException.class, () -> engine.addChannelBias(a, PlainTensor.zeros(2)));
    }

    // --------------------------------------------------------------------------------------- references

    private static double[][] naiveConv(final PlainTensor x, final PlainTensor w, final Conv2dSpec spec) {
        final int[] s = x.shape();
        final int[] k = w.shape();
        final int oh = spec.outH(s[2], k[2]);
        final int ow = spec.outW(s[3], k[3]);
        final double[] out = new double[s[0] * k[0] * oh * ow];
        final double[] mag = new double[out.length];
        for (int n = 0; n < s[0]; n++) {
            for (int o = 0; o < k[0]; o++) {
                for (int y = 0; y < oh; y++) {
                    for (int xo = 0; xo < ow; xo++) {
                        final int at = ((n * k[0] + o) * oh + y) * ow + xo;
                        for (int c = 0; c < s[1]; c++) {
                            for (int i = 0; i < k[2]; i++) {
                                for (int j = 0; j < k[3]; j++) {
                                    final int h = y * spec.strideH() + i - spec.padH();
                                    final int ww = xo * spec.strideW() + j - spec.padW();
                                    if (h < 0 || h >= s[2] || ww < 0 || ww >= s[3]) {
                                        continue;
                                    }
                                    final double p = (double) x.data()[((n * s[1] + c) * s[2] + h) * s[3] + ww]
                                        * w.data()[((o * k[1] + c) * k[2] + i) * k[3] + j];
                                    out[at] += p;
                                    mag[at] += Math.abs(p);
                                }
                            }
                        }
                    }
                }
            }
        }
        return new double[][] {out, mag};
    }

    private static double[][] naiveConvBackwardInput(final PlainTensor gy, final PlainTensor w,
                                                     final Conv2dSpec spec, final int[] s) {
        final int[] k = w.shape();
        final int oh = gy.dim(2);
        final int ow = gy.dim(3);
        final double[] out = new double[s[0] * s[1] * s[2] * s[3]];
        final double[] mag = new double[out.length];
        for (int n = 0; n < s[0]; n++) {
            for (int o = 0; o < k[0]; o++) {
                for (int y = 0; y < oh; y++) {
                    for (int xo = 0; xo < ow; xo++) {
                        final double g = gy.data()[((n * k[0] + o) * oh + y) * ow + xo];
                        for (int c = 0; c < s[1]; c++) {
                            for (int i = 0; i < k[2]; i++) {
                                for (int j = 0; j < k[3]; j++) {
                                    final int h = y * spec.strideH() + i - spec.padH();
                                    final int ww = xo * spec.strideW() + j - spec.padW();
                                    if (h < 0 || h >= s[2] || ww < 0 || ww >= s[3]) {
                                        continue;
                                    }
                                    final int at = ((n * s[1] + c) * s[2] + h) * s[3] + ww;
                                    final double p = g * w.data()[((o * k[1] + c) * k[2] + i) * k[3] + j];
                                    out[at] += p;
                                    mag[at] += Math.abs(p);
                                }
                            }
                        }
                    }
                }
            }
        }
        return new double[][] {out, mag};
    }

    private static double[][] naiveConvBackwardWeight(final PlainTensor x, final PlainTensor gy,
                                                      final Conv2dSpec spec, final int[] k) {
        final int[] s = x.shape();
        final int oh = gy.dim(2);
        final int ow = gy.dim(3);
        final double[] out = new double[k[0] * k[1] * k[2] * k[3]];
        final double[] mag = new double[out.length];
        for (int n = 0; n < s[0]; n++) {
            for (int o = 0; o < k[0]; o++) {
                for (int y = 0; y < oh; y++) {
                    for (int xo = 0; xo < ow; xo++) {
                        final double g = gy.data()[((n * k[0] + o) * oh + y) * ow + xo];
                        for (int c = 0; c < s[1]; c++) {
                            for (int i = 0; i < k[2]; i++) {
                                for (int j = 0; j < k[3]; j++) {
                                    final int h = y * spec.strideH() + i - spec.padH();
                                    final int ww = xo * spec.strideW() + j - spec.padW();
                                    if (h < 0 || h >= s[2] || ww < 0 || ww >= s[3]) {
                                        continue;
                                    }
                                    final int at = ((o * k[1] + c) * k[2] + i) * k[3] + j;
                                    final double p = g * x.data()[((n * s[1] + c) * s[2] + h) * s[3] + ww];
                                    out[at] += p;
                                    mag[at] += Math.abs(p);
                                }
                            }
                        }
                    }
                }
            }
        }
        return new double[][] {out, mag};
    }

    private static void assertClose(final double[][] ref, final float[] got, final String what) {
        assertEquals(ref[0].length, got.length, what + " length");
        for (int i = 0; i < got.length; i++) {
            assertTrue(Math.abs(got[i] - ref[0][i]) <= TOLERANCE * ref[1][i] + 1e-30,
                what + " at " + i + ": got=" + got[i] + ", ref=" + ref[0][i]);
        }
    }

    private PlainTensor random(final int... shape) {
        final PlainTensor t = PlainTensor.zeros(shape);
        final float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (2 * random.nextDouble() - 1);
        }
        return t;
    }
}
