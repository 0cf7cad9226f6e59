package dev.obscura.benchmarks;

import dev.obscura.backend.Backend;
import dev.obscura.random.Prg;
import dev.obscura.ring.RingTensor;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Square matrix product {@code C = A · B} of {@code size x size} matrices, ring against plaintext SGEMM, on
 * {@code threads} threads (1 for the per-core comparison, 2 = every core of the reference machine).
 *
 * <p>Ring: {@code backend.matmul} over Z_2^64 (64-bit wrap-around multiply-adds). Plaintext twin: OpenBLAS
 * {@code cblas_sgemm} through the JavaCPP presets on native memory, row-major, {@code alpha = 1, beta = 0}. Both do
 * {@code size^3} multiply-adds; the floor is arithmetic, not memory (a 512^3 ring product touches 6 MiB for 134 M
 * multiply-adds). The thread count is set through {@code obscura.threads} for the ring backend (before it is created
 * in this fork) and {@code blas_set_num_threads} for OpenBLAS. {@code -p path=} forces the native backend's GEMM path
 * (docs/LIMB_GEMM.md), for example to time the AVX-512 VNNI limb GEMM beside {@code vpmullq} in one run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkFlags.BOUNDS_CHECKS_OFF, ForkFlags.OPEN_MISC, ForkFlags.OPEN_NIO})
@State(Scope.Benchmark)
public class MatmulBenchmark {
    /** Matrix dimension: the product is size x size times size x size. */
    @Param({"256", "512"})
    public int size;

    /** Threads used by both the ring backend and OpenBLAS. */
    @Param({"1", "2"})
    public int threads;

    /** Ring matrices on the backend under test, filled from the PRG. */
    @State(Scope.Benchmark)
    public static class RingMatrices {
        /** Backend under test. */
        @Param({"java", "native-cpu"})
        public String backend;

        /**
         * The native backend's GEMM path: {@code default} (the one it picks for this CPU, named in the fork's
         * "# Obscura backend" line) or one to force, {@code vpmullq}, {@code vnni}, {@code amx}, {@code avx2},
         * {@code scalar} (native-cpu only: {@code -p backend=native-cpu -p path=vpmullq,vnni}).
         */
        @Param({BenchmarkBackends.DEFAULT_PATH})
        public String path;

        Backend ops;
        RingTensor a;
        RingTensor b;
        RingTensor c;

        @Setup
        public void setup(final MatmulBenchmark shape) {
            ops = BenchmarkBackends.open(backend, shape.threads, path);
            final Prg prg = Prg.fresh(ops);
            a = prg.next(shape.size, shape.size);
            b = prg.next(shape.size, shape.size);
            c = RingTensor.zeros(shape.size, shape.size);
        }

        @TearDown
        public void tearDown() {
            a.close();
            b.close();
            c.close();
        }
    }

    /** Plaintext matrices in native memory for OpenBLAS: uniform floats in [-1, 1). */
    @State(Scope.Benchmark)
    public static class FloatMatrices {
        int n;
        FloatPointer a;
        FloatPointer b;
        FloatPointer c;

        @Setup
        public void setup(final MatmulBenchmark shape) {
            openblas_nolapack.blas_set_num_threads(shape.threads);
            final int actual = openblas_nolapack.blas_get_num_threads();
            if (actual != shape.threads) {
                throw new IllegalStateException(
                    "OpenBLAS did not take the thread count, threads=" + shape.threads + ", actual=" + actual);
            }
            n = shape.size;
            final SplittableRandom random = new SplittableRandom(42);
            a = new FloatPointer(ElementwiseBenchmark.randomFloats(random, n * n));
            b = new FloatPointer(ElementwiseBenchmark.randomFloats(random, n * n));
            c = new FloatPointer((long) n * n);
        }

        @TearDown
        public void tearDown() {
            a.close();
            b.close();
            c.close();
        }
    }

    /** {@code C = A · B} over Z_2^64. */
    @Benchmark
    public RingTensor ringMatmul(final RingMatrices s) {
        s.ops.matmul(s.a, s.b, s.c);
        return s.c;
    }

    /** {@code C = A · B} in single precision by OpenBLAS, the plaintext twin of {@link #ringMatmul}. */
    @Benchmark
    public FloatPointer plainMatmul(final FloatMatrices s) {
        final int n = s.n;
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
            openblas_nolapack.CblasNoTrans, n, n, n, 1.0f, s.a, n, s.b, n, 0.0f, s.c, n);
        return s.c;
    }
}
