package dev.obscura.backend;

/**
 * A single-precision matrix product on row-major {@code float[]} slices, the one kernel behind every plaintext
 * matrix product and convolution of {@code PlainEngine} (in {@code obscura-nn}). Implementations are found through
 * {@link FloatGemmProvider}
 * and chosen by {@link FloatGemms}: OpenBLAS's {@code cblas_sgemm} (in {@code obscura-native}, which has exactly these
 * arguments) where it loads, else {@link JavaFloatGemm}. Another one plugs in through
 * {@code new PlainEngine(gemm)} (in {@code obscura-nn}).
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
 * implementations agree to rounding, not bit for bit. Every implementation first calls {@link #checkArguments}, so a
 * bad call gets the same error everywhere and a native one never reads or writes out of bounds.
 *
 * <p>Implementations are thread-safe: the plain engine splits one product over the cores and calls its GEMM from
 * several threads at once, on disjoint parts of {@code c}.
 */
public interface FloatGemm {

    /** The implementation's name as {@link FloatGemms} knows it, for example {@code "openblas"}. */
    default String name() {
        return getClass().getSimpleName();
    }

    /** See the interface comment. */
    void gemm(boolean transA, boolean transB, int m, int n, int k,
              float[] a, int aOff, int lda,
              float[] b, int bOff, int ldb,
              float[] c, int cOff, int ldc, boolean accumulate);

    /**
     * Checks the arguments of {@link #gemm}: sizes and offsets not negative, each leading dimension at least the
     * stored row length, every element the product touches inside its array, and {@code c}'s elements outside
     * {@code a}'s and {@code b}'s.
     *
     * @throws IllegalArgumentException naming the first argument that is wrong
     * @throws NullPointerException when an array is null
     */
    static void checkArguments(final boolean transA, final boolean transB, final int m, final int n, final int k,
                               final float[] a, final int aOff, final int lda,
                               final float[] b, final int bOff, final int ldb,
                               final float[] c, final int cOff, final int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("sizes must not be negative, m=" + m + ", n=" + n + ", k=" + k);
        }
        // Stored shapes: A is [m, k] or, transposed, [k, m]; B is [k, n] or [n, k]; C is [m, n].
        final long aEnd = checkMatrix("a", a, aOff, lda, transA ? k : m, transA ? m : k);
        final long bEnd = checkMatrix("b", b, bOff, ldb, transB ? n : k, transB ? k : n);
        final long cEnd = checkMatrix("c", c, cOff, ldc, m, n);
        if (cEnd > cOff && (overlaps(c, cOff, cEnd, a, aOff, aEnd) || overlaps(c, cOff, cEnd, b, bOff, bEnd))) {
            throw new IllegalArgumentException("c must not overlap a or b");
        }
    }

    /** Validates one stored matrix; returns one past the last element it spans (its offset when it is empty). */
    private static long checkMatrix(final String name, final float[] x, final int off, final int ld, final int rows,
                                    final int cols) {
        java.util.Objects.requireNonNull(x, name);
        if (off < 0) {
            throw new IllegalArgumentException(name + " offset must not be negative, got " + off);
        }
        if (ld < cols) {
            throw new IllegalArgumentException("leading dimension of " + name + " must be at least its row length "
                + cols + ", got " + ld);
        }
        if (rows == 0 || cols == 0) {
            return off;
        }
        final long end = off + (long) (rows - 1) * ld + cols;
        if (end > x.length) {
            throw new IllegalArgumentException(name + " holds " + x.length + " elements but a " + rows + "x" + cols
                + " matrix at offset " + off + " with leading dimension " + ld + " needs " + end);
        }
        return end;
    }

    private static boolean overlaps(final float[] c, final long cFrom, final long cTo, final float[] x,
                                    final long xFrom, final long xTo) {
        return c == x && xTo > xFrom && cFrom < xTo && xFrom < cTo;
    }
}
