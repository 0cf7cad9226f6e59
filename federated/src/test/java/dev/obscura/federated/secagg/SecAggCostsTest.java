package dev.obscura.federated.secagg;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The byte formulas of {@link SecAggCosts} against the bytes of the messages a round actually sends. */
class SecAggCostsTest {

    @ParameterizedTest(name = "n={0}, m={1}")
    @CsvSource({"3, 1", "5, 7", "12, 100"})
    void shouldSendWhatTheFormulasSayWithoutDropouts(final int n, final int m) {
        try (BonawitzDriver round = new BonawitzDriver(n - 1, Updates.fixedPoint(n, m, n))) {
            round.runAll().close();
            round.clientSent.forEach((id, bytes) -> assertEquals(SecAggCosts.clientSent(n, m), bytes, "client " + id));
            round.clientReceived.forEach((id, bytes) -> assertEquals(SecAggCosts.clientReceived(n), bytes,
                "client " + id));
            assertEquals(SecAggCosts.serverReceived(n, m), round.serverReceived);
            assertEquals(SecAggCosts.serverSent(n), round.serverSent);
            assertEquals(SecAggCosts.roundSetup(n), round.setup.encode().length);
        }
    }

    @Test
    void shouldSendWhatThePerMessageFormulasSayWithDropouts() {
        final int n = 7;
        final int m = 5;
        try (BonawitzDriver round = new BonawitzDriver(4, Updates.fixedPoint(n, m, 1))) {
            final int[] ids = round.setup.clients();
            round.sendAdvertiseKeys();
            round.finishAdvertiseKeys();
            round.drop(ids[6]);                            // n1 = 7, n2 = 6
            round.sendShareKeys();
            round.finishShareKeys();
            round.drop(ids[5]);                            // n3 = 5
            round.sendMaskedInputs();
            round.finishMaskedInputCollection();
            round.drop(ids[4]);                            // 4 answer round 4
            round.sendUnmaskShares();
            round.server.finishUnmasking().close();
            final long survivorSent = SecAggCosts.advertiseKeys() + SecAggCosts.shareKeys(7)
                + SecAggCosts.maskedInput(m) + SecAggCosts.unmaskShares(6, 5);
            final long survivorReceived = SecAggCosts.keyDirectory(7) + SecAggCosts.shareDelivery(6)
                + SecAggCosts.unmaskRequest(5);
            for (int i = 0; i < 4; i++) {
                assertEquals(survivorSent, round.clientSent.get(ids[i]));
                assertEquals(survivorReceived, round.clientReceived.get(ids[i]));
            }
            // A client that drops sends and receives nothing from then on.
            assertEquals(survivorSent - SecAggCosts.unmaskShares(6, 5), round.clientSent.get(ids[4]));
            assertEquals(SecAggCosts.keyDirectory(7) + SecAggCosts.shareDelivery(6), round.clientReceived.get(ids[4]));
            assertEquals(SecAggCosts.advertiseKeys() + SecAggCosts.shareKeys(7), round.clientSent.get(ids[5]));
            assertEquals(SecAggCosts.keyDirectory(7), round.clientReceived.get(ids[5]));
            assertEquals(SecAggCosts.advertiseKeys(), round.clientSent.get(ids[6]));
            assertEquals(0L, round.clientReceived.get(ids[6]));
            assertEquals(round.clientSent.values().stream().mapToLong(Long::longValue).sum(), round.serverReceived);
            assertEquals(round.clientReceived.values().stream().mapToLong(Long::longValue).sum(), round.serverSent);
        }
    }

    @ParameterizedTest(name = "k={0}, n={1}, m={2}")
    @CsvSource({"2, 3, 1", "3, 7, 9", "4, 10, 100"})
    void shouldSendWhatTheAdditiveFormulasSay(final int k, final int n, final int m) {
        final Map<Integer, long[]> updates = Updates.fixedPoint(n, m, 2);
        final AdditiveDriver round = new AdditiveDriver(k, 2, updates);
        round.runAll().close();
        round.clientSent.forEach((id, bytes) -> assertEquals(SecAggCosts.additiveClientSent(k, m), bytes));
        for (int j = 0; j < k; j++) {
            final int aggregator = j;
            final int explicit = (int) Arrays.stream(round.setup.clients())
                .filter(u -> round.setup.explicitAggregator(u) == aggregator).count();
            assertEquals(SecAggCosts.aggregatorReceived(n, explicit, m), round.aggregatorReceived.get(j), "j=" + j);
            assertEquals(SecAggCosts.aggregatorSent(n, m), round.aggregatorSent.get(j), "j=" + j);
        }
        assertEquals(k * SecAggCosts.aggregatorSent(n, m), round.combinerReceived);
        assertEquals(k * SecAggCosts.contributorList(n), round.combinerSent);
        assertEquals(SecAggCosts.additiveRoundSetup(n), round.setup.encode().length);
    }
}
