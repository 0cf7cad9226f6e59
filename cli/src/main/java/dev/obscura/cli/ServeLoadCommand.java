package dev.obscura.cli;

import dev.obscura.backend.Backend;
import dev.obscura.client.ObscuraClient;
import dev.obscura.data.LabelledImages;
import dev.obscura.data.Mnist;
import dev.obscura.data.MnistSplit;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.engine.Reveal;
import dev.obscura.nn.io.ModelBinding;
import dev.obscura.nn.io.ModelData;
import dev.obscura.nn.io.ModelFile;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.nn.train.BatchListener;
import dev.obscura.nn.train.Classifier;
import dev.obscura.protocols.LocalParties;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code obscura serve-load}: the load test of the encrypted inference service, on loopback in one JVM
 * ({@link ServiceDeployment}: two compute parties and the dealer over mutual TLS). For each number of concurrent
 * clients, every client (its own certificate and connections) sends MNIST test images one request after another;
 * the harness prints throughput, latency percentiles, the batch sizes the service formed and its pool depth, checks
 * every prediction against plaintext, and compares the throughput with in-process batched secure inference (the
 * same model and batch size, two parties as threads) measured in the same run. Bounded in count and time.
 */
@Command(name = "serve-load", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Load-test the encrypted inference service on loopback.",
        "",
        "Starts two compute parties and the dealer, then for each --clients level runs that many clients at once,"
            + " each sending --requests requests of --images-per-request MNIST test images. Prints images/s,"
            + " p50/p99 latency, the batch sizes formed and the pool depth, checks every prediction against"
            + " plaintext, and compares with in-process batched secure inference measured in the same run.",
        ""})
