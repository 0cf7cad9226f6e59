package dev.obscura.nn.engine;

import dev.obscura.backend.FloatGemm;

/**
 * The plaintext engine's GEMMs split over the cores ({@link ParallelLoops}): a product large enough to pay for waking
 * a worker is cut along the longer side of its result, and each part is one call of the underlying GEMM on the rows
 * or columns of {@code C} it alone writes.
 *
 * <p>Why here rather than in OpenBLAS's threads: the engine's products are the skinny ones of a batch's im2col
 * ({@code 16 x 36,864 x 25} for {@code MnistCnn}'s first convolution), which OpenBLAS's threads split poorly, and its
 * idle workers spin on the cores that the engine's own loops then need. With OpenBLAS on one thread and this split, an
 * epoch of {@code MnistCnn} training on the 2-core Zen 5 machine took 13.2 to 13.8 s, against 14.9 to 15.0 s with the
 * products on one core (docs/PERFORMANCE.md). The pure-Java GEMM, single-threaded by itself, gains the same way.
 *
 * <p>Each element of {@code C} is still one inner product over the whole of {@code k}, computed by one call; a GEMM
 * whose kernels treat an element alike wherever it lies in {@code C} (the Java one) gives the same bits split or not.
 * OpenBLAS's edge kernels may round differently, as its own threads already did.
 */
final class CoreSplitGemm implements FloatGemm {
    /** Multiply-adds below which a product stays on the calling thread: waking a worker costs more. */
    static final long MIN_SPLIT_WORK = 1L << 18;
    /** The fewest rows or columns of {@code C} in one part. */
    private static final int GRAIN = 8;

    private final FloatGemm gemm;

    CoreSplitGemm(final FloatGemm gemm) {
        this.gemm = gemm;
    }

    @Override
    public String name() {
        return gemm.name();
    }

    @Override
    public void gemm(final boolean transA, final boolean transB, final int m, final int n, final int k,
                     final float[] a, final int aOff, final int lda,
                     final float[] b, final int bOff, final int ldb,
                     final float[] c, final int cOff, final int ldc, final boolean accumulate) {
        FloatGemm.checkArguments(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if ((long) m * n * Math.max(k, 1) < MIN_SPLIT_WORK) {
            gemm.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        } else if (n >= m) {
            // Columns [from, to) of C need columns [from, to) of op(B) and all of A.
            ParallelLoops.forRange(n, GRAIN, (from, to) -> gemm.gemm(transA, transB, m, to - from, k,
                a, aOff, lda, b, bOff + (transB ? from * ldb : from), ldb, c, cOff + from, ldc, accumulate));
        } else {
            // Rows [from, to) of C need rows [from, to) of op(A) and all of B.
            ParallelLoops.forRange(m, GRAIN, (from, to) -> gemm.gemm(transA, transB, to - from, n, k,
                a, aOff + (transA ? from : from * lda), lda, b, bOff, ldb, c, cOff + from * ldc, ldc, accumulate));
        }
    }

    @Override
    public String toString() {
        return "CoreSplitGemm[" + gemm + "]";
    }
}
