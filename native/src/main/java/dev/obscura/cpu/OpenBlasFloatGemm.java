package dev.obscura.cpu;

import dev.obscura.backend.FloatGemm;
import java.util.Optional;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * The plaintext GEMM on OpenBLAS's {@code cblas_sgemm} (JavaCPP's OpenBLAS build, BLAS only), for
 * {@link dev.obscura.nn.engine.PlainEngine}: the same SGEMM the benchmarks use as the plaintext twin of the ring matrix
 * product.
 *
 * <p>The call goes through {@code libjniobscura} rather than JavaCPP's own OpenBLAS binding, because that binding
 * copies every Java array argument in and out and takes no offsets; here the arrays are pinned for the call (JNI
 * critical regions) and the offsets are added natively, so a product moves no more memory than OpenBLAS reads.
 * {@code libjniobscura} finds {@code cblas_sgemm} through the address JavaCPP's loader reports, so it does not link
 * against OpenBLAS at build time.
 *
 * <p>OpenBLAS runs on one thread unless {@code OPENBLAS_NUM_THREADS} says otherwise: the plaintext engine's GEMMs
 * are the skinny products of a batch's im2col (16 rows by 36,864 columns, an inner dimension of 25, in
 * {@code MnistCnn}), which OpenBLAS's threads barely speed up, and between calls its idle workers spin on the cores
 * that the engine's own parallel loops (im2col, pooling, ReLU) need; the engine splits its products over the cores
 * itself ({@code CoreSplitGemm} in {@code obscura-nn}). Setting the count is process-wide, as OpenBLAS keeps it; a
 * program that wants OpenBLAS's threads for its own products sets {@code OPENBLAS_NUM_THREADS}. Thread-safe and
 * stateless: one instance serves every engine.
 */
final class OpenBlasFloatGemm implements FloatGemm {
    /** The name {@link dev.obscura.backend.FloatGemms} knows it by. */
    static final String NAME = "openblas";

    private static final OpenBlasFloatGemm INSTANCE = new OpenBlasFloatGemm();

    private OpenBlasFloatGemm() {
    }

    /** Empty when OpenBLAS and {@code libjniobscura} load here, else why not, in one line. */
    static Optional<String> unavailableReason() {
        return Optional.ofNullable(Library.FAILURE);
    }

    /** The shared instance; only call when {@link #unavailableReason()} is empty. */
    static OpenBlasFloatGemm instance() {
        if (Library.FAILURE != null) {
            throw new IllegalStateException("OpenBLAS GEMM is not available here: " + Library.FAILURE);
        }
        return INSTANCE;
    }

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
        if (m == 0 || n == 0) {
            return;
        }
        // CBLAS wants every leading dimension at least 1, even for a side the product never reads (k = 0, where
        // OpenBLAS scales C by beta and stops). beta = 0 makes OpenBLAS overwrite C without reading it, as the
        // contract asks.
        CpuKernels.sgemm(Library.SGEMM, transA, transB, m, n, k, a, aOff, Math.max(1, lda), b, bOff,
            Math.max(1, ldb), c, cOff, ldc, accumulate ? 1f : 0f);
    }

    @Override
    public String toString() {
        return "OpenBlasFloatGemm";
    }

    /** Loads OpenBLAS and libjniobscura on first use (discovery's availability check), once per process. */
    private static final class Library {
        /** The variable that, when set, leaves OpenBLAS's thread count to OpenBLAS. */
        static final String THREADS_ENVIRONMENT = "OPENBLAS_NUM_THREADS";
        static final String FAILURE;
        static final long SGEMM;

        static {
            String failure = NativeLibrary.get().failure().orElse(null);
            long address = 0;
            if (failure == null) {
                try {
                    Loader.load(openblas_nolapack.class);
                    final Pointer p = Loader.addressof("cblas_sgemm");
                    if (p == null || p.isNull()) {
                        failure = "OpenBLAS loaded but exports no cblas_sgemm";
                    } else {
                        address = p.address();
                        if (System.getenv(THREADS_ENVIRONMENT) == null) {
                            openblas_nolapack.blas_set_num_threads(1);
                        }
                    }
                } catch (final LinkageError | RuntimeException e) {
                    // UnsatisfiedLinkError (no OpenBLAS for this platform), NoClassDefFoundError (jar missing).
                    failure = "OpenBLAS could not be loaded: " + NativeLibrary.oneLine(e);
                }
            }
            FAILURE = failure;
            SGEMM = address;
        }

        private Library() {
        }
    }
}
