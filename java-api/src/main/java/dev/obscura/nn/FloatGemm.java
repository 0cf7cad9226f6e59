package dev.obscura.nn;

/**
 * A single-precision matrix product on row-major {@code float[]} slices, the one kernel behind every plaintext
 * matrix product and convolution of {@link PlainEngine}. {@link JavaFloatGemm} is the default; a native one (for
 * example OpenBLAS's {@code cblas_sgemm}, which has exactly these arguments) plugs in through
 * {@link PlainEngine#PlainEngine(FloatGemm)}.
 *
 * <p>Computes, for {@code 0 <= i < m} and {@code 0 <= j < n},
 * {@code c[cOff + i*ldc + j] = (accumulate ? c[cOff + i*ldc + j] : 0) + sum_{p < k} opA(i, p) * opB(p, j)} where
 * <ul>
 *   <li>{@code opA(i, p) = a[aOff + i*lda + p]}, or {@code a[aOff + p*lda + i]} when {@code transA} (A stored
 *       {@code [k, m]});</li>
 *   <li>{@code opB(p, j) = b[bOff + p*ldb + j]}, or {@code b[bOff + j*ldb + p]} when {@code transB} (B stored
 *       {@code [n, k]}).</li>
 * </ul>
 * {@code c} must not overlap {@code a} or {@code b}. The order of the additions is the implementation's, so two
 * implementations agree to rounding, not bit for bit.
 */
public interface FloatGemm {

    /** See the interface comment. */
    void gemm(boolean transA, boolean transB, int m, int n, int k,
              float[] a, int aOff, int lda,
              float[] b, int bOff, int ldb,
              float[] c, int cOff, int ldc, boolean accumulate);
}
