package dev.obscura.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The Java GEMM against a naive triple loop in double, on odd sizes that straddle the block sizes, with every
 * transpose combination, offsets, leading dimensions wider than the matrix, and accumulation.
 *
 * <p>Tolerance: {@code |c - ref| <= 1e-5 * (sum_p |a(i,p) b(p,j)| + |c0|)}, a few float ulps of the largest
 * partial sum (inputs are in [-1, 1]).
 */
class JavaFloatGemmTest {
    private static final double TOLERANCE = 1e-5;

    private final SplittableRandom random = new SplittableRandom(42);

    @Test
    void shouldMatchNaiveProductOnOddSizesAndEveryTranspose() {
        final int[][] sizes = {{1, 1, 1}, {3, 5, 7}, {17, 1, 9}, {1, 13, 3}, {7, 33, 129}, {5, 515, 130},
            {31, 29, 257}, {2, 1030, 3}};
        for (final int[] s : sizes) {
            for (final boolean ta : new boolean[] {false, true}) {
                for (final boolean tb : new boolean[] {false, true}) {
                    for (final boolean acc : new boolean[] {false, true}) {
                        check(s[0], s[1], s[2], ta, tb, acc);
                    }
                }
            }
        }
    }

    @Test
    void shouldLeaveCOutsideTheProductUntouched() {
        final JavaFloatGemm gemm = new JavaFloatGemm();
        final float[] a = {1, 2, 3, 4};
        final float[] b = {1, 0, 0, 1};
        final float[] c = {9, 9, 9, 9, 9, 9, 9, 9};
        // C is 2x2 inside a 2x3 buffer with offset 1 and ldc 3: positions 1, 2, 4, 5.
        gemm.gemm(false, false, 2, 2, 2, a, 0, 2, b, 0, 2, c, 1, 3, false);
        assertEquals(9f, c[0]);
        assertEquals(1f, c[1]);
        assertEquals(2f, c[2]);
        assertEquals(9f, c[3]);
        assertEquals(3f, c[4]);
        assertEquals(4f, c[5]);
        assertEquals(9f, c[6]);
        assertEquals(9f, c[7]);
    }

    private void check(final int m, final int n, final int k, final boolean ta, final boolean tb,
                       final boolean acc) {
        // Stored A is [m, k] or [k, m], with 2 extra columns and an offset of 3; likewise B and C.
        final int aRows = ta ? k : m;
        final int aCols = ta ? m : k;
        final int lda = aCols + 2;
        final int bRows = tb ? n : k;
        final int bCols = tb ? k : n;
        final int ldb = bCols + 1;
        final int ldc = n + 3;
        final float[] a = randomArray(3 + aRows * lda);
        final float[] b = randomArray(5 + bRows * ldb);
        final float[] c = randomArray(7 + m * ldc);
        final float[] c0 = c.clone();
        new JavaFloatGemm().gemm(ta, tb, m, n, k, a, 3, lda, b, 5, ldb, c, 7, ldc, acc);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double ref = acc ? c0[7 + i * ldc + j] : 0;
                double magnitude = Math.abs(ref);
                for (int p = 0; p < k; p++) {
                    final double av = ta ? a[3 + p * lda + i] : a[3 + i * lda + p];
                    final double bv = tb ? b[5 + j * ldb + p] : b[5 + p * ldb + j];
                    ref += av * bv;
                    magnitude += Math.abs(av * bv);
                }
                final double got = c[7 + i * ldc + j];
                assertTrue(Math.abs(got - ref) <= TOLERANCE * magnitude + 1e-30,
                    "m=" + m + ", n=" + n + ", k=" + k + ", ta=" + ta + ", tb=" + tb + ", acc=" + acc
                        + ", i=" + i + ", j=" + j + ", got=" + got + ", ref=" + ref);
            }
            // The padding columns of C are untouched.
            for (int j = n; j < ldc && 7 + i * ldc + j < c.length; j++) {
                assertEquals(c0[7 + i * ldc + j], c[7 + i * ldc + j]);
            }
        }
        for (int i = 0; i < 7; i++) {
            assertEquals(c0[i], c[i]);
        }
    }

    private float[] randomArray(final int n) {
        final float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (2 * random.nextDouble() - 1);
        }
        return out;
    }
}
