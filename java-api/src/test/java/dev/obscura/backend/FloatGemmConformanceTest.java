package dev.obscura.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Checks any {@link FloatGemm} against a naive triple loop in double, on odd sizes that straddle the Java GEMM's
 * block sizes, with every transpose combination, offsets, leading dimensions wider than the matrix, accumulation,
 * empty products, and every kind of bad argument. Extend it and return the implementation from {@link #gemm()}
 * ({@code JavaFloatGemmTest} here, the OpenBLAS test in {@code obscura-native}).
 *
 * <p>Tolerance: the worst-case bound of any float summation order,
 * {@code |c - ref| <= (k + 2) * 2^-24 * (sum_p |a(i,p) b(p,j)| + |c0|)} (Higham, Accuracy and Stability of Numerical
 * Algorithms, 2nd ed., eq. 3.5 for inner products), so no order of additions a library chooses can fail it.
 */
public abstract class FloatGemmConformanceTest {
    private final SplittableRandom random = new SplittableRandom(42);

    /** The implementation under test; a new one per call is fine. */
    protected abstract FloatGemm gemm();

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
        final FloatGemm gemm = gemm();
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

    @Test
    void shouldZeroOrKeepCWhenTheSharedDimensionIsEmpty() {
        final float[] c = {5, 6, 7, 8};
        gemm().gemm(false, false, 2, 2, 0, new float[0], 0, 0, new float[0], 0, 2, c, 0, 2, true);
        assertArrayEquals(new float[] {5, 6, 7, 8}, c);
        gemm().gemm(false, false, 2, 2, 0, new float[0], 0, 0, new float[0], 0, 2, c, 0, 2, false);
        assertArrayEquals(new float[4], c);
        // No rows or no columns: nothing is touched.
        final float[] d = {1, 2};
        gemm().gemm(false, false, 0, 2, 3, new float[0], 0, 3, new float[6], 0, 2, d, 0, 2, false);
        gemm().gemm(true, true, 2, 0, 3, new float[6], 0, 2, new float[0], 0, 3, d, 0, 0, false);
        assertArrayEquals(new float[] {1, 2}, d);
    }

    @Test
    void shouldRejectBadArgumentsBeforeTouchingAnything() {
        final float[] a = new float[6];
        final float[] b = new float[6];
        final float[] c = {1, 2, 3, 4};
        final FloatGemm g = gemm();
        // A 2x3 times 3x2 product into 2x2 is fine; each call below breaks one thing.
        g.gemm(false, false, 2, 2, 3, a, 0, 3, b, 0, 2, c.clone(), 0, 2, false);
        assertThrows(IllegalArgumentException.class, () -> g.gemm(false, false, -1, 2, 3, a, 0, 3, b, 0, 2, c, 0, 2,
            false));
        assertThrows(IllegalArgumentException.class, () -> g.gemm(false, false, 2, 2, 3, a, 1, 3, b, 0, 2, c, 0, 2,
            false), "a runs past its end");
        assertThrows(IllegalArgumentException.class, () -> g.gemm(false, false, 2, 2, 3, a, 0, 2, b, 0, 2, c, 0, 2,
            false), "lda below k");
        assertThrows(IllegalArgumentException.class, () -> g.gemm(false, true, 2, 2, 3, a, 0, 3, b, 0, 2, c, 0, 3,
            false), "ldb below k for a transposed B");
        assertThrows(IllegalArgumentException.class, () -> g.gemm(false, false, 2, 2, 3, a, 0, 3, b, 0, 2, c, 1, 2,
            false), "c runs past its end");
        assertThrows(IllegalArgumentException.class, () -> g.gemm(false, false, 2, 2, 3, a, -1, 3, b, 0, 2, c, 0, 2,
            false), "negative offset");
        assertThrows(NullPointerException.class, () -> g.gemm(false, false, 2, 2, 3, null, 0, 3, b, 0, 2, c, 0, 2,
            false));
        final float[] shared = new float[12];
        assertThrows(IllegalArgumentException.class, () -> g.gemm(false, false, 2, 2, 3, shared, 0, 3, b, 0, 2,
            shared, 4, 2, false), "c overlaps a");
        // Side by side in one array is fine.
        g.gemm(false, false, 2, 2, 3, shared, 0, 3, b, 0, 2, shared, 6, 2, false);
        assertArrayEquals(new float[] {1, 2, 3, 4}, c, "a rejected call wrote nothing");
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
        gemm().gemm(ta, tb, m, n, k, a, 3, lda, b, 5, ldb, c, 7, ldc, acc);
        final double tolerance = (k + 2) * 0x1p-24;
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
                assertTrue(Math.abs(got - ref) <= tolerance * magnitude + 1e-30,
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
