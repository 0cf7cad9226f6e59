package dev.obscura.federated.fl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.federated.worker.LocalTraining;
import dev.obscura.federated.worker.LocalWorkers;
import dev.obscura.federated.worker.ModelSpec;
import dev.obscura.federated.worker.RemoteTensor;
import dev.obscura.federated.worker.Worker;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.privacy.RdpAccountant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * DP-FedAvg (McMahan et al., ICLR 2018): clipping at the worker bounds every update, the noise on the sum has the
 * calibrated scale, and the privacy reported is the accountant's, with plain and with secure aggregation.
 */
final class DpFedAvgTest {
    private static final ModelSpec LINEAR = ModelSpec.builder().flatten().linear(Blobs.SIDE * Blobs.SIDE,
        Blobs.CLASSES).build();

    private static LocalWorkers workers(final int n) {
        final LocalWorkers.Builder b = LocalWorkers.builder().timeout(Duration.ofSeconds(20));
        for (int i = 0; i < n; i++) {
            b.worker("w" + i);
        }
        return b.build();
    }

    private static double norm(final float[] x) {
        double s = 0;
        for (final float v : x) {
            s += (double) v * v;
        }
        return Math.sqrt(s);
    }

    private static float[] random(final int length, final double scale, final long seed) {
        final SplittableRandom r = new SplittableRandom(seed);
        final float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return x;
    }

    private static List<LocalUpdate> updates(final LocalWorkers workers, final float[][] values) {
        final List<LocalUpdate> out = new ArrayList<>();
        for (int k = 0; k < values.length; k++) {
            final Worker w = workers.all().get(k);
            out.add(new LocalUpdate(w, w.send(new PlainTensor(values[k].clone(), values[k].length)), 100 + k, 0));
        }
        return out;
    }

    @Test
    void shouldClipEachUpdateAtItsWorker() {
        try (LocalWorkers workers = workers(1)) {
            final Worker w = workers.get("w0");
            final float[] big = random(1000, 1, 1);
            final float[] small = random(1000, 0.001, 2);
            try (RemoteTensor b = w.send(new PlainTensor(big, 1000));
                 RemoteTensor s = w.send(new PlainTensor(small, 1000))) {
                final float[] clipped = b.clipNorm(0.5).get().data();
                assertEquals(0.5, norm(clipped), 1e-5);
                // Clipping only scales: the direction stays.
                final double ratio = clipped[7] / big[7];
                for (int i = 0; i < big.length; i++) {
                    assertEquals(ratio * big[i], clipped[i], 1e-6);
                }
                final float[] unchanged = s.clipNorm(0.5).get().data();
                for (int i = 0; i < small.length; i++) {
                    assertEquals(small[i], unchanged[i], 0f);
                }
                assertThrows(IllegalArgumentException.class, () -> b.clipNorm(0));
                assertTrue(b.isLive(), "the update itself stays");
            }
        }
    }

    @Test
    void shouldBoundEachUpdateInTheAggregateByTheClipNorm() {
        // Noise far below the grid's resolution of the test: the mean is the clipped sum over m.
        final int length = 300;
        final float[][] values = {random(length, 10, 3), random(length, 10, 4), random(length, 0.001, 5)};
        for (final String secure : new String[] {"plain", "pairwise", "additive"}) {
            try (LocalWorkers workers = workers(5)) {
                final DpFedAvg.Builder b = DpFedAvg.builder().clipNorm(1).noiseMultiplier(1e-4).delta(1e-5)
                    .workers(3, 3);
                final DpFedAvg dp = (switch (secure) {
                    case "pairwise" -> b.secure(new SecureAggregation());
                    case "additive" -> b.secure(new AdditiveAggregation(List.of(workers.get("w3"),
                        workers.get("w4"))));
                    default -> b;
                }).build();
                final AggregatedUpdate r = dp.aggregate(updates(workers, values), length);
                final double[] expected = new double[length];
                for (final float[] v : values) {
                    final double f = Math.min(1, 1 / norm(v));
                    for (int i = 0; i < length; i++) {
                        expected[i] += v[i] * f / 3;
                    }
                }
                for (int i = 0; i < length; i++) {
                    assertEquals(expected[i], r.mean()[i], 2e-3, "element " + i + ", secure=" + secure);
                }
                assertTrue(norm(r.mean()) <= 1.0 + 1e-3, "norm=" + norm(r.mean()));
                assertNotNull(r.privacy());
                assertEquals(List.of("w0", "w1", "w2"), r.workers());
            }
        }
    }

