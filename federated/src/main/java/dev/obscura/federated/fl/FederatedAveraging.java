package dev.obscura.federated.fl;

import dev.obscura.data.LabelledImages;
import dev.obscura.federated.worker.FlatParameters;
import dev.obscura.federated.worker.LocalTraining;
import dev.obscura.federated.worker.ModelSpec;
import dev.obscura.federated.worker.RemoteModel;
import dev.obscura.federated.worker.TrainingResult;
import dev.obscura.federated.worker.Worker;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.engine.Reveal;
import dev.obscura.nn.io.ModelBinding;
import dev.obscura.nn.io.ModelData;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.train.BatchListener;
import dev.obscura.nn.train.Classifier;
import dev.obscura.privacy.PrivacySpent;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Federated averaging, McMahan, Moore, Ramage, Hampson and Agüera y Arcas, "Communication-Efficient Learning of Deep
 * Networks from Decentralized Data" (AISTATS 2017), Algorithm 1, with workers as the clients:
 *
 * <pre>
 *   initialise w_0
 *   for each round t = 1, 2, ...
 *     m = max(round(C K), 1); S_t = a random set of m of the K clients
 *     for each client k in S_t, in parallel:   w_{t+1}^k = ClientUpdate(k, w_t)
 *       (the model goes to the worker, which trains it E epochs on its own data, batch B, rate eta)
 *     w_{t+1} = w_t + sum_k (n_k / n) (w_{t+1}^k - w_t)     over the clients whose updates arrived
 * </pre>
 *
 * The average is the {@link Aggregation}'s: plain ({@link WeightedAverage}), at a trusted worker
 * ({@link TrustedAggregator}), or later secure or noisy. A client that fails, is unreachable or does not finish
 * within the round's time-out is dropped from that round, with one log line, and the round completes with the
 * rest; an update arriving late is released at its worker. After each round the server may test the model on a
 * test set of its own (the data of the clients never leaves them).
 *
 * <p>Not thread-safe: one run at a time.
 */
public final class FederatedAveraging {
    private static final System.Logger LOG = System.getLogger(FederatedAveraging.class.getName());

    private final Builder settings;

    private FederatedAveraging(final Builder b) {
        this.settings = b;
    }

    /** Settings, with defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs every round on {@code clients} (at least one) and returns the final model with the reports.
     *
     * @throws IllegalArgumentException when no client is given or two are the same worker
     */
    public FederatedResult run(final List<Client> clients) {
        if (clients.isEmpty() || clients.stream().map(Client::worker).distinct().count() != clients.size()) {
            throw new IllegalArgumentException("federated averaging needs one or more clients on distinct workers,"
                + " clients=" + clients.size());
        }
        final Builder s = settings;
        final PlainEngine engine = new PlainEngine();
        final Sequential<PlainTensor> model = s.spec.build(engine, s.initSeed);
        if (s.initialWeights != null) {
            ModelBinding.apply(s.initialWeights, model, engine);
        }
        ModelData global = ModelBinding.capture(model, engine);
        final int parameters = Math.toIntExact(global.valueCount());
        final Random sampler = new Random(s.sampleSeed);
        final List<RoundReport> reports = new ArrayList<>();
        final ExecutorService threads = Executors.newCachedThreadPool(r -> {
            final Thread t = new Thread(r, "obscura-fl-client");
            t.setDaemon(true);
            return t;
        });
        try {
            for (int round = 1; round <= s.rounds; round++) {
                final long start = System.nanoTime();
                final Outcome o = round(round, sample(clients, sampler), global, parameters, threads);
                global = o.model();
                final double accuracy = s.testSet == null ? Double.NaN : accuracy(model, engine, global);
                final RoundReport r = o.report();
                final RoundReport done = new RoundReport(r.round(), r.sampled(), r.aggregated(), r.dropped(),
                    r.samples(), r.trainLoss(), accuracy, (System.nanoTime() - start) / 1e9, r.bytesPerClient(),
                    r.privacy());
                reports.add(done);
                s.listener.roundDone(done);
            }
        } finally {
            threads.shutdownNow();
        }
        return new FederatedResult(global, reports);
    }

    /** A round's new model and its report (before testing). */
    private record Outcome(ModelData model, RoundReport report) {
    }

    /** A client's task: whether the round gave up on it, and whether it holds a training slot. */
    private static final class Task {
        final AtomicBoolean abandoned = new AtomicBoolean();
        final AtomicBoolean holding = new AtomicBoolean();
    }

