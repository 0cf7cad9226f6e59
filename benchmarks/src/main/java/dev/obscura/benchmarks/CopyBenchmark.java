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
 * Memory bandwidth reference on one core: a copy of {@code size} 64-bit elements, 8 MiB (the operand size of
 * {@link ElementwiseBenchmark}) and 64 MiB (well past any cache).
 *
 * <p>Ring: {@code backend.copy(a, out)} between off-heap tensors. Plaintext twin: {@code System.arraycopy} of a
 * {@code long[]}, the JVM's own copy stub. Bytes moved are counted STREAM-style as {@code 2 x 8 x size} (one read,
 * one write), the same convention as the {@code 3 x 8 x size} of the elementwise benchmarks, so their GB/s compare
 * directly with this one's.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    ForkFlags.BOUNDS_CHECKS_OFF, ForkFlags.OPEN_MISC, ForkFlags.OPEN_NIO, ForkFlags.ONE_THREAD})
@State(Scope.Benchmark)
public class CopyBenchmark {
    /** Number of 64-bit elements copied: 2^20 (8 MiB) and 2^23 (64 MiB). */
    @Param({"1048576", "8388608"})
    public int size;

    /** Off-heap source and destination on the backend under test. */
    @State(Scope.Benchmark)
    public static class RingBuffers {
        /** Backend under test. */
        @Param({"java", "native-cpu"})
        public String backend;

        Backend ops;
        RingTensor a;
        RingTensor out;

        @Setup
        public void setup(final CopyBenchmark shape) {
            ops = BenchmarkBackends.open(backend);
            a = Prg.fresh(ops).next(shape.size);
            out = RingTensor.zeros(shape.size);
        }

        @TearDown
        public void tearDown() {
            a.close();
            out.close();
        }
    }

    /** On-heap source and destination. */
    @State(Scope.Benchmark)
    public static class HeapArrays {
        long[] a;
        long[] out;

        @Setup
        public void setup(final CopyBenchmark shape) {
            a = new SplittableRandom(42).longs(shape.size).toArray();
            out = new long[shape.size];
        }
    }

    /** {@code out = a} through the backend. */
    @Benchmark
    public RingTensor ringCopy(final RingBuffers s) {
        s.ops.copy(s.a, s.out);
        return s.out;
    }

    /** {@code System.arraycopy} of a {@code long[]}, the plaintext twin of {@link #ringCopy}. */
    @Benchmark
    public long[] plainCopy(final HeapArrays s) {
        System.arraycopy(s.a, 0, s.out, 0, s.a.length);
        return s.out;
    }
}
