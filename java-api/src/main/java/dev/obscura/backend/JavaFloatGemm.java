package dev.obscura.backend;

/**
 * The pure-Java {@link FloatGemm}: cache-blocked, with an inner loop the JIT vectorises.
 *
 * <p>The loop order is i-k-j: a row of C is updated by {@code a(i, p) * row p of B} for four values of {@code p} at
 * a time, so the innermost loop streams two rows (C and B) with unit stride, which C2's superword pass turns into
 * vector fused multiply-adds, and each C element is loaded and stored once per four products. B is processed in
 * blocks of {@value #KC} rows by {@value #NC} columns (256 KiB, about an L2 cache) that every row of A reuses; a
 * transposed B is packed into a contiguous block first, so the inner loop always has unit stride. A is read as
 * scalars, so its layout does not matter.
 *
 * <p>Thread-safe, as {@link FloatGemm} asks: each calling thread packs into its own buffer.
 */
public final class JavaFloatGemm implements FloatGemm {
    /** The name {@link FloatGemms} knows it by. */
    public static final String NAME = "java";
    /** Rows of B per block (the shared dimension). */
    static final int KC = 128;
    /** Columns of B (and C) per block. */
    static final int NC = 512;

    /** The packing buffer of transposed B blocks, one per calling thread (the plain engine splits a product). */
    private final ThreadLocal<float[]> packBuffers = ThreadLocal.withInitial(() -> new float[KC * NC]);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void gemm(final boolean transA, final boolean transB, final int m, final int n, final int k,
                     final float[] a, final int aOff, final int lda,
                     final float[] b, final int bOff, final int ldb,
                     final float[] c, final int cOff, final int ldc, final boolean accumulate) {
        FloatGemm.checkArguments(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (!accumulate) {
            for (int i = 0; i < m; i++) {
                final int row = cOff + i * ldc;
                java.util.Arrays.fill(c, row, row + n, 0f);
            }
        }
        if (m == 0 || n == 0 || k == 0) {
            return;
        }
        final float[] packB = packBuffers.get();
        // The A step between consecutive p and consecutive i.
        final int aStepP = transA ? lda : 1;
        final int aStepI = transA ? 1 : lda;
        for (int p0 = 0; p0 < k; p0 += KC) {
            final int kc = Math.min(KC, k - p0);
            for (int j0 = 0; j0 < n; j0 += NC) {
                final int nc = Math.min(NC, n - j0);
                final float[] bb;
                final int bBase;
                final int bStride;
                if (transB) {
                    // packB[p * nc + j] = opB(p0 + p, j0 + j) = b[bOff + (j0 + j) * ldb + p0 + p]
                    for (int j = 0; j < nc; j++) {
                        final int src = bOff + (j0 + j) * ldb + p0;
                        for (int p = 0; p < kc; p++) {
                            packB[p * nc + j] = b[src + p];
                        }
                    }
                    bb = packB;
                    bBase = 0;
                    bStride = nc;
                } else {
                    bb = b;
                    bBase = bOff + p0 * ldb + j0;
                    bStride = ldb;
                }
                for (int i = 0; i < m; i++) {
                    final int cRow = cOff + i * ldc + j0;
                    final int aRow = aOff + i * aStepI + p0 * aStepP;
                    int p = 0;
                    for (; p + 3 < kc; p += 4) {
                        final int ap = aRow + p * aStepP;
                        final int bp = bBase + p * bStride;
                        axpy4(c, cRow, nc,
                            a[ap], a[ap + aStepP], a[ap + 2 * aStepP], a[ap + 3 * aStepP],
                            bb, bp, bp + bStride, bp + 2 * bStride, bp + 3 * bStride);
                    }
                    for (; p < kc; p++) {
                        axpy1(c, cRow, nc, a[aRow + p * aStepP], bb, bBase + p * bStride);
                    }
                }
            }
        }
    }

    /** {@code c[co + j] += a0*b[b0 + j] + a1*b[b1 + j] + a2*b[b2 + j] + a3*b[b3 + j]} for {@code j < len}. */
    private static void axpy4(final float[] c, final int co, final int len,
                              final float a0, final float a1, final float a2, final float a3,
                              final float[] b, final int b0, final int b1, final int b2, final int b3) {
        for (int j = 0; j < len; j++) {
            c[co + j] += a0 * b[b0 + j] + a1 * b[b1 + j] + a2 * b[b2 + j] + a3 * b[b3 + j];
        }
    }

    /** {@code c[co + j] += a0 * b[b0 + j]} for {@code j < len}. */
    private static void axpy1(final float[] c, final int co, final int len, final float a0, final float[] b,
                              final int b0) {
        for (int j = 0; j < len; j++) {
            c[co + j] += a0 * b[b0 + j];
        }
    }
}
