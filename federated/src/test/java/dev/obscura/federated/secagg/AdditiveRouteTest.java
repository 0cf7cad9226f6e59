package dev.obscura.federated.secagg;

import static dev.obscura.federated.secagg.SecAggRefusalTest.refused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.federated.secagg.SecAggException.Reason;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Secure aggregation by additive sharing among k aggregators: exact sums, dropouts, refusals. */
class AdditiveRouteTest {

    @ParameterizedTest(name = "k={0}, n={1}, m={2}")
    @CsvSource({"2, 3, 9", "2, 10, 1", "3, 4, 17", "4, 7, 8", "3, 100, 12"})
    void shouldGiveTheExactSum(final int k, final int n, final int m) {
        final Map<Integer, long[]> updates = Updates.fixedPoint(n, m, 31L * n + k);
        final AdditiveDriver round = new AdditiveDriver(k, 2, updates);
        try (AggregationResult z = round.runAll()) {
            final int[] everyone = round.setup.clients();
            assertArrayEquals(everyone, z.contributors());
            assertArrayEquals(sum(updates, everyone), z.sum().toArray());
        }
        // Each client sent one explicit share and k - 1 seeds; the explicit ones spread over the aggregators.
        final long explicit = round.shares.values().stream().flatMap(java.util.List::stream)
            .filter(AdditiveShare::explicit).count();
        assertEquals(n, explicit);
    }

    @Test
    void shouldSumAnyRingElementsModulo2To64() {
        final Map<Integer, long[]> updates = Updates.ring(6, 13, 3);
        try (AggregationResult z = new AdditiveDriver(3, 6, updates).runAll()) {
            assertArrayEquals(sum(updates, z.contributors()), z.sum().toArray());
        }
    }

    @Test
    void shouldLeaveOutClientsThatDidNotReachEveryAggregator() {
        final Map<Integer, long[]> updates = Updates.fixedPoint(6, 5, 8);
        final AdditiveDriver round = new AdditiveDriver(3, 3, updates);
        final int[] ids = round.setup.clients();
        round.dropped.add(ids[0]);
        round.partial.add(ids[4]);
        try (AggregationResult z = round.runAll()) {
            final int[] expected = {ids[1], ids[2], ids[3], ids[5]};
            assertArrayEquals(expected, z.contributors());
            assertArrayEquals(sum(updates, expected), z.sum().toArray());
        }
    }

    @Test
    void shouldFailWithTooFewClientsOrAMissingAggregator() {
        final Map<Integer, long[]> updates = Updates.fixedPoint(4, 3, 8);
        final AdditiveDriver few = new AdditiveDriver(2, 3, updates);
        final int[] ids = few.setup.clients();
        few.dropped.add(ids[0]);
        few.partial.add(ids[1]);
        few.sendShares();
        for (final AdditiveAggregator a : few.aggregators) {
            few.combiner.receive(a.index(), a.report());
        }
        refused(Reason.TOO_FEW_CLIENTS, "clients remaining=2, threshold t=3", few.combiner::finishReports);

        final AdditiveDriver missing = new AdditiveDriver(3, 2, updates);
        missing.sendShares();
        missing.combiner.receive(0, missing.aggregators.get(0).report());
        missing.combiner.receive(2, missing.aggregators.get(2).report());
        refused(Reason.TOO_FEW_AGGREGATORS, "answered=2, aggregators=3", missing.combiner::finishReports);
        // Nothing lost: the late report completes the round.
        missing.combiner.receive(1, missing.aggregators.get(1).report());
        final ContributorSet set = missing.combiner.finishReports();
        for (final AdditiveAggregator a : missing.aggregators) {
            missing.combiner.receive(a.index(), a.sum(set));
        }
        try (AggregationResult z = missing.combiner.finishSums()) {
            assertArrayEquals(sum(updates, missing.setup.clients()), z.sum().toArray());
        }
    }

    @Test
    void shouldRefuseReplayedForgedMisaddressedAndStaleShares() {
        final Map<Integer, long[]> updates = Updates.fixedPoint(3, 4, 5);
        final AdditiveDriver round = new AdditiveDriver(2, 2, updates);
        final int[] ids = round.setup.clients();
        round.sendShares();
        final AdditiveShare toZero = round.shares.get(ids[1]).get(0);
        final AdditiveAggregator zero = round.aggregators.get(0);
        refused(Reason.REPLAYED, "sender=" + ids[1], () -> zero.receive(ids[1], toZero));
        refused(Reason.FORGED_SENDER, "sender=" + ids[1] + ", peer=" + ids[2], () -> zero.receive(ids[2], toZero));
        refused(Reason.WRONG_RECIPIENT, "share aggregator=1, aggregator=0",
            () -> zero.receive(ids[1], round.shares.get(ids[1]).get(1)));
        refused(Reason.UNKNOWN_PARTY, "sender=42", () -> zero.receive(42, AdditiveShare.ofSeed(round.setup.roundId(),
            42, 0, dev.obscura.random.Seed.random())));
        final AdditiveDriver other = new AdditiveDriver(2, 2, updates);
        other.sendShares();
        refused(Reason.WRONG_ROUND, "type=ADDITIVE_SHARE", () -> zero.receive(ids[1], other.shares.get(ids[1]).get(0)));
        // A seed where the values belong, and values of the wrong length (at a round that has no share of ids[0]).
        final int explicitAt = other.setup.explicitAggregator(ids[0]);
        final AdditiveAggregator fresh = new AdditiveAggregator(other.setup, explicitAt, BonawitzDriver.BACKEND);
        refused(Reason.INCONSISTENT, "explicit=false, expected explicit=true", () -> fresh.receive(ids[0],
            AdditiveShare.ofSeed(other.setup.roundId(), ids[0], explicitAt, dev.obscura.random.Seed.random())));
        refused(Reason.INCONSISTENT, "length=3, vectorLength=4", () -> fresh.receive(ids[0],
            AdditiveShare.ofValues(other.setup.roundId(), ids[0], explicitAt, new long[3])));
        round.exchangeReports();
        refused(Reason.WRONG_STAGE, "after its stage finished", () -> zero.receive(ids[1], toZero));
        try (AggregationResult z = round.combiner.finishSums()) {
            assertArrayEquals(sum(updates, ids), z.sum().toArray());
        }
    }

    @Test
    void shouldRefuseASumOverAnotherContributorSet() {
        final AdditiveDriver round = new AdditiveDriver(2, 2, Updates.fixedPoint(3, 4, 6));
        final int[] ids = round.setup.clients();
        round.sendShares();
        for (final AdditiveAggregator a : round.aggregators) {
            round.combiner.receive(a.index(), a.report());
        }
        round.combiner.finishReports();
        final AggregatorSum narrower = round.aggregators.get(0).sum(new ContributorSet(round.setup.roundId(),
            Arrays.copyOf(ids, 2)));
        refused(Reason.INCONSISTENT, "aggregator sum over another contributor set", () -> round.combiner.receive(0,
            narrower));
        refused(Reason.INCONSISTENT, "holds no share of", () -> round.aggregators.get(1).sum(
            new ContributorSet(round.setup.roundId(), new int[] {ids[0], 77})));
        assertTrue(round.aggregators.get(1).toString().contains("phase=REPORTED"));
    }

    private static long[] sum(final Map<Integer, long[]> updates, final int[] contributors) {
        final long[] total = new long[updates.values().iterator().next().length];
        for (final int u : contributors) {
            for (int i = 0; i < total.length; i++) {
                total[i] += updates.get(u)[i];
            }
        }
        return total;
    }
}
