package dev.obscura.federated.fl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.data.LabelledImages;
import dev.obscura.federated.worker.FlatParameters;
import dev.obscura.federated.worker.LocalTraining;
import dev.obscura.federated.worker.LocalWorkers;
import dev.obscura.federated.worker.ModelSpec;
import dev.obscura.federated.worker.LoopbackWorkers;
import dev.obscura.federated.worker.RemoteTensor;
import dev.obscura.federated.worker.RemoteWorkers;
import dev.obscura.federated.worker.Worker;
import dev.obscura.federated.worker.WorkerException;
import dev.obscura.federated.secagg.RoundSetup;
import dev.obscura.nn.engine.PlainTensor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secure aggregation inside federated averaging, on in-process workers (the same bytes as remote ones): the
 * aggregate equals plain weighted averaging to fixed-point precision, workers that die mid-round are recovered or the
 * round fails clearly, and no worker keeps a round's state after it.
 */
final class SecureAggregationTest {
    private static final ModelSpec LINEAR = ModelSpec.builder().flatten().linear(Blobs.SIDE * Blobs.SIDE,
        Blobs.CLASSES).build();
    private static final int LENGTH = 257;

    private static LocalWorkers workers(final int n) {
        final LocalWorkers.Builder b = LocalWorkers.builder().timeout(Duration.ofSeconds(20));
        for (int i = 0; i < n; i++) {
            b.worker("w" + i);
        }
        return b.build();
    }

    /** Random updates (not secret: test data), one per worker. */
    private static float[][] values(final int n, final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final float[][] v = new float[n][LENGTH];
        for (final float[] row : v) {
            for (int i = 0; i < LENGTH; i++) {
                row[i] = (float) (random.nextDouble() * 2 - 1);
            }
        }
        return v;
    }

    private static List<LocalUpdate> updates(final LocalWorkers workers, final float[][] values, final int[] samples) {
        final List<LocalUpdate> out = new ArrayList<>();
        for (int k = 0; k < values.length; k++) {
            final Worker w = workers.all().get(k);
            out.add(new LocalUpdate(w, w.send(new PlainTensor(values[k].clone(), LENGTH)), samples[k], 0));
        }
        return out;
    }

    private static float[] weightedMean(final float[][] values, final int[] samples, final int... skip) {
        final double[] sum = new double[LENGTH];
        long total = 0;
        outer:
        for (int k = 0; k < values.length; k++) {
            for (final int s : skip) {
                if (s == k) {
                    continue outer;
                }
            }
            for (int i = 0; i < LENGTH; i++) {
                sum[i] += (double) samples[k] * values[k][i];
            }
            total += samples[k];
        }
        final float[] mean = new float[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            mean[i] = (float) (sum[i] / total);
        }
        return mean;
    }

    private static void assertNoStateLeft(final LocalWorkers workers, final String... names) throws Exception {
        final long deadline = System.nanoTime() + 10_000_000_000L;
        for (final String name : names) {
            // The end of a round is sent without waiting: give it a moment.
            while (workers.secureAggregationRounds(name) != 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, workers.secureAggregationRounds(name), "round state left at " + name);
        }
    }

    @Test
    void shouldGiveTheWeightedAverageToFixedPointPrecision() throws Exception {
        final float[][] values = values(5, 1);
        final int[] samples = {10, 250, 3, 77, 1000};
        try (LocalWorkers workers = workers(5)) {
            final AggregatedUpdate plain = new WeightedAverage().aggregate(updates(workers, values, samples), LENGTH);
            final AggregatedUpdate secure = new SecureAggregation().aggregate(updates(workers, values, samples),
                LENGTH);
            assertEquals(plain.samples(), secure.samples());
            assertEquals(plain.workers(), secure.workers());
            assertTrue(secure.dropped().isEmpty(), "dropped=" + secure.dropped());
            for (int i = 0; i < LENGTH; i++) {
                // sum_k n_k Δ_k is exact on the grid up to one rounding per worker, 2^-21 each.
                assertEquals(plain.mean()[i], secure.mean()[i], 1e-5f, "element " + i);
            }
            assertNoStateLeft(workers, "w0", "w1", "w2", "w3", "w4");
            for (final Worker w : workers.all()) {
                w.flush();
                assertEquals(0, w.objects().size(), "the update is released at " + w.name());
            }
        }
    }

    @Test
    void shouldRecoverAWorkerThatDiesAfterTheMasksAreFixed() throws Exception {
        final float[][] values = values(4, 2);
        final int[] samples = {5, 6, 7, 8};
        try (LocalWorkers workers = workers(4)) {
            // Killed before its masked input: the survivors' shares remove the masks it shared; 3 >= t = 3 remain.
            final SecureAggregation sa = new SecureAggregation(20, Duration.ofSeconds(10), stage -> {
                if (stage == 2) {
                    workers.kill("w1");
                }
            });
            final AggregatedUpdate r = sa.aggregate(updates(workers, values, samples), LENGTH);
            assertEquals(List.of("w0", "w2", "w3"), r.workers());
            assertEquals(5 + 7 + 8, r.samples());
            assertTrue(r.dropped().containsKey("w1") && r.dropped().get("w1").contains("MaskedInputCollection"),
                "dropped=" + r.dropped());
            final float[] expected = weightedMean(values, samples, 1);
            for (int i = 0; i < LENGTH; i++) {
                assertEquals(expected[i], r.mean()[i], 1e-5f, "element " + i);
            }
            assertNoStateLeft(workers, "w0", "w2", "w3");
        }
    }

