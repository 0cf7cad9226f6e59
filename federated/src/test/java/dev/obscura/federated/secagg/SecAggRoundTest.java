package dev.obscura.federated.secagg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.federated.secagg.SecAggException.Reason;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bonawitz et al. rounds end to end: the sum is exact, dropouts up to n - t recover, one more fails. */
class SecAggRoundTest {

    @ParameterizedTest(name = "n={0}, t={1}, m={2}")
    @CsvSource({"3, 2, 9", "3, 3, 1", "4, 3, 17", "7, 5, 8", "20, 14, 33", "100, 67, 12"})
    void shouldGiveTheExactFixedPointSum(final int n, final int t, final int m) {
        final Map<Integer, long[]> updates = Updates.fixedPoint(n, m, 1000L * n + m);
        try (BonawitzDriver round = new BonawitzDriver(t, updates); AggregationResult z = round.runAll()) {
            final int[] everyone = round.setup.clients();
            assertArrayEquals(everyone, z.contributors());
            final long[] expected = round.plainSum(everyone);
            assertArrayEquals(expected, z.sum().toArray(), "ring sum");
            // Read as fixed point: exactly the real sum of the encoded values (every partial sum is encodable).
            final double[] decoded = z.decode(Updates.FP);
            for (int i = 0; i < m; i++) {
                BigDecimal exact = BigDecimal.ZERO;
                for (final long[] x : updates.values()) {
                    exact = exact.add(new BigDecimal(Updates.FP.decode(x[i])));
                }
                assertEquals(exact.doubleValue(), decoded[i], 0.0, "element " + i);
            }
        }
    }

    @Test
    void shouldSumAnyRingElementsModulo2To64() {
        final Map<Integer, long[]> updates = Updates.ring(5, 11, 5);
        try (BonawitzDriver round = new BonawitzDriver(3, updates); AggregationResult z = round.runAll()) {
            assertArrayEquals(round.plainSum(round.setup.clients()), z.sum().toArray());
        }
    }

    /** n = 10, t = 7: up to 3 clients may drop at any stage after round 0; a fourth fails the round. */
    @ParameterizedTest(name = "dropped before {0}")
    @CsvSource({"SHARE_KEYS", "MASKED_INPUT_COLLECTION", "UNMASKING"})
    void shouldRecoverUpToNMinusTDropoutsAndFailWithOneMore(final Stage before) {
        final Map<Integer, long[]> updates = Updates.fixedPoint(10, 6, 77);
        final int t = RoundSetup.defaultThreshold(10);
        assertEquals(7, t);
        try (BonawitzDriver round = new BonawitzDriver(t, updates)) {
            final int[] ids = round.setup.clients();
            try (AggregationResult z = runDroppingBefore(round, before, Arrays.copyOf(ids, 3))) {
                // Clients dropped after their masked input are in the sum; those dropped before it are not.
                final int[] expectedContributors = before == Stage.UNMASKING ? ids : Arrays.copyOfRange(ids, 3, 10);
                assertArrayEquals(expectedContributors, z.contributors());
                assertArrayEquals(round.plainSum(expectedContributors), z.sum().toArray());
            }
        }
        try (BonawitzDriver round = new BonawitzDriver(t, updates)) {
            final SecAggException e = assertThrows(SecAggException.class,
                () -> runDroppingBefore(round, before, Arrays.copyOf(round.setup.clients(), 4)).close());
            assertEquals(Reason.TOO_FEW_CLIENTS, e.reason());
            assertTrue(e.getMessage().contains("clients remaining=6, threshold t=7"), e.getMessage());
        }
    }

    @Test
    void shouldRecoverDropoutsSpreadOverTheStages() {
        final Map<Integer, long[]> updates = Updates.fixedPoint(12, 5, 12);
        try (BonawitzDriver round = new BonawitzDriver(8, updates)) {
            final int[] ids = round.setup.clients();
            round.drop(ids[11]);                       // never advertises: not in U1
            round.sendAdvertiseKeys();
            round.finishAdvertiseKeys();
            round.drop(ids[2]);                        // in U1, shares nothing: not in U2
            round.sendShareKeys();
            round.finishShareKeys();
            round.drop(ids[5]);                        // in U2, no masked input: its pairwise masks are removed
            round.sendMaskedInputs();
            round.finishMaskedInputCollection();
            round.drop(ids[0]);                        // in U3, silent at unmasking: its self-mask is reconstructed
            round.sendUnmaskShares();
            try (AggregationResult z = round.server.finishUnmasking()) {
                final int[] contributors = Arrays.stream(ids).filter(u -> u != ids[11] && u != ids[2] && u != ids[5])
                    .toArray();
                assertArrayEquals(contributors, z.contributors());
                assertArrayEquals(round.plainSum(contributors), z.sum().toArray());
                assertEquals(8, round.unmaskShares.size(), "exactly t clients answered the last stage");
            }
        }
    }

    @Test
    void shouldFailTheRoundWhenFewerThanTAdvertise() {
        try (BonawitzDriver round = new BonawitzDriver(4, Updates.fixedPoint(5, 3, 9))) {
            final int[] ids = round.setup.clients();
            round.drop(ids[0], ids[1]);
            round.sendAdvertiseKeys();
            final SecAggException e = assertThrows(SecAggException.class, round::finishAdvertiseKeys);
            assertEquals(Reason.TOO_FEW_CLIENTS, e.reason());
            assertTrue(e.getMessage().contains("stage=ADVERTISE_KEYS, clients remaining=3, threshold t=4"),
                e.getMessage());
            // Nothing is lost: a late client still counts, and the round completes.
            round.dropped.remove(ids[0]);
            round.toServer(ids[0], round.clients.get(ids[0]).advertiseKeys());
            round.finishAdvertiseKeys();
            round.sendShareKeys();
            round.finishShareKeys();
            round.sendMaskedInputs();
            round.finishMaskedInputCollection();
            round.sendUnmaskShares();
            try (AggregationResult z = round.server.finishUnmasking()) {
                assertEquals(4, z.contributorCount());
                assertArrayEquals(round.plainSum(z.contributors()), z.sum().toArray());
            }
        }
    }

    @Test
    void shouldWaitForTheStageItIsInAndNameTheMissingClients() {
        try (BonawitzDriver round = new BonawitzDriver(2, Updates.fixedPoint(3, 2, 3))) {
            final int[] ids = round.setup.clients();
            assertArrayEquals(ids, round.server.awaiting());
            round.drop(ids[1]);
            round.sendAdvertiseKeys();
            assertArrayEquals(new int[] {ids[1]}, round.server.awaiting());
            round.finishAdvertiseKeys();
            assertEquals(Stage.SHARE_KEYS, round.server.stage());
            assertArrayEquals(new int[] {ids[0], ids[2]}, round.server.awaiting());
            assertThrows(IllegalStateException.class, round.server::finishUnmasking);
        }
    }

    private static AggregationResult runDroppingBefore(final BonawitzDriver round, final Stage before,
                                                       final int[] drop) {
        round.sendAdvertiseKeys();
        round.finishAdvertiseKeys();
        if (before == Stage.SHARE_KEYS) {
            round.drop(drop);
        }
        round.sendShareKeys();
        round.finishShareKeys();
        if (before == Stage.MASKED_INPUT_COLLECTION) {
            round.drop(drop);
        }
        round.sendMaskedInputs();
        round.finishMaskedInputCollection();
        if (before == Stage.UNMASKING) {
            round.drop(drop);
        }
        round.sendUnmaskShares();
        return round.server.finishUnmasking();
    }
}
