package dev.obscura.federated.fl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.data.LabelledImages;
import dev.obscura.federated.worker.FlatParameters;
import dev.obscura.federated.worker.LocalTraining;
import dev.obscura.federated.worker.LocalWorkers;
import dev.obscura.federated.worker.ModelSpec;
import dev.obscura.federated.worker.Worker;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.engine.Reveal;
import dev.obscura.nn.io.ModelBinding;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.optim.Sgd;
import dev.obscura.nn.train.BatchListener;
import dev.obscura.nn.train.EpochOrder;
import dev.obscura.nn.train.Trainer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Federated averaging on in-process workers: the average is McMahan's, weighted by sample count; the model learns;
 * clients are sampled; a worker that dies or stalls is dropped and the round completes with the rest.
 */
final class FederatedAveragingTest {
    private static final ModelSpec LINEAR = ModelSpec.builder().flatten().linear(Blobs.SIDE * Blobs.SIDE,
        Blobs.CLASSES).build();

    private static List<Client> clients(final LocalWorkers workers, final List<LabelledImages> parts) {
        final List<Client> out = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            final Worker w = workers.all().get(i);
            out.add(new Client(w, w.send(parts.get(i))));
        }
        return out;
    }

    private static LocalWorkers workers(final int n) {
        final LocalWorkers.Builder b = LocalWorkers.builder().timeout(Duration.ofSeconds(30));
        for (int i = 0; i < n; i++) {
            b.worker("w" + i);
        }
        return b.build();
    }

    /** One round with full-batch local steps equals the sample-weighted mean of the clients' own training. */
    @Test
    void shouldAverageTheClientsModelsWeightedBySampleCount() {
        final LabelledImages data = Blobs.of(90, 1);
        final List<LabelledImages> parts = List.of(sub(data, 0, 20), sub(data, 20, 90));
        final LocalTraining training = new LocalTraining(2, 1000, 0.1f, 0f, 0f, 5);
        final FederatedResult result;
        try (LocalWorkers workers = workers(2)) {
            result = FederatedAveraging.builder().model(LINEAR).initSeed(3).rounds(1).localTraining(training)
                .build().run(clients(workers, parts));
        }
        final float[] expected = new float[Math.toIntExact(LINEAR.parameterCount())];
        for (final LabelledImages part : parts) {
            final float[] local = trainLocally(part, training);
            for (int i = 0; i < expected.length; i++) {
                expected[i] += local[i] * part.count() / 90f;
            }
        }
        final float[] actual = FlatParameters.of(result.model());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5f, "parameter " + i);
        }
        final RoundReport r = result.rounds().get(0);
        assertEquals(90, r.samples());
        assertEquals(List.of("w0", "w1"), r.aggregated());
        assertTrue(r.bytesPerClient() > 4 * LINEAR.parameterCount(), "bytes=" + r.bytesPerClient());
    }

    private static float[] trainLocally(final LabelledImages part, final LocalTraining t) {
        final PlainEngine engine = new PlainEngine();
        final Sequential<PlainTensor> model = LINEAR.build(engine, 3);
        final Trainer<PlainTensor> trainer = new Trainer<>(model, engine, new Sgd<>(engine, model.parameters(),
            t.learningRate(), t.momentum(), t.weightDecay()), Reveal.toAll(engine));
        final EpochOrder order = new EpochOrder(part.count(), 0);
        for (int e = 0; e < t.epochs(); e++) {
            trainer.epoch(part, order.next(), t.batch(), BatchListener.NONE);
        }
        return FlatParameters.of(ModelBinding.capture(model, engine));
    }

    private static LabelledImages sub(final LabelledImages data, final int from, final int to) {
        final int size = data.imageSize();
        final float[] images = new float[(to - from) * size];
        final int[] labels = new int[to - from];
        final float[] all = new float[data.count() * size];
        final int[] allLabels = new int[data.count()];
        data.copyBatch(0, data.count(), all, allLabels);
        System.arraycopy(all, from * size, images, 0, images.length);
        System.arraycopy(allLabels, from, labels, 0, labels.length);
        return LabelledImages.of(images, labels, data.imageShape());
    }

    @Test
    void shouldLearnAndSampleAFractionOfTheClientsEachRound() {
        final List<Integer> perRound = new CopyOnWriteArrayList<>();
        try (LocalWorkers workers = workers(6)) {
            final FederatedResult result = FederatedAveraging.builder().model(LINEAR).rounds(4).fraction(0.5)
                .localTraining(new LocalTraining(1, 10, 0.1f, 0.5f, 0f, 1)).testSet(Blobs.of(300, 99))
                .parallelism(2).listener(new RoundListener() {
                    @Override
                    public void roundStarted(final int round, final int clients, final long samples) {
                        perRound.add(clients);
                    }
                }).build().run(clients(workers, Partitions.iid(Blobs.of(600, 2), 6, 7)));
            assertEquals(List.of(3, 3, 3, 3), perRound);
            assertTrue(result.finalAccuracy() > 0.9, "accuracy=" + result.finalAccuracy());
            assertTrue(result.rounds().get(3).trainLoss() < result.rounds().get(0).trainLoss());
            for (final Worker w : workers.all()) {
                w.flush();
                assertEquals(1, w.objects().size(), "only the worker's data set is left at " + w.name());
            }
        }
    }

    @Test
    void shouldRunAHundredWorkersSamplingATenthEachRound() {
        final List<Integer> perRound = new CopyOnWriteArrayList<>();
        try (LocalWorkers workers = workers(100)) {
            final FederatedResult result = FederatedAveraging.builder().model(LINEAR).rounds(3).fraction(0.1)
                .localTraining(new LocalTraining(1, 5, 0.1f, 0f, 0f, 1)).testSet(Blobs.of(200, 97))
                .listener(new RoundListener() {
                    @Override
                    public void roundStarted(final int round, final int clients, final long samples) {
                        perRound.add(clients);
                    }
                }).build().run(clients(workers, Partitions.iid(Blobs.of(1000, 6), 100, 2)));
            assertEquals(List.of(10, 10, 10), perRound);
            assertEquals(100, result.rounds().get(2).samples());
            assertTrue(result.finalAccuracy() > 0.8, "accuracy=" + result.finalAccuracy());
        }
    }

    @Test
    void shouldDropAWorkerThatDiesAndCompleteTheRoundWithTheRest() {
        final List<String> dropped = new CopyOnWriteArrayList<>();
        try (LocalWorkers workers = workers(3)) {
            final List<Client> clients = clients(workers, Partitions.iid(Blobs.of(300, 3), 3, 1));
            final FederatedResult result = FederatedAveraging.builder().model(LINEAR).rounds(3)
                .localTraining(new LocalTraining(1, 10, 0.1f, 0f, 0f, 1)).testSet(Blobs.of(200, 98))
                .listener(new RoundListener() {
                    @Override
                    public void roundStarted(final int round, final int n, final long samples) {
                        if (round == 2) {
                            workers.kill("w1");
                        }
                    }

                    @Override
                    public void clientDropped(final int round, final String client, final String reason) {
                        dropped.add(round + ":" + client + ":" + reason);
                    }
                }).build().run(clients);
            assertEquals(List.of("w0", "w1", "w2"), result.rounds().get(0).aggregated());
            assertEquals(List.of("w0", "w2"), result.rounds().get(1).aggregated());
            assertEquals(List.of("w0", "w2"), result.rounds().get(2).aggregated());
            assertEquals(200, result.rounds().get(2).samples());
            assertTrue(dropped.get(0).startsWith("2:w1:") && dropped.get(0).contains("worker w1"), dropped.toString());
            assertTrue(result.finalAccuracy() > 0.8, "accuracy=" + result.finalAccuracy());
        }
    }

    @Test
    void shouldDropAWorkerThatStallsPastTheRoundTimeOut() {
        final List<LabelledImages> parts = Partitions.iid(Blobs.of(100, 4), 2, 1);
        // The stalling data set is the worker's own: sending would copy it.
        try (LocalWorkers workers = LocalWorkers.builder().worker("w0")
            .worker("w1", java.util.Map.of("data", new Stalling(parts.get(1)))).build()) {
            final Worker w0 = workers.get("w0");
            final Worker w1 = workers.get("w1");
            final FederatedResult result = FederatedAveraging.builder().model(LINEAR).rounds(1)
                .roundTimeout(Duration.ofMillis(1500)).localTraining(new LocalTraining(1, 10, 0.1f, 0f, 0f, 1))
                .build().run(List.of(new Client(w0, w0.send(parts.get(0))), new Client(w1, w1.dataset("data"))));
            final RoundReport r = result.rounds().get(0);
            assertEquals(List.of("w0"), r.aggregated());
            assertTrue(r.dropped().get("w1").contains("round time-out"), r.dropped().toString());
        }
    }

    @Test
    void shouldAverageAtATrustedAggregatorAsTheServerWould() {
        final LabelledImages data = Blobs.of(120, 5);
        final LocalTraining training = new LocalTraining(1, 7, 0.1f, 0f, 0f, 3);
        final float[] atServer;
        final float[] atAggregator;
        try (LocalWorkers workers = workers(3)) {
            atServer = FlatParameters.of(FederatedAveraging.builder().model(LINEAR).rounds(2).localTraining(training)
                .build().run(clients(workers, Partitions.iid(data, 3, 1))).model());
        }
        try (LocalWorkers workers = workers(4)) {
            final List<Client> clients = clients(workers, Partitions.iid(data, 3, 1)).subList(0, 3);
            atAggregator = FlatParameters.of(FederatedAveraging.builder().model(LINEAR).rounds(2)
                .localTraining(training).aggregation(new TrustedAggregator(workers.get("w3"))).build()
                .run(clients).model());
            workers.get("w3").flush();
            assertEquals(0, workers.get("w3").objects().size(), "the aggregator keeps nothing");
        }
        for (int i = 0; i < atServer.length; i++) {
            assertEquals(atServer[i], atAggregator[i], 1e-5f, "parameter " + i);
        }
    }

    @Test
    void shouldSplitByLabelIntoShardsOfFewDigits() {
        final LabelledImages data = Blobs.of(600, 8);
        final List<LabelledImages> parts = Partitions.byLabel(data, 5, 1, 3);
        for (final LabelledImages p : parts) {
            assertEquals(120, p.count());
            assertTrue(Partitions.labels(p).length <= 2, "one shard spans at most two labels");
        }
        final List<LabelledImages> iid = Partitions.iid(data, 5, 3);
        assertEquals(Blobs.CLASSES, Partitions.labels(iid.get(0)).length);
        assertThrows(IllegalArgumentException.class, () -> Partitions.byLabel(data, 400, 2, 1));
    }

    /** A data set whose every batch takes a second: a worker that stalls. */
    private static final class Stalling implements LabelledImages {
        private final LabelledImages base;

        Stalling(final LabelledImages base) {
            this.base = Objects.requireNonNull(base);
        }

        @Override
        public int count() {
            return base.count();
        }

        @Override
        public int[] imageShape() {
            return base.imageShape();
        }

        @Override
        public int label(final int index) {
            return base.label(index);
        }

        @Override
        public void copyBatch(final int from, final int batch, final float[] images, final int[] labels) {
            base.copyBatch(from, batch, images, labels);
        }

        @Override
        public void copyBatch(final int[] indices, final int from, final int batch, final float[] images,
                              final int[] labels) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            base.copyBatch(indices, from, batch, images, labels);
        }
    }
}
