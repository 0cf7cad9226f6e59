package dev.obscura.benchmarks;

import dev.obscura.backend.Backend;
import dev.obscura.random.Prg;
import dev.obscura.ring.RingTensor;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * Elementwise add and multiply of {@code size} elements on one core, ring against plaintext.
 *
 * <p>Ring: {@code backend.add/mul(a, b, out)} over Z_2^64 into a preallocated {@code out}; the floor is the memory
 * traffic, {@code 3 x 8 x size} bytes (two loads and one store of 8-byte elements). Plaintext twin: the same
 * operation on {@code float[]} as a user would write it, a plain Java loop that C2 vectorises; its floor is
 * {@code 3 x 4 x size} bytes. Both run single-threaded ({@code obscura.threads=1}). At 2^20 elements (the size the
 * performance targets name) the ring working set is 24 MiB and the float one 12 MiB, so part of it may sit in the
 * last-level cache; at 2^23 elements (192 MiB for the ring) it streams from memory. Compare each with
 * {@link CopyBenchmark} at the same element count.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    ForkFlags.BOUNDS_CHECKS_OFF, ForkFlags.OPEN_MISC, ForkFlags.OPEN_NIO, ForkFlags.ONE_THREAD})
@State(Scope.Benchmark)
public class ElementwiseBenchmark {
    /** Elements per operand: 2^20 (the targets' size) and 2^23 (64 MiB per ring operand, past any cache). */
    @Param({"1048576", "8388608"})
    public int size;

    /** Ring operands on the backend under test, filled from the PRG. */
    @State(Scope.Benchmark)
    public static class RingOperands {
        /** Backend under test. */
        @Param({"java", "native-cpu"})
        public String backend;

        Backend ops;
        RingTensor a;
        RingTensor b;
        RingTensor out;

        @Setup
        public void setup(final ElementwiseBenchmark shape) {
            ops = BenchmarkBackends.open(backend);
            final Prg prg = Prg.fresh(ops);
            a = prg.next(shape.size);
            b = prg.next(shape.size);
            out = RingTensor.zeros(shape.size);
        }

        @TearDown
        public void tearDown() {
            a.close();
            b.close();
            out.close();
        }
    }

    /** Plaintext operands: uniform floats in [-1, 1). */
    @State(Scope.Benchmark)
    public static class FloatOperands {
        float[] a;
        float[] b;
        float[] out;

        @Setup
        public void setup(final ElementwiseBenchmark shape) {
            final SplittableRandom random = new SplittableRandom(42);
            a = randomFloats(random, shape.size);
            b = randomFloats(random, shape.size);
            out = new float[shape.size];
        }
    }

    /** {@code out = a + b} over Z_2^64. */
    @Benchmark
    public RingTensor ringAdd(final RingOperands s) {
        s.ops.add(s.a, s.b, s.out);
        return s.out;
    }

    /** {@code out = a + b} on {@code float[]}, the plaintext twin of {@link #ringAdd}. */
    @Benchmark
    public float[] plainAdd(final FloatOperands s) {
        final float[] a = s.a;
        final float[] b = s.b;
        final float[] out = s.out;
        for (int i = 0; i < out.length; i++) {
            out[i] = a[i] + b[i];
        }
        return out;
    }

    /** {@code out = a * b} over Z_2^64 (low 64 bits of each product). */
    @Benchmark
    public RingTensor ringMul(final RingOperands s) {
        s.ops.mul(s.a, s.b, s.out);
        return s.out;
    }

    /** {@code out = a * b} on {@code float[]}, the plaintext twin of {@link #ringMul}. */
    @Benchmark
    public float[] plainMul(final FloatOperands s) {
        final float[] a = s.a;
        final float[] b = s.b;
        final float[] out = s.out;
        for (int i = 0; i < out.length; i++) {
            out[i] = a[i] * b[i];
        }
        return out;
    }

    static float[] randomFloats(final SplittableRandom random, final int n) {
        final float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextDouble() * 2.0 - 1.0);
        }
        return values;
    }
}
