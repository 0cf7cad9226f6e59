package dev.obscura.benchmarks;

import dev.obscura.backend.Backend;
import dev.obscura.random.Prg;
import dev.obscura.ring.RingTensor;
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
 * PRG throughput on one core: {@link Prg#fill} of {@code size} (2^20) elements, 8 MiB of AES-128-CTR keystream
 * ({@code size / 2} AES blocks).
 *
 * <p>Every share and mask comes from this stream, so it bounds how fast the dealer and the parties can produce
 * randomness. The floor is the AES work, {@code 8 x size} bytes of keystream written; GB/s = {@code 8 x size / time}.
 * The java backend runs the JDK's AES-CTR (AES-NI intrinsics), native-cpu its own AES-NI or VAES kernel.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    ForkFlags.BOUNDS_CHECKS_OFF, ForkFlags.OPEN_MISC, ForkFlags.OPEN_NIO, ForkFlags.ONE_THREAD})
@State(Scope.Benchmark)
public class PrgBenchmark {
    /** Number of 64-bit elements drawn per fill. */
    @Param("1048576")
    public int size;

    /** Backend under test. */
    @Param({"java", "native-cpu"})
    public String backend;

    private Prg prg;
    private RingTensor out;

    @Setup
    public void setup() {
        final Backend ops = BenchmarkBackends.open(backend);
        prg = Prg.fresh(ops);
        out = RingTensor.zeros(size);
    }

    @TearDown
    public void tearDown() {
        out.close();
    }

    /** Fills {@code size} elements with keystream; the stream advances, so no block is ever repeated. */
    @Benchmark
    public RingTensor prgFill() {
        prg.fill(out);
        return out;
    }
}