    /** One round on {@code sampled}. */
    private Outcome round(final int round, final List<Client> sampled, final ModelData global,
                          final int parameters, final ExecutorService threads) {
        final Builder s = settings;
        final long start = System.nanoTime();
        long samples = 0;
        final Map<Worker, Long> bytesBefore = new HashMap<>();
        for (final Client c : sampled) {
            samples += c.data().count();
            bytesBefore.put(c.worker(), c.worker().bytesSent() + c.worker().bytesReceived());
        }
        s.listener.roundStarted(round, sampled.size(), samples);
        final CompletionService<LocalUpdate> done = new ExecutorCompletionService<>(threads);
        final Semaphore slots = new Semaphore(s.parallelism <= 0 ? sampled.size() : s.parallelism);
        final Map<Future<LocalUpdate>, Client> tasks = new LinkedHashMap<>();
        final Map<Future<LocalUpdate>, Task> states = new HashMap<>();
        for (int k = 0; k < sampled.size(); k++) {
            final Client c = sampled.get(k);
            final Task task = new Task();
            final long seed = s.training.seed() * 1_000_003L + round * 7919L + k;
            final Future<LocalUpdate> f = done.submit(() -> train(c, global, s.training.withSeed(seed), slots,
                task));
            tasks.put(f, c);
            states.put(f, task);
        }
        final List<LocalUpdate> updates = new ArrayList<>();
        final Map<String, String> dropped = new LinkedHashMap<>();
        final long deadline = start + s.roundTimeout.toNanos();
        for (int received = 0; received < sampled.size(); received++) {
            final Future<LocalUpdate> f;
            try {
                f = done.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted in round " + round, e);
            }
            if (f == null) {
                break;
            }
            final Client c = tasks.remove(f);
            try {
                final LocalUpdate u = f.get();
                updates.add(u);
                s.listener.clientTrained(c.name(), u.samples());
            } catch (ExecutionException e) {
                drop(round, c, e.getCause().getMessage() == null ? e.getCause().toString() : e.getCause().getMessage(),
                    dropped);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted in round " + round, e);
            }
        }
        for (final Map.Entry<Future<LocalUpdate>, Client> late : tasks.entrySet()) {
            // Left to finish in the background: its update is released when it arrives, its slot freed now.
            final Task task = states.get(late.getKey());
            task.abandoned.set(true);
            if (task.holding.compareAndSet(true, false)) {
                slots.release();
            }
            drop(round, late.getValue(), "did not finish within the round time-out of "
                + s.roundTimeout.toMillis() + " ms", dropped);
        }
        final List<String> aggregated = new ArrayList<>();
        double lossSum = 0;
        int aggregatedSamples = 0;
        // In the sampled order, not the order of arrival: the same seeds give the same model, bit for bit.
        final List<String> order = sampled.stream().map(Client::name).toList();
        updates.sort(java.util.Comparator.comparingInt(u -> order.indexOf(u.worker().name())));
        ModelData next = global;
        PrivacySpent privacy = null;
        if (updates.isEmpty()) {
            LOG.log(Level.WARNING, "round " + round + ": no client finished; the model stays as it was");
        } else {
            final AggregatedUpdate agg = s.aggregation.aggregate(updates, parameters);
            agg.dropped().forEach((w, why) -> {
                LOG.log(Level.INFO, "round " + round + ": dropped worker " + w + " at aggregation: " + why);
                s.listener.clientDropped(round, w, why);
                dropped.put(w, why);
            });
            final float[] w = FlatParameters.of(global);
            final float[] mean = agg.mean();
            for (int i = 0; i < w.length; i++) {
                w[i] += mean[i];
            }
            next = FlatParameters.withValues(global, w);
            privacy = agg.privacy();
            aggregated.addAll(agg.workers());
            aggregatedSamples = agg.samples();
            for (final LocalUpdate u : updates) {
                if (aggregated.contains(u.worker().name())) {
                    lossSum += u.meanLoss() * u.samples();
                }
            }
        }
        long bytes = 0;
        for (final Client c : sampled) {
            bytes += c.worker().bytesSent() + c.worker().bytesReceived() - bytesBefore.get(c.worker());
        }
        return new Outcome(next, new RoundReport(round, sampled.stream().map(Client::name).toList(), aggregated,
            dropped, aggregatedSamples, aggregatedSamples == 0 ? Double.NaN : lossSum / aggregatedSamples, Double.NaN,
            (System.nanoTime() - start) / 1e9, bytes / sampled.size(), privacy));
    }

    /** ClientUpdate: the model to the worker, local training there, the update left there. */
    private LocalUpdate train(final Client c, final ModelData global, final LocalTraining training,
                              final Semaphore slots, final Task task) throws InterruptedException {
        slots.acquire();
        task.holding.set(true);
        try {
            if (task.abandoned.get()) {
                throw new IllegalStateException("abandoned before it started");
            }
            final TrainingResult r;
            try (RemoteModel model = c.worker().send(settings.spec, global)) {
                r = model.fit(c.data(), training, settings.roundTimeout);
            }
            if (task.abandoned.get()) {
                r.update().close();
            }
            return new LocalUpdate(c.worker(), r.update(), r.samples(), r.meanLoss());
        } finally {
            if (task.holding.compareAndSet(true, false)) {
                slots.release();
            }
        }
    }