    @Test
    void shouldKeepTheUpdateOfAWorkerThatDiesDuringUnmasking() throws Exception {
        final float[][] values = values(4, 3);
        final int[] samples = {1, 2, 3, 4};
        try (LocalWorkers workers = workers(4)) {
            final SecureAggregation sa = new SecureAggregation(20, Duration.ofSeconds(10), stage -> {
                if (stage == 3) {
                    workers.kill("w3");
                }
            });
            final AggregatedUpdate r = sa.aggregate(updates(workers, values, samples), LENGTH);
            assertEquals(List.of("w0", "w1", "w2", "w3"), r.workers());
            final float[] expected = weightedMean(values, samples);
            for (int i = 0; i < LENGTH; i++) {
                assertEquals(expected[i], r.mean()[i], 1e-5f, "element " + i);
            }
        }
    }

    @Test
    void shouldFailClearlyWhenFewerThanTheThresholdRemain() throws Exception {
        final float[][] values = values(4, 4);
        try (LocalWorkers workers = workers(4)) {
            final SecureAggregation sa = new SecureAggregation(20, Duration.ofSeconds(10), stage -> {
                if (stage == 2) {
                    workers.kill("w0");
                    workers.kill("w2");
                }
            });
            final IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> sa.aggregate(updates(workers, values, new int[] {1, 1, 1, 1}), LENGTH));
            assertTrue(e.getMessage().contains("failed at stage MaskedInputCollection"), e.getMessage());
            assertTrue(e.getMessage().contains("w0") && e.getMessage().contains("w2"), e.getMessage());
            assertNoStateLeft(workers, "w1", "w3");
        }
    }

    @Test
    void shouldGiveTheWeightedAverageByAdditiveSharingAmongAggregatorWorkers() throws Exception {
        final float[][] values = values(3, 12);
        final int[] samples = {30, 1, 9};
        try (LocalWorkers workers = workers(5)) {
            final AdditiveAggregation additive = new AdditiveAggregation(List.of(workers.get("w3"),
                workers.get("w4")));
            final AggregatedUpdate r = additive.aggregate(updates(workers, values, samples), LENGTH);
            final float[] expected = weightedMean(values, samples);
            for (int i = 0; i < LENGTH; i++) {
                assertEquals(expected[i], r.mean()[i], 1e-5f, "element " + i);
            }
            assertEquals(List.of("w0", "w1", "w2"), r.workers());
            assertEquals(40, r.samples());
            assertNoStateLeft(workers, "w0", "w1", "w2", "w3", "w4");
            for (final Worker w : workers.all()) {
                w.flush();
                assertEquals(0, w.objects().size(), "nothing is left at " + w.name());
            }
            // A client that is gone before it shares is left out; the rest are summed.
            final List<LocalUpdate> second = updates(workers, values, samples);
            workers.kill("w1");
            final AggregatedUpdate without = additive.aggregate(second, LENGTH);
            assertEquals(List.of("w0", "w2"), without.workers());
            assertTrue(without.dropped().containsKey("w1"), "dropped=" + without.dropped());
            final float[] expected2 = weightedMean(values, samples, 1);
            for (int i = 0; i < LENGTH; i++) {
                assertEquals(expected2[i], without.mean()[i], 1e-5f, "element " + i);
            }
            // Every aggregator must answer.
            final List<LocalUpdate> third = List.of(workers.get("w0").send(new PlainTensor(values[0].clone(), LENGTH)),
                workers.get("w2").send(new PlainTensor(values[2].clone(), LENGTH))).stream()
                .map(t -> new LocalUpdate(t.worker(), t, 1, 0)).toList();
            workers.kill("w4");
            final IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> additive.aggregate(third, LENGTH));
            assertTrue(e.getMessage().contains("aggregator w4"), e.getMessage());
        }
    }

    @Test
    void shouldRefuseFewerThanTwoUpdates() {
        try (LocalWorkers workers = workers(1)) {
            final IllegalStateException e = assertThrows(IllegalStateException.class, () -> new SecureAggregation()
                .aggregate(updates(workers, values(1, 5), new int[] {3}), LENGTH));
            assertTrue(e.getMessage().contains("needs 2 to"), e.getMessage());
        }
    }

    @Test
    void shouldDropTheRoundStateAtTheWorkerAtItsTimeOut() throws Exception {
        try (LocalWorkers workers = workers(2)) {
            final Worker w = workers.get("w0");
            final RemoteTensor t = w.send(new PlainTensor(new float[LENGTH], LENGTH));
            final RoundSetup setup = RoundSetup.create(new int[] {0, 1}, 2, LENGTH);
            final byte[] advertise = t.beginSecureAggregation(setup, 0, 1, 0, 16, Duration.ofMillis(200));
            assertTrue(advertise.length > 0);
            assertFalse(t.isLive(), "the update became the round's input");
            assertEquals(1, workers.secureAggregationRounds("w0"));
            final long deadline = System.nanoTime() + 10_000_000_000L;
            while (workers.secureAggregationRounds("w0") != 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, workers.secureAggregationRounds("w0"));
            final WorkerException e = assertThrows(WorkerException.class,
                () -> w.secureAggregationStep(setup.roundId(), setup.encode()));
            assertTrue(e.getMessage().contains("runs no secure aggregation round"), e.getMessage());
        }
    }

    @Test
    void shouldRunAcrossRemoteWorkersOverMutualTls(@TempDir final Path dir) {
        final float[][] values = values(3, 9);
        final int[] samples = {4, 5, 6};
        try (LoopbackWorkers servers = LoopbackWorkers.start(dir, "a", "b", "c");
             RemoteWorkers remote = servers.connect()) {
            final List<LocalUpdate> updates = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                final Worker w = remote.all().get(k);
                updates.add(new LocalUpdate(w, w.send(new PlainTensor(values[k].clone(), LENGTH)), samples[k], 0));
            }
            final AggregatedUpdate r = new SecureAggregation().aggregate(updates, LENGTH);
            final float[] expected = weightedMean(values, samples);
            for (int i = 0; i < LENGTH; i++) {
                assertEquals(expected[i], r.mean()[i], 1e-5f, "element " + i);
            }
            assertEquals(List.of("a", "b", "c"), r.workers());
        }
    }

    @Test
    void shouldRefuseMalformedSecureAggregationRequests() {
        try (LocalWorkers workers = workers(2)) {
            final Worker w = workers.get("w0");
            final RoundSetup setup = RoundSetup.create(new int[] {0, 1}, 2, LENGTH);
            final RemoteTensor short_ = w.send(new PlainTensor(new float[3], 3));
            final WorkerException length = assertThrows(WorkerException.class,
                () -> short_.beginSecureAggregation(setup, 0, 1, 0, 16, Duration.ofSeconds(5)));
            assertTrue(length.getMessage().contains("has 3 values"), length.getMessage());
            final RemoteTensor t = w.send(new PlainTensor(new float[LENGTH], LENGTH));
            final WorkerException weight = assertThrows(WorkerException.class,
                () -> t.beginSecureAggregation(setup, 0, -1, 0, 16, Duration.ofSeconds(5)));
            assertTrue(weight.getMessage().contains("weight must be"), weight.getMessage());
            final RemoteTensor u = w.send(new PlainTensor(new float[LENGTH], LENGTH));
            final WorkerException invited = assertThrows(WorkerException.class,
                () -> u.beginSecureAggregation(setup, 7, 1, 0, 16, Duration.ofSeconds(5)));
            assertTrue(invited.getMessage().contains("not invited"), invited.getMessage());
            final WorkerException garbage = assertThrows(WorkerException.class,
                () -> w.secureAggregationStep(setup.roundId(), new byte[] {1, 2, 3}));
            assertTrue(garbage.getMessage().contains("runs no secure aggregation round"), garbage.getMessage());
            assertEquals(0, workers.secureAggregationRounds("w0"));
            // The worker goes on.
            assertEquals(3, w.send(new PlainTensor(new float[] {1, 2, 3}, 3)).get().data().length);
        }
    }

    @Test
    void shouldTrainTheSameModelAsPlainAveraging() {
        final LabelledImages data = Blobs.of(120, 11);
        final LocalTraining training = new LocalTraining(1, 10, 0.1f, 0f, 0f, 3);
        final float[][] models = new float[2][];
        for (int run = 0; run < 2; run++) {
            try (LocalWorkers workers = workers(3)) {
                final List<Client> clients = new ArrayList<>();
                final List<LabelledImages> parts = Partitions.iid(data, 3, 5);
                for (int k = 0; k < 3; k++) {
                    final Worker w = workers.all().get(k);
                    clients.add(new Client(w, w.send(parts.get(k))));
                }
                final FederatedResult result = FederatedAveraging.builder().model(LINEAR).initSeed(2).rounds(2)
                    .localTraining(training).aggregation(run == 0 ? new WeightedAverage() : new SecureAggregation())
                    .build().run(clients);
                models[run] = FlatParameters.of(result.model());
                assertEquals(List.of("w0", "w1", "w2"), result.rounds().get(1).aggregated());
            }
        }
        for (int i = 0; i < models[0].length; i++) {
            assertEquals(models[0][i], models[1][i], 1e-4f, "parameter " + i);
        }
    }
}