    @Test
    void shouldAddNoiseOfTheCalibratedScale() {
        // Zero updates: the mean times m is the noise alone; its spread must be sigma * C per coordinate.
        final int length = 20_000;
        final double sigma = 1.5;
        final double clip = 0.4;
        for (final String secure : new String[] {"plain", "pairwise", "additive"}) {
            try (LocalWorkers workers = workers(4)) {
                final DpFedAvg.Builder b = DpFedAvg.builder().clipNorm(clip).noiseMultiplier(sigma).delta(1e-5)
                    .workers(4, 2);
                final DpFedAvg dp = (switch (secure) {
                    case "pairwise" -> b.secure(new SecureAggregation());
                    case "additive" -> b.secure(new AdditiveAggregation(List.of(workers.get("w2"),
                        workers.get("w3"))));
                    default -> b;
                }).build();
                final AggregatedUpdate r = dp.aggregate(updates(workers, new float[][] {new float[length],
                    new float[length]}), length);
                double sum = 0;
                double squares = 0;
                for (final float v : r.mean()) {
                    final double x = v * 2.0;
                    sum += x;
                    squares += x * x;
                }
                final double mean = sum / length;
                final double std = Math.sqrt(squares / length - mean * mean);
                // The standard error of a sample deviation is std / sqrt(2n), 0.5 % here: 4 % is far outside.
                assertEquals(sigma * clip, std, 0.04 * sigma * clip, "secure=" + secure);
                assertEquals(0, mean, 4 * sigma * clip / Math.sqrt(length), "secure=" + secure);
                assertTrue(dp.noiseStdDev() >= sigma * clip && dp.noiseStdDev() < sigma * clip * 1.001);
            }
        }
    }

    @Test
    void shouldAddTheNoiseInsideTheAdditiveSumSoThatTheCombinerNeverSeesTheSumWithoutIt() {
        // Zero updates: the plain sum is exactly zero; the noised sum, as the combiner receives it, is noise of sigma
        // C per coordinate, added by aggregator 0 to its share before it left.
        final int length = 20_000;
        final double sigma = 2;
        final double clip = 0.25;
        try (LocalWorkers workers = workers(5)) {
            final AdditiveAggregation additive = new AdditiveAggregation(List.of(workers.get("w2"),
                workers.get("w3"), workers.get("w4")));
            assertTrue(additive.addsNoise());
            final FixedPointSum clean = additive.sum(updates(workers, new float[][] {new float[length],
                new float[length]}), length, clip);
            assertTrue(java.util.Arrays.stream(clean.sum()).allMatch(v -> v == 0), "the sum of zeros is zero");
            final FixedPointSum noised = additive.noisedSum(updates(workers, new float[][] {new float[length],
                new float[length]}), length, clip, sigma);
            double squares = 0;
            for (final long v : noised.sum()) {
                final double x = noised.encoding().decode(v);
                squares += x * x;
            }
            assertEquals(sigma * clip, Math.sqrt(squares / length), 0.04 * sigma * clip);
            assertEquals(List.of("w0", "w1"), noised.workers());
            assertThrows(IllegalArgumentException.class, () -> additive.noisedSum(updates(workers, new float[][] {
                new float[4], new float[4]}), 4, clip, 0));
            assertThrows(UnsupportedOperationException.class, () -> new SecureAggregation().noisedSum(List.of(), 4,
                clip, sigma), "pairwise masking leaves the noise to the coordinator");
        }
    }

    @Test
    void shouldReportThePrivacyOfTheAccountantAfterEachRound() {
        final int rounds = 3;
        final double q = 0.5;
        final double sigma = DpFedAvg.noiseMultiplierFor(4, 1e-5, q, rounds);
        final DpFedAvg dp = DpFedAvg.builder().clipNorm(0.5).noiseMultiplier(sigma).delta(1e-5).workers(6, 3).build();
        assertEquals(0, dp.spent().epsilon(), 0);
        final FederatedResult result;
        try (LocalWorkers workers = workers(6)) {
            final List<Client> clients = new ArrayList<>();
            final var parts = Partitions.iid(Blobs.of(300, 8), 6, 1);
            for (int k = 0; k < 6; k++) {
                final Worker w = workers.all().get(k);
                clients.add(new Client(w, w.send(parts.get(k))));
            }
            result = FederatedAveraging.builder().model(LINEAR).rounds(rounds).fraction(q)
                .localTraining(new LocalTraining(1, 10, 0.1f, 0f, 0f, 1)).aggregation(dp).build().run(clients);
        }
        for (int t = 1; t <= rounds; t++) {
            final RdpAccountant direct = new RdpAccountant();
            direct.steps(sigma, q, t);
            final RoundReport r = result.rounds().get(t - 1);
            assertNotNull(r.privacy(), "round " + t);
            assertEquals(direct.epsilon(1e-5), r.privacy().epsilon(), 1e-12, "round " + t);
            assertEquals(1e-5, r.privacy().delta(), 0);
        }
        final double eps = result.rounds().get(rounds - 1).privacy().epsilon();
        assertTrue(eps <= 4 && eps > 3.9, "calibrated epsilon=" + eps);
        assertEquals(eps, dp.spent().epsilon(), 0);
        assertEquals(rounds, dp.rounds());
    }

    @Test
    void shouldRefuseBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> DpFedAvg.builder().clipNorm(-1));
        assertThrows(IllegalArgumentException.class, () -> DpFedAvg.builder().noiseMultiplier(0));
        assertThrows(IllegalArgumentException.class, () -> DpFedAvg.builder().delta(1));
        assertThrows(IllegalArgumentException.class, () -> DpFedAvg.builder().workers(3, 4));
        assertThrows(IllegalArgumentException.class, () -> DpFedAvg.builder().clipNorm(1).build());
        // sigma * C * 2^20 above 2^30 grid units: the grid cannot carry the noise.
        assertThrows(IllegalArgumentException.class, () -> DpFedAvg.builder().clipNorm(100).noiseMultiplier(100)
            .delta(1e-5).workers(2, 2).build());
    }
}
