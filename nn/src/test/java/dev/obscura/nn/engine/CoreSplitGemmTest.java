package dev.obscura.nn.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.obscura.backend.FloatGemm;
import dev.obscura.backend.FloatGemms;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The split GEMM writes what the unsplit one writes, bit for bit with the Java GEMM, for both split directions, every
 * transposition, accumulation, offsets and padded leading dimensions, and leaves C outside the product untouched.
 */
class CoreSplitGemmTest {
    private final FloatGemm java = FloatGemms.create("java");
    private final FloatGemm split = new CoreSplitGemm(java);

    @ParameterizedTest(name = "m={0}, n={1}, k={2}")
    @CsvSource({
        "16, 4099, 25",   // MnistCnn's first convolution: split along n
        "400, 16, 1000",  // a weight gradient: split along m
        "37, 29, 300",    // odd sizes just past the threshold
        "3, 5, 7"})       // below the threshold: one call
    void shouldMatchTheUnsplitGemm(final int m, final int n, final int k) {
        final SplittableRandom rnd = new SplittableRandom(m * 31L + n * 7L + k);
        for (final boolean transA : new boolean[] {false, true}) {
            for (final boolean transB : new boolean[] {false, true}) {
                for (final boolean accumulate : new boolean[] {false, true}) {
                    final int lda = (transA ? m : k) + 3;
                    final int ldb = (transB ? k : n) + 2;
                    final int ldc = n + 5;
                    final float[] a = random(rnd, 11 + (transA ? k : m) * lda);
                    final float[] b = random(rnd, 13 + (transB ? n : k) * ldb);
                    final float[] expected = random(rnd, 17 + m * ldc + 4);
                    final float[] actual = expected.clone();
                    java.gemm(transA, transB, m, n, k, a, 11, lda, b, 13, ldb, expected, 17, ldc, accumulate);
                    split.gemm(transA, transB, m, n, k, a, 11, lda, b, 13, ldb, actual, 17, ldc, accumulate);
                    assertArrayEquals(expected, actual, "transA=" + transA + ", transB=" + transB
                        + ", accumulate=" + accumulate);
                }
            }
        }
    }

    @ParameterizedTest(name = "m={0}, n={1}, k={2}")
    @CsvSource({"16, 4099, 25", "400, 16, 1000"})
    void shouldCheckTheWholeProductBeforeSplitting(final int m, final int n, final int k) {
        final float[] a = new float[m * k];
        final float[] b = new float[k * n];
        final float[] tooShort = new float[m * n - 1];
        assertThrows(IllegalArgumentException.class,
            () -> split.gemm(false, false, m, n, k, a, 0, k, b, 0, n, tooShort, 0, n, false));
    }

    private static float[] random(final SplittableRandom rnd, final int length) {
        final float[] v = new float[length];
        for (int i = 0; i < length; i++) {
            v[i] = (float) rnd.nextDouble(-1, 1);
        }
        return v;
    }
}
