package dev.obscura.protocols.additive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Backends;
import dev.obscura.protocols.dealer.ComparisonCorrelation;
import dev.obscura.protocols.dealer.ComparisonMaterial;
import dev.obscura.protocols.dealer.Correlation;
import dev.obscura.protocols.dealer.Source;
import dev.obscura.ring.RingTensor;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The comparison material's recipe, run on whole values, and its request encoding. */
class ComparisonCorrelationTest {

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 63, 64, 65, 200})
    void shouldDealConsistentWholeValues(final int n) {
        final int w = ComparisonCorrelation.words(n);
        try (ComparisonMaterial m = new ComparisonCorrelation(n, true).generate(new WholeSource(n))) {
            assertTrue(m.notR().hasShape(64, w));
            assertTrue(m.pairs().hasShape(ComparisonCorrelation.PAIRS, w));
            assertTrue(m.andC().hasShape(ComparisonCorrelation.AND_GATES, w));
            for (int i = 0; i < n; i++) {
                final long t = ~m.r().get(i);
                for (int j = 0; j < 64; j++) {
                    assertEquals((t >>> j) & 1, bit(m.notR(), j, w, i), "plane=" + j + ", i=" + i);
                }
                for (int j = 0; j < ComparisonCorrelation.PAIRS; j++) {
                    assertEquals((t >>> 2 * j) & (t >>> 2 * j + 1) & 1, bit(m.pairs(), j, w, i), "pair=" + j);
                }
                final long rb = bit(m.bit(), 0, w, i);
                assertEquals(rb, m.bitArith().get(i));
                assertEquals(m.r().get(i) * rb, m.maskTimesBit().get(i));
            }
            for (int k = 0; k < m.andC().numel(); k++) {
                assertEquals(m.andA().get(k) & m.andB().get(k), m.andC().get(k));
            }
        }
    }

    @Test
    void shouldLeaveOutTheSelectTermForTheSignAlone() {
        try (ComparisonMaterial m = new ComparisonCorrelation(10, false).generate(new WholeSource(10))) {
            assertNull(m.maskTimesBit());
        }
    }

    @Test
    void shouldRoundTripTheRequestAndRejectBadOnes() {
        for (final boolean select : new boolean[] {false, true}) {
            final ComparisonCorrelation c = new ComparisonCorrelation(1234, select);
            final Correlation<?> back = AdditiveSuite.CORRELATIONS.decode(AdditiveSuite.CORRELATIONS.encode(c));
            assertTrue(Correlation.same(c, back));
            assertEquals(c, back);
        }
        assertThrows(IllegalArgumentException.class, () -> new ComparisonCorrelation(0, false));
    }

    @Test
    void shouldCountDealerBytesAnalytically() {
        assertEquals(27L * 64, new ComparisonCorrelation(64, false).dealerBytes());
        assertEquals(35L * 64, new ComparisonCorrelation(64, true).dealerBytes());
        assertEquals(1216L * 2 + 16 * 65, new ComparisonCorrelation(65, true).dealerBytes());
    }

    private static long bit(final RingTensor planes, final int row, final int w, final int i) {
        return (planes.get((long) row * w + (i >>> 6)) >>> (i & 63)) & 1;
    }

    /** A dealer-side source without parties: uniform values from a seeded generator, dependent ones computed. */
    private static final class WholeSource implements Source {
        private final Backend backend = Backends.defaultBackend();
        private final SplittableRandom rnd;

        WholeSource(final long seed) {
            this.rnd = new SplittableRandom(seed);
        }

        @Override
        public Backend backend() {
            return backend;
        }

        @Override
        public boolean isDealer() {
            return true;
        }

        @Override
        public RingTensor uniform(final Sharing sharing, final int... shape) {
            final RingTensor t = RingTensor.zeros(shape);
            for (long i = 0; i < t.numel(); i++) {
                t.set(i, rnd.nextLong());
            }
            return t;
        }

        @Override
        public RingTensor dependent(final Sharing sharing, final int[] shape,
                                    final Function<Backend, RingTensor> wholeValue) {
            final RingTensor t = wholeValue.apply(backend);
            assertTrue(t.hasShape(shape));
            return t;
        }
    }
}