    private void drop(final int round, final Client c, final String why, final Map<String, String> dropped) {
        LOG.log(Level.INFO, "round " + round + ": dropped worker " + c.name() + ": " + why);
        settings.listener.clientDropped(round, c.name(), why);
        dropped.put(c.name(), why);
    }

    /**
     * {@code m = max(round(C K), 1)}: the clients sampled each round out of {@code clients} at fraction
     * {@code fraction} (what a differentially private aggregation divides by and its accountant's q is made of).
     */
    public static int sampleSize(final double fraction, final int clients) {
        return Math.max(1, (int) Math.round(fraction * clients));
    }

    /** A random set of {@code max(round(C K), 1)} clients, in their given order. */
    private List<Client> sample(final List<Client> clients, final Random random) {
        final int k = clients.size();
        final int m = sampleSize(settings.fraction, k);
        final List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            indices.add(i);
        }
        java.util.Collections.shuffle(indices, random);
        final List<Integer> chosen = new ArrayList<>(indices.subList(0, m));
        java.util.Collections.sort(chosen);
        return chosen.stream().map(clients::get).toList();
    }

    private double accuracy(final Sequential<PlainTensor> model, final PlainEngine engine, final ModelData weights) {
        ModelBinding.apply(weights, model, engine);
        final LabelledImages test = settings.testSet;
        final int[] predicted = new Classifier<>(model, engine, Reveal.toAll(engine)).predict(test,
            settings.evaluationBatch, BatchListener.NONE);
        int correct = 0;
        for (int i = 0; i < predicted.length; i++) {
            correct += predicted[i] == test.label(i) ? 1 : 0;
        }
        return predicted.length == 0 ? Double.NaN : (double) correct / predicted.length;
    }

    /** The settings of a run. */
    public static final class Builder {
        private ModelSpec spec;
        private ModelData initialWeights;
        private long initSeed = 1;
        private int rounds = 1;
        private double fraction = 1.0;
        private LocalTraining training;
        private Aggregation aggregation = new WeightedAverage();
        private Duration roundTimeout = Duration.ofMinutes(30);
        private int parallelism;
        private long sampleSeed = 1;
        private LabelledImages testSet;
        private int evaluationBatch = 500;
        private RoundListener listener = RoundListener.NONE;

        private Builder() {
        }

        /** The model's layers (required). */
        public Builder model(final ModelSpec s) {
            this.spec = Objects.requireNonNull(s);
            return this;
        }

        /** Start from these weights (default: the layers' initialisation from {@link #initSeed}). */
        public Builder initialWeights(final ModelData w) {
            this.initialWeights = w;
            return this;
        }

        /** The seed of the initial weights (default 1). */
        public Builder initSeed(final long seed) {
            this.initSeed = seed;
            return this;
        }

        /** Number of rounds, at least 1 (default 1). */
        public Builder rounds(final int r) {
            if (r < 1) {
                throw new IllegalArgumentException("rounds must be at least 1, rounds=" + r);
            }
            this.rounds = r;
            return this;
        }

        /** C, the fraction of clients sampled each round, in (0, 1] (default 1). */
        public Builder fraction(final double c) {
            if (!(c > 0 && c <= 1)) {
                throw new IllegalArgumentException("fraction must be in (0, 1], fraction=" + c);
            }
            this.fraction = c;
            return this;
        }

        /** ClientUpdate's settings: E, B, the learning rate (required); each client's seed is derived from it. */
        public Builder localTraining(final LocalTraining t) {
            this.training = Objects.requireNonNull(t);
            return this;
        }

        /** How updates are averaged (default {@link WeightedAverage}). */
        public Builder aggregation(final Aggregation a) {
            this.aggregation = Objects.requireNonNull(a);
            return this;
        }

        /** The longest a round waits for its clients (default 30 minutes). */
        public Builder roundTimeout(final Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("roundTimeout must be positive, roundTimeout=" + d);
            }
            this.roundTimeout = d;
            return this;
        }

        /** At most this many clients train at once (default 0: every sampled client at once). */
        public Builder parallelism(final int n) {
            if (n < 0) {
                throw new IllegalArgumentException("parallelism must not be negative, parallelism=" + n);
            }
            this.parallelism = n;
            return this;
        }

        /** The seed of the client sampling (default 1). */
        public Builder sampleSeed(final long seed) {
            this.sampleSeed = seed;
            return this;
        }

        /** The server's test set, on which each round's model is tested (default none). */
        public Builder testSet(final LabelledImages t) {
            this.testSet = t;
            return this;
        }

        /** Who hears of each round (default nobody). */
        public Builder listener(final RoundListener l) {
            this.listener = Objects.requireNonNull(l);
            return this;
        }

        /** The configured run. */
        public FederatedAveraging build() {
            if (spec == null || training == null) {
                throw new IllegalArgumentException("federated averaging needs a model and local training settings");
            }
            return new FederatedAveraging(this);
        }
    }
}
