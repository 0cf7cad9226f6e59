package dev.obscura.federated.secagg;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.random.Seed;
import dev.obscura.ring.RingTensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The server's view of one update is uniform: over many rounds with the same update {@code x_u}, the masked input
 * {@code y_u} the server receives, and even {@code y_u - PRG(b_u)} once the server has reconstructed u's self-mask, are
 * indistinguishable from uniform elements of Z_2^64 (chi-square on each byte position, Kolmogorov-Smirnov on the
 * value).
 * The updates are fixed by the test's seed; every mask comes from the protocol's {@code SecureRandom} keys, so each run
 * draws new masks and the bounds are set at p = 1e-6 per statistic.
 */
class SecAggUniformityTest {
    private static final int ROUNDS = 200;
    private static final int M = 64;

    @Test
    void shouldShowTheServerUniformMaskedInputs() {
        final Map<Integer, long[]> updates = Updates.fixedPoint(3, M, 2024);
        final int u = updates.keySet().iterator().next();
        final long[] masked = new long[ROUNDS * M];
        final long[] withoutSelfMask = new long[ROUNDS * M];
        for (int r = 0; r < ROUNDS; r++) {
            try (BonawitzDriver round = new BonawitzDriver(2, updates); AggregationResult z = round.runAll()) {
                final long[] y = round.maskedInputs.get(u).values();
                System.arraycopy(y, 0, masked, r * M, M);
                System.arraycopy(minusSelfMask(round, u, y), 0, withoutSelfMask, r * M, M);
            }
        }
        assertUniform("y_u", masked);
        assertUniform("y_u - PRG(b_u)", withoutSelfMask);
    }

    @Test
    void shouldShowEachAggregatorAUniformShare() {
        final Map<Integer, long[]> updates = Updates.fixedPoint(2, M, 7);
        final AdditiveRoundSetup setup = AdditiveRoundSetup.create(new int[] {0, 3}, 3, 2, M);
        final long[] explicit = new long[ROUNDS * M];
        for (int r = 0; r < ROUNDS; r++) {
            try (RingTensor x = RingTensor.of(updates.get(0), M)) {
                final List<AdditiveShare> shares = AdditiveSharer.share(setup, 0, x, BonawitzDriver.BACKEND);
                System.arraycopy(shares.get(setup.explicitAggregator(0)).valuesView(), 0, explicit, r * M, M);
            }
        }
        assertUniform("explicit additive share", explicit);
    }

    @Test
    void shouldDetectAnUpdateOrAWeakMaskWithTheSameStatistics() {
        // The statistics have power: the update itself, repeated, and a mask that leaves the top 16 bits clear fail.
        final long[] plain = new long[ROUNDS * M];
        final long[] weak = new long[ROUNDS * M];
        final long[] update = Updates.fixedPoint(3, M, 2024).values().iterator().next();
        try (RingTensor mask = dev.obscura.random.Prg.fresh(BonawitzDriver.BACKEND).next(ROUNDS * M)) {
            for (int i = 0; i < plain.length; i++) {
                plain[i] = update[i % M];
                weak[i] = update[i % M] + (mask.get(i) >>> 16);
            }
        }
        assertTrue(Uniformity.worstByteChiSquare(plain) > Uniformity.CHI_SQUARE_255_P_1E6);
        assertTrue(Uniformity.worstByteChiSquare(weak) > Uniformity.CHI_SQUARE_255_P_1E6);
        assertTrue(Uniformity.kolmogorovSmirnov(weak) > Uniformity.kolmogorovSmirnovCritical(weak.length));
    }

    private static void assertUniform(final String what, final long[] values) {
        for (int position = 0; position < Long.BYTES; position++) {
            final double chi = Uniformity.chiSquare(Uniformity.byteCounts(values, position));
            assertTrue(chi < Uniformity.CHI_SQUARE_255_P_1E6, what + ": chi-square of byte " + position + " = " + chi
                + " above " + Uniformity.CHI_SQUARE_255_P_1E6 + " (p = 1e-6, 255 degrees of freedom)");
        }
        final double d = Uniformity.kolmogorovSmirnov(values);
        final double critical = Uniformity.kolmogorovSmirnovCritical(values.length);
        assertTrue(d < critical, what + ": Kolmogorov-Smirnov distance " + d + " above " + critical + " (p = 1e-6)");
    }

    /** What the server can compute after round 4: {@code y_u - PRG(b_u)}, b_u reconstructed from t revealed shares. */
    private static long[] minusSelfMask(final BonawitzDriver round, final int u, final long[] y) {
        final int t = round.setup.threshold();
        final int[] responders = Arrays.copyOf(round.unmaskShares.keySet().stream().mapToInt(i -> i).toArray(), t);
        final int[] points = Arrays.stream(responders).map(round.setup::evaluationPoint).toArray();
        final byte[][] shares = Arrays.stream(responders)
            .mapToObj(v -> round.unmaskShares.get(v).selfMaskSeedShares().get(u)).toArray(byte[][]::new);
        final Seed b = Seed.fromBytes(ShamirGf256.combine(ShamirGf256.lagrangeAtZero(points), shares));
        try (RingTensor acc = RingTensor.of(y, M); RingTensor scratch = RingTensor.zeros(M)) {
            Masks.add(BonawitzDriver.BACKEND, acc, b, -1, scratch);
            return acc.toArray();
        }
    }
}