final class ServeLoadCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--clients", paramLabel = "N", split = ",", defaultValue = "1,16,64",
        description = "Concurrent clients, one run per value (default: ${DEFAULT-VALUE}).")
    private List<Integer> levels;

    @Option(names = "--requests", paramLabel = "N", defaultValue = "4",
        description = "Requests per client at each level (default: ${DEFAULT-VALUE}).")
    private int requests;

    @Option(names = "--images-per-request", paramLabel = "N", defaultValue = "1",
        description = "Images per request (default: ${DEFAULT-VALUE}).")
    private int perRequest;

    @Option(names = "--max-batch", paramLabel = "N", defaultValue = "64",
        description = "The service's max batch (default: ${DEFAULT-VALUE}).")
    private int maxBatch;

    @Option(names = "--max-wait", paramLabel = "MS", defaultValue = "20",
        description = "The service's max wait, ms (default: ${DEFAULT-VALUE}).")
    private int maxWait;

    @Option(names = "--pool-depth", paramLabel = "N", defaultValue = "2",
        description = "The service's pool depth (default: ${DEFAULT-VALUE}).")
    private int poolDepth;

    @Option(names = "--baseline-images", paramLabel = "N", defaultValue = "256",
        description = "Images of the in-process baseline (default: ${DEFAULT-VALUE}).")
    private int baselineImages;

    @Option(names = "--model", paramLabel = "FILE", description = "The model (default: a fresh one, seed 1).")
    private Path model;

    @Option(names = Mnist.DATA_FLAG, paramLabel = "DIR", description = "The MNIST folder.")
    private Path data;

    @Option(names = "--backend", paramLabel = "NAME", description = "The ring-arithmetic backend.")
    private String backendName;

    @Option(names = "--time-limit", paramLabel = "S", defaultValue = "600",
        description = "Stop a level that runs longer than this, in seconds (default: ${DEFAULT-VALUE}).")
    private int timeLimit;

    @Override
    public void run() {
        final CommandLine cmd = spec.commandLine();
        MnistCommand.check(cmd, requests >= 1 && perRequest >= 1 && perRequest <= maxBatch && baselineImages >= 1
            && levels.stream().allMatch(l -> l >= 1 && l <= 256), "need positive --requests, --images-per-request"
            + " <= --max-batch, positive --baseline-images and 1..256 clients");
        final Backend backend = PartyOptions.resolve(cmd, backendName);
        final PrintWriter out = cmd.getOut();
        final ModelData weights;
        if (model != null) {
            weights = ModelFile.read(model);
        } else {
            final PlainEngine plain = new PlainEngine();
            weights = ModelBinding.capture(MnistCnn.create(plain, 1), plain);
        }
        final int maxClients = levels.stream().mapToInt(Integer::intValue).max().orElse(1);
        final int needed = Math.min(Mnist.TEST_COUNT, Math.max(baselineImages, maxClients * requests * perRequest));
        final MnistSplit test = Mnist.load(Mnist.locate(Optional.ofNullable(data)), 0, needed).test();
        final float[][] images = new float[test.count()][MnistSplit.PIXELS];
        final int[] label = new int[1];
        for (int i = 0; i < test.count(); i++) {
            test.copyBatch(i, 1, images[i], label);
        }
        final int[] plaintext = plaintext(weights, images);
        out.printf("obscura serve-load: %d test images, model %s, backend %s, %d CPUs, max-batch %d, max-wait %d ms,"
            + " pool-depth %d%n", images.length, model == null ? "fresh (seed 1)" : model, backend.name(),
            Runtime.getRuntime().availableProcessors(), maxBatch, maxWait, poolDepth);

        // The in-process baseline: batched secure inference, two parties as threads, the same model and batch.
        final int nb = Math.min(baselineImages, images.length);
        final LabelledImages first = LabelledImages.of(flatten(images, nb), new int[nb], 1, 28, 28);
        // Best of three runs: the first also warms the JIT up.
        double baseline = 0;
        List<SecureInference.Result> local = null;
        for (int rep = 0; rep < 3; rep++) {
            final long b0 = System.nanoTime();
            local = LocalParties.builder().parties(2).backend(backend).build()
                .run(ops -> new SecureInference(weights, ops.session().partyId() == 1 ? first
                    : LabelledImages.withheld(nb, 1, 28, 28), maxBatch, 0, 1).run(ops, BatchListener.NONE));
            baseline = Math.max(baseline, nb / ((System.nanoTime() - b0) / 1e9));
        }
        final int baselineSame = same(local.get(1).predictions(), plaintext);
        out.printf("in-process batched secure inference (best of 3): %d images at batch %d, %.1f images/s;"
            + " predictions equal to plaintext %d/%d%n", nb, maxBatch, baseline, baselineSame, nb);
        out.flush();

        final List<String> names = new ArrayList<>();
        for (int c = 0; c < maxClients; c++) {
            names.add("client-" + c);
        }
        final Path dir;
        try {
            dir = Files.createTempDirectory("obscura-serve-load");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (ServiceDeployment service = ServiceDeployment.start(dir, weights, names, backend, Duration.ofSeconds(60),
            s -> s.withBatch(maxBatch, Duration.ofMillis(maxWait)).withPool(poolDepth).withRate(1000))) {
            // Warm-up, not reported: the first batch records the plan of the dealer's material, and the JIT warms up.
            final PrintWriter none = new PrintWriter(java.io.Writer.nullWriter());
            level(none, service, Math.min(maxClients, 16), images, plaintext, baseline, 2);
            out.println("| clients | images | images/s | vs in-process | p50 ms | p99 ms | batches (images: count)"
                + " | batches from pool | pool depth after | forward ms per batch | MB sent per batch (party 0) |"
                + " equal to plaintext |");
            out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
            for (final int level : levels) {
                level(out, service, level, images, plaintext, baseline, requests);
            }
        }
    }

    private void level(final PrintWriter out, final ServiceDeployment service, final int clients,
                       final float[][] images, final int[] plaintext, final double baseline,
                       final int requests) {
        final List<ObscuraClient> connected = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            connected.add(ObscuraClient.connect(service.clientConfig("client-" + c).timeout(Duration.ofSeconds(
                timeLimit))));
        }
        final InferenceService.Stats before = service.party(0).stats();
        final long[][] latencies = new long[clients][requests];
        final AtomicInteger same = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        final CyclicBarrier start = new CyclicBarrier(clients + 1);
        final List<CompletableFuture<Void>> runs = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            final int me = c;
            final CompletableFuture<Void> run = new CompletableFuture<>();
            runs.add(run);
            new Thread(() -> {
                try {
                    start.await(60, TimeUnit.SECONDS);
                    for (int r = 0; r < requests; r++) {
                        final int from = ((me * requests + r) * perRequest) % (images.length - perRequest + 1);
                        final float[][] part = Arrays.copyOfRange(images, from, from + perRequest);
                        final long t0 = System.nanoTime();
                        final int[] got = connected.get(me).classify(part).predictions();
                        latencies[me][r] = System.nanoTime() - t0;
                        for (int i = 0; i < got.length; i++) {
                            same.addAndGet(got[i] == plaintext[from + i] ? 1 : 0);
                        }
                        done.addAndGet(got.length);
                    }
                    run.complete(null);
                } catch (Throwable e) {
                    run.completeExceptionally(e);
                }
            }, "serve-load-client-" + c).start();
        }
        final long t0;
        try {
            start.await(60, TimeUnit.SECONDS);
            t0 = System.nanoTime();
            CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).get(timeLimit, TimeUnit.SECONDS);
        } catch (Exception e) {
            connected.forEach(ObscuraClient::close);
            throw new IllegalStateException("load level " + clients + " failed: " + e, e);
        }
        final double seconds = (System.nanoTime() - t0) / 1e9;
        connected.forEach(ObscuraClient::close);
        final InferenceService.Stats after = service.party(0).stats();
        final long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
        final Map<Integer, Long> sizes = new TreeMap<>();
        after.batchSizes().forEach((k, v) -> {
            final long d = v - before.batchSizes().getOrDefault(k, 0L);
            if (d > 0) {
                sizes.put(k, d);
            }
        });
        final double rate = done.get() / seconds;
        final long batches = Math.max(1, after.batches() - before.batches());
        out.printf("| %d | %d | %.1f | %.0f%% | %.0f | %.0f | %s | %d of %d | %d | %.0f | %.0f | %d/%d |%n", clients,
            done.get(), rate, 100 * rate / baseline, all[(int) Math.floor(0.50 * (all.length - 1))] / 1e6,
            all[(int) Math.ceil(0.99 * (all.length - 1))] / 1e6, sizes, after.batchesFromPool()
                - before.batchesFromPool(), after.batches() - before.batches(), after.poolDepth(),
            (after.forwardNanos() - before.forwardNanos()) / 1e6 / batches,
            (after.bytesSent() - before.bytesSent()) / 1e6 / batches, same.get(), done.get());
        out.flush();
    }

    private static float[] flatten(final float[][] images, final int n) {
        final float[] flat = new float[n * MnistSplit.PIXELS];
        for (int i = 0; i < n; i++) {
            System.arraycopy(images[i], 0, flat, i * MnistSplit.PIXELS, MnistSplit.PIXELS);
        }
        return flat;
    }

    /** The plaintext predictions of every image. */
    static int[] plaintext(final ModelData weights, final float[][] images) {
        final PlainEngine plain = new PlainEngine();
        final Sequential<PlainTensor> m = MnistCommand.model(plain, 0, weights, true);
        final Classifier<PlainTensor> classifier = new Classifier<>(m, plain, Reveal.toAll(plain));
        final int[] out = new int[images.length];
        for (int from = 0; from < images.length; from += 256) {
            final int n = Math.min(256, images.length - from);
            final float[][] part = Arrays.copyOfRange(images, from, from + n);
            final int[] p = Classifier.argmax(classifier.logits(plain.fromFloats(flatten(part, n), n, 1, 28, 28)),
                n);
            System.arraycopy(p, 0, out, from, n);
        }
        return out;
    }

    private static int same(final int[] a, final int[] b) {
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            n += a[i] == b[i] ? 1 : 0;
        }
        return n;
    }
}
