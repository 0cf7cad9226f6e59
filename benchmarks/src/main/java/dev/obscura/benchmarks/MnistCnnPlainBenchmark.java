package dev.obscura.benchmarks;

import dev.obscura.backend.FloatGemms;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.models.MnistCnn;
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
 * The plaintext twin of {@link MnistCnnBenchmark}: the same model code on the {@code float} engine, on each GEMM:
 * OpenBLAS (the default where {@code obscura-native} loads; one OpenBLAS thread unless {@code OPENBLAS_NUM_THREADS}
 * is set, as {@code OpenBlasFloatGemm} explains) and the pure-Java one (one thread).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkFlags.BOUNDS_CHECKS_OFF, ForkFlags.OPEN_MISC, ForkFlags.OPEN_NIO})
@State(Scope.Benchmark)
public class MnistCnnPlainBenchmark {
    /** Inference of 64 images, or one training step at batch 64. */
    @Param({MnistStep.INFER, MnistStep.TRAIN})
    public String workload;

    /** The {@link dev.obscura.backend.FloatGemm} behind the engine, by discovery name. */
    @Param({"openblas", "java"})
    public String gemm;

    private MnistStep<PlainTensor> step;

    @Setup
    public void setup() {
        final PlainEngine engine = new PlainEngine(FloatGemms.create(gemm));
        step = new MnistStep<>(engine, MnistCnn.create(engine, 3), MnistStep.images(1), MnistStep.labels(2));
    }

    /** The same step in plaintext. */
    @Benchmark
    public void plaintext() {
        step.run(workload);
    }

    @TearDown
    public void tearDown() {
        step.release();
    }
}
