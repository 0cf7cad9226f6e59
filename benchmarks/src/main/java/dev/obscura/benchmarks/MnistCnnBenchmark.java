package dev.obscura.benchmarks;

import dev.obscura.backend.Backend;
import dev.obscura.mpc.Preprocessing;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.nn.engine.SecureEngine;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.protocols.LocalCluster;
import dev.obscura.protocols.LocalParties;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * Secure MnistCnn with 2 parties in-process: inference of a batch of 64, and one training step (forward, softmax
 * cross-entropy backward, SGD with momentum) at batch 64, with weights and images secret-shared by party 0. The
 * plaintext twin is {@link MnistCnnPlainBenchmark}; {@code phase} means what it means in {@link SecureOpsBenchmark}.
 * CrypTen 0.4, with average pooling in place of max-pooling, took 1504 ms (inference) and 3631 ms (training step).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 10, time = 3)
@Fork(value = 1, jvmArgsAppend = {ForkFlags.BOUNDS_CHECKS_OFF, ForkFlags.OPEN_MISC, ForkFlags.OPEN_NIO, "-Xmx8g"})
@State(Scope.Benchmark)
public class MnistCnnBenchmark {
    private static final int PARTIES = 2;

    /** Inference of 64 images, or one training step at batch 64. */
    @Param({MnistStep.INFER, MnistStep.TRAIN})
    public String workload;

    /** {@code online}: correlated randomness prefetched before each call; {@code total}: dealer online. */
    @Param({"online", "total"})
    public String phase;

    /** Backend of every party and the dealer. */
    @Param({"native-cpu"})
    public String backend;

    private LocalCluster cluster;
    @SuppressWarnings("unchecked")
    private final MnistStep<SecretTensor>[] steps = new MnistStep[PARTIES];
    private final Preprocessing.Plan[] plans = new Preprocessing.Plan[PARTIES];

    @Setup(Level.Trial)
    public void setup() {
        final Backend be = BenchmarkBackends.open(backend);
        cluster = LocalParties.builder().parties(PARTIES).backend(be).build().start();
        final float[] images = MnistStep.images(1);
        final int[] labels = MnistStep.labels(2);
        final var costs = cluster.run(ops -> {
            final int me = ops.session().partyId();
            final SecureEngine engine = new SecureEngine(ops, 0);
            steps[me] = new MnistStep<>(engine, MnistCnn.create(engine, 3), images, labels);
            // SGD's first step has no momentum term yet; record a steady-state step, which every later one repeats.
            steps[me].run(workload);
            final Preprocessing pre = ops.preprocessing().orElseThrow();
            final var before = ops.session().stats().total();
            pre.startRecording();
            steps[me].run(workload);
            plans[me] = pre.stopRecording();
            return ops.session().stats().total().minus(before);
        });
        if ("online".equals(phase)) {
            SecureOpsBenchmark.appendCosts(workload, costs, MnistStep.BATCH);
        }
    }

    @Setup(Level.Invocation)
    public void prefetch() {
        if ("online".equals(phase)) {
            cluster.run(ops -> {
                ops.preprocessing().orElseThrow().prefetch(plans[ops.session().partyId()]);
                return null;
            });
        }
    }

    /** One secure inference or training step on both parties. */
    @Benchmark
    public void secure() {
        cluster.run(ops -> {
            steps[ops.session().partyId()].run(workload);
            return null;
        });
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cluster.run(ops -> {
            steps[ops.session().partyId()].release();
            return null;
        });
        cluster.close();
    }
}
