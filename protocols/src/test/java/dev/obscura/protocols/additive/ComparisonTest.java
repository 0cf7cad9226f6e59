package dev.obscura.protocols.additive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.mpc.Counters;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.protocols.LocalParties;
import dev.obscura.protocols.dealer.ComparisonCorrelation;
import dev.obscura.ring.RingTensor;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The exact comparison of the additive suite against plaintext, for every party count, on edge values and fresh
 * random inputs: exact equality, and the analytic rounds and bytes of {@link Comparison}'s Javadoc.
 */
class ComparisonTest {
    /** A fresh seed per run (printed on failure), so every run sees new random inputs. */
    private static final long SEED = new SplittableRandom().nextLong();

    private static final LongUnaryOperator SIGN = v -> v < 0 ? 1 : 0;
    private static final LongUnaryOperator RELU = v -> v < 0 ? 0 : v;
    private static final LongUnaryOperator NON_NEGATIVE = v -> v >= 0 ? 1 : 0;

    // ------------------------------------------------------------------------------------------- correctness

    @ParameterizedTest(name = "parties={0}")
    @ValueSource(ints = {2, 3, 4})
    void shouldComputeLessThanZeroExactlyOnEdgeAndRandomValues(final int parties) {
        final long[] x = edgeAndRandom(1500, SEED + parties);
        assertArrayEquals(plain(x, SIGN), secure(parties, x, SecureOps::lessThanZero), "seed=" + SEED);
    }

    @ParameterizedTest(name = "parties={0}")
    @ValueSource(ints = {2, 3, 4})
    void shouldComputeReluExactlyOnEdgeAndRandomValues(final int parties) {
        final long[] x = edgeAndRandom(1500, SEED + 10 + parties);
        assertArrayEquals(plain(x, RELU), secure(parties, x, SecureOps::relu), "seed=" + SEED);
    }

