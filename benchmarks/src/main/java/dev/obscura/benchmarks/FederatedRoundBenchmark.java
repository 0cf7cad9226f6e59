package dev.obscura.benchmarks;

import dev.obscura.data.LabelledImages;
import dev.obscura.federated.fl.Client;
import dev.obscura.federated.fl.FederatedAveraging;
import dev.obscura.federated.fl.FederatedResult;
import dev.obscura.federated.worker.LocalTraining;
import dev.obscura.federated.worker.LocalWorkers;
import dev.obscura.federated.worker.ModelSpec;
import dev.obscura.federated.worker.Worker;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.models.MnistCnn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
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
 * One round of federated averaging of {@link MnistCnn} over in-process workers: the model sent to every worker,
 * one local epoch on its {@value #IMAGES_PER_WORKER} images (batch {@value #BATCH}), the updates fetched and
 * averaged, no test pass. Every request and answer is encoded as for a remote worker, so the bytes per worker per
 * round (printed, and appended to {@code bench-results/federated-costs.tsv}) are what each worker would send and
 * receive over the network; the time is the in-process one (no TLS, no network), workers training at most as many
 * at once as there are cores. The images are synthetic (random pixels, random labels): only time and bytes count.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
// A round takes seconds: each 1 s iteration is one round.
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkFlags.BOUNDS_CHECKS_OFF, ForkFlags.OPEN_MISC, ForkFlags.OPEN_NIO, "-Xmx8g"})
@State(Scope.Benchmark)
public class FederatedRoundBenchmark {
    static final int IMAGES_PER_WORKER = 60;
    static final int BATCH = 20;

    /** Number of workers, every one sampled. */
    @Param({"10", "100"})
    public int workers;

    private LocalWorkers pool;
    private List<Client> clients;
    private FederatedAveraging round;
    private long bytesPerWorker;

    @Setup(Level.Trial)
    public void setup() {
        final LocalWorkers.Builder b = LocalWorkers.builder().timeout(Duration.ofMinutes(10));
        for (int i = 0; i < workers; i++) {
            b.worker("worker-" + i);
        }
        pool = b.build();
        clients = new ArrayList<>();
        final SplittableRandom random = new SplittableRandom(1);
        for (final Worker w : pool.all()) {
            clients.add(new Client(w, w.send(images(random))));
        }
        final ModelSpec spec = ModelSpec.of(MnistCnn.create(new PlainEngine(), 1));
        round = FederatedAveraging.builder().model(spec).rounds(1)
            .localTraining(new LocalTraining(1, BATCH, 0.05f, 0.9f, 0f, 1))
            .parallelism(Runtime.getRuntime().availableProcessors()).build();
    }

    private static LabelledImages images(final SplittableRandom random) {
        final float[] pixels = new float[IMAGES_PER_WORKER * MnistCnn.SIZE * MnistCnn.SIZE];
        final int[] labels = new int[IMAGES_PER_WORKER];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextDouble();
        }
        for (int i = 0; i < labels.length; i++) {
            labels[i] = random.nextInt(MnistCnn.CLASSES);
        }
        return LabelledImages.of(pixels, labels, MnistCnn.CHANNELS, MnistCnn.SIZE, MnistCnn.SIZE);
    }

    /** One round on every worker. */
    @Benchmark
    public FederatedResult oneRound() {
        final FederatedResult r = round.run(clients);
        bytesPerWorker = r.rounds().get(0).bytesPerClient();
        return r;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        SecureOpsBenchmark.appendLine("obscura.bench.federated", "bench-results/federated-costs.tsv",
            "federated-round", Integer.toString(workers), Long.toString(bytesPerWorker));
        System.out.println("# federated round, " + workers + " workers: " + bytesPerWorker
            + " bytes per worker per round (sent and received)");
        pool.close();
    }
}