    @ParameterizedTest(name = "parties={0}")
    @ValueSource(ints = {2, 3, 4})
    void shouldComputeReluDerivativeExactlyOnEdgeAndRandomValues(final int parties) {
        final long[] x = edgeAndRandom(1500, SEED + 20 + parties);
        assertArrayEquals(plain(x, NON_NEGATIVE), secure(parties, x, SecureOps::reluDerivative), "seed=" + SEED);
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 7, 63, 64, 65, 1023})
    void shouldHandleOddSizes(final int n) {
        final long[] x = edgeAndRandom(n, SEED + 30 + n);
        final List<long[][]> out = LocalParties.builder().parties(3).build().run(ops -> {
            try (SecretTensor s = input(ops, x, n);
                 SecretTensor sign = ops.lessThanZero(s);
                 SecretTensor relu = ops.relu(s);
                 SecretTensor der = ops.reluDerivative(s)) {
                return new long[][] {openLongs(ops, sign), openLongs(ops, relu), openLongs(ops, der)};
            }
        });
        assertArrayEquals(plain(x, SIGN), out.get(0)[0], "seed=" + SEED);
        assertArrayEquals(plain(x, RELU), out.get(0)[1], "seed=" + SEED);
        assertArrayEquals(plain(x, NON_NEGATIVE), out.get(0)[2], "seed=" + SEED);
    }

    @Test
    void shouldComputeReluOnMultiWordPlanes() {
        final int n = 1 << 16;
        final long[] x = edgeAndRandom(n, SEED + 40);
        assertArrayEquals(plain(x, RELU), secure(2, x, SecureOps::relu), "seed=" + SEED);
        assertArrayEquals(plain(x, SIGN), secure(3, x, SecureOps::lessThanZero), "seed=" + SEED);
    }

    @Test
    void shouldKeepTheShapeOfTheInput() {
        final long[] x = edgeAndRandom(3 * 5 * 7, SEED + 50);
        final List<long[]> out = LocalParties.builder().parties(2).build().run(ops -> {
            try (RingTensor values = RingTensor.of(x, 3, 5, 7);
                 SecretTensor s = ops.inputRing(0, ops.session().partyId() == 0 ? values : null, 0, 3, 5, 7);
                 SecretTensor relu = ops.relu(s);
                 SecretTensor sign = ops.lessThanZero(s)) {
                assertArrayEquals(new int[] {3, 5, 7}, relu.shape());
                assertArrayEquals(new int[] {3, 5, 7}, sign.shape());
                assertEquals(0, sign.fracBits());
                return openLongs(ops, relu);
            }
        });
        assertArrayEquals(plain(x, RELU), out.get(1), "seed=" + SEED);
    }

    @ParameterizedTest(name = "parties={0}")
    @ValueSource(ints = {2, 3})
    void shouldComputeFixedPointReluExactly(final int parties) {
        final SplittableRandom rnd = new SplittableRandom(SEED + 60);
        final int n = 777;
        final double[] v = new double[n];
        final double ulp = 1.0 / (1 << 16);
        final double[] edges = {0.0, ulp, -ulp, 1.0, -1.0, 0.5, -0.5, 1e9, -1e9, 3.0e13, -3.0e13};
        System.arraycopy(edges, 0, v, 0, edges.length);
        for (int i = edges.length; i < n; i++) {
            // Multiples of the ulp, so encoding is exact and the expected value is exact too.
            v[i] = (rnd.nextLong(-(1L << 40), 1L << 40)) * ulp;
        }
        final List<double[]> out = LocalParties.builder().parties(parties).build().run(ops -> {
            try (SecretTensor s = ops.input(0, ops.session().partyId() == 0 ? v : null, n);
                 SecretTensor relu = ops.relu(s)) {
                assertEquals(s.fracBits(), relu.fracBits());
                return ops.reveal(relu);
            }
        });
        final double[] expected = Arrays.stream(v).map(d -> Math.max(d, 0.0)).toArray();
        for (int p = 0; p < parties; p++) {
            assertArrayEquals(expected, out.get(p), 0.0, "party=" + p + ", seed=" + SEED);
        }
    }

    // ----------------------------------------------------------------------------------------------- counters

    @ParameterizedTest(name = "parties={0}")
    @ValueSource(ints = {2, 3, 4})
    void shouldSendTheAnalyticRoundsAndBytes(final int parties) {
        final int n = 4096 + 13;
        final int w = ComparisonCorrelation.words(n);
        final long[] x = edgeAndRandom(n, SEED + 70);
        final List<Counters[]> out = LocalParties.builder().parties(parties).build().run(ops -> {
            try (SecretTensor s = input(ops, x, n);
                 SecretTensor relu = ops.relu(s);
                 SecretTensor sign = ops.lessThanZero(s)) {
                return new Counters[] {ops.session().stats().of("relu"), ops.session().stats().of("lessThanZero")};
            }
        });
        // (N - 1)(8n + 8W(2 * 57 + 1)): c, then d and e of 57 AND gates, then the masked bit.
        final long online = (parties - 1) * (8L * n + 8L * w * (2 * ComparisonCorrelation.AND_GATES + 1));
        assertEquals((parties - 1) * (8L * n + 920L * w), online);
        for (int p = 0; p < parties; p++) {
            for (final Counters c : out.get(p)) {
                assertEquals(7, c.rounds(), "party=" + p);
                assertEquals(online, c.bytesSent(), "party=" + p);
            }
        }
        // Dealer traffic: the last party's corrections; party 0 sends the requests.
        final Counters[] last = out.get(parties - 1);
        assertEquals(1216L * w + 16L * n, last[0].dealerBytes());
        assertEquals(new ComparisonCorrelation(n, true).dealerBytes(), last[0].dealerBytes());
        assertEquals(1216L * w + 8L * n, last[1].dealerBytes());
        final long request = AdditiveSuite.CORRELATIONS.encode(new ComparisonCorrelation(n, true)).length;
        assertEquals(request, out.get(0)[0].dealerBytes());
    }

    @Test
    void shouldStayWithinTheReluBudgetOfEightRoundsAndSixtyFourBytesPerElement() {
        final int n = 1 << 14;
        final long[] x = edgeAndRandom(n, SEED + 80);
        final List<Counters> out = LocalParties.builder().parties(2).build().run(ops -> {
            try (SecretTensor s = input(ops, x, n); SecretTensor relu = ops.relu(s)) {
                return ops.session().stats().of("relu");
            }
        });
        for (final Counters c : out) {
            assertTrue(c.rounds() <= 8, "rounds=" + c.rounds());
            final double perElement = (double) c.bytesSent() / n;
            assertTrue(perElement <= 64, "bytesPerElement=" + perElement);
            assertEquals(8 + 920.0 / 64, perElement, 1e-12);
        }
    }

    // ---------------------------------------------------------------------------------------------- timing

    @Test
    void shouldReportReluTimeOnAMillionElements() {
        final int n = 1 << 20;
        final long[] x = edgeAndRandom(n, SEED + 90);
        final List<long[]> out = LocalParties.builder().parties(2).build().run(ops -> {
            try (SecretTensor s = input(ops, x, n)) {
                long best = Long.MAX_VALUE;
                long bestOnline = Long.MAX_VALUE;
                // One warm-up (checked against plaintext) and one timed run: a rough figure; JMH gives the real one.
                for (int rep = 0; rep < 2; rep++) {
                    ops.session().stats().clearOperations();
                    final long start = System.nanoTime();
                    try (SecretTensor relu = ops.relu(s)) {
                        best = Math.min(best, System.nanoTime() - start);
                        bestOnline = Math.min(bestOnline, ops.session().stats().of("relu").onlineNanos());
                        if (rep == 0) {
                            assertArrayEquals(plain(x, RELU), openLongs(ops, relu), "seed=" + SEED);
                        }
                    }
                }
                return new long[] {best, bestOnline};
            }
        });
        System.out.printf("relu 2^20, 2 parties, backend=%s: total %.1f ms, online %.1f ms (second run)%n",
            LocalParties.builder().build().backend().name(), out.get(0)[0] / 1e6, out.get(0)[1] / 1e6);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static long[] secure(final int parties, final long[] x,
                                 final BiFunction<SecureOps, SecretTensor, SecretTensor> op) {
        final List<long[]> out = LocalParties.builder().parties(parties).build().run(ops -> {
            try (SecretTensor s = input(ops, x, x.length); SecretTensor r = op.apply(ops, s)) {
                return openLongs(ops, r);
            }
        });
        for (int p = 1; p < parties; p++) {
            assertArrayEquals(out.get(0), out.get(p), "parties must open the same values, party=" + p);
        }
        return out.get(0);
    }

    private static SecretTensor input(final SecureOps ops, final long[] x, final int n) {
        try (RingTensor values = RingTensor.of(x, n)) {
            return ops.inputRing(0, ops.session().partyId() == 0 ? values : null, 0, n);
        }
    }

    private static long[] openLongs(final SecureOps ops, final SecretTensor s) {
        try (RingTensor opened = ops.open(s)) {
            return opened.toArray();
        }
    }

    private static long[] plain(final long[] x, final LongUnaryOperator f) {
        return Arrays.stream(x).map(f).toArray();
    }

    /**
     * {@code count} values: first the edge cases (0, ring +-1, the extremes, +-2^62 and their neighbours, and
     * +-2^k, 2^k - 1 for every bit length k), then uniform ring values and values of random bit length and sign.
     */
    static long[] edgeAndRandom(final int count, final long seed) {
        final long[] edges = edges();
        final long[] x = new long[count];
        final SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < count; i++) {
            if (i < edges.length) {
                x[i] = edges[i];
            } else if (rnd.nextBoolean()) {
                x[i] = rnd.nextLong();
            } else {
                final int bits = rnd.nextInt(64);
                final long magnitude = bits == 0 ? 0 : rnd.nextLong() >>> (64 - bits);
                x[i] = rnd.nextBoolean() ? magnitude : -magnitude;
            }
        }
        // Shuffle so that the edges also sit at word boundaries and in the padded last word.
        for (int i = count - 1; i > 0; i--) {
            final int j = rnd.nextInt(i + 1);
            final long t = x[i];
            x[i] = x[j];
            x[j] = t;
        }
        return x;
    }

    private static long[] edges() {
        final long[] fixed = {0, 1, -1, 2, -2, Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + 1,
            Long.MAX_VALUE - 1, -(1L << 62), (1L << 62) - 1, 1L << 62, -(1L << 62) - 1, -(1L << 62) + 1};
        final long[] out = new long[fixed.length + 64 * 4];
        System.arraycopy(fixed, 0, out, 0, fixed.length);
        int at = fixed.length;
        for (int k = 0; k < 64; k++) {
            final long p = 1L << k;
            out[at++] = p;
            out[at++] = p - 1;
            out[at++] = -p;
            out[at++] = -p + 1;
        }
        return out;
    }
}
