package dev.obscura.federated.secagg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.federated.secagg.SecAggException.Reason;
import dev.obscura.ring.RingTensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every message a role must refuse, refused with a clear one-line error, and the round still completes with the exact
 * sum afterwards (a refusal changes nothing).
 */
class SecAggRefusalTest {
    private final BonawitzDriver round = new BonawitzDriver(3, Updates.fixedPoint(4, 5, 41));
    private final int[] ids = round.setup.clients();

    @Test
    void shouldRefuseReplayedMessagesAtTheServer() {
        round.sendAdvertiseKeys();
        final AdvertiseKeys advertised = advertiseKeysOf(ids[1]);
        refused(Reason.REPLAYED, "type=ADVERTISE_KEYS, sender=" + ids[1],
            () -> round.server.receive(ids[1], advertised));
        round.finishAdvertiseKeys();
        round.sendShareKeys();
        round.finishShareKeys();
        round.sendMaskedInputs();
        final MaskedInput masked = round.maskedInputs.get(ids[2]);
        refused(Reason.REPLAYED, "type=MASKED_INPUT, sender=" + ids[2], () -> round.server.receive(ids[2], masked));
        // A message of a finished stage is refused too.
        refused(Reason.WRONG_STAGE, "after its stage finished", () -> round.server.receive(ids[1], advertised));
        completesExactly();
    }

    @Test
    void shouldRefuseAMessageFromAnotherRound() {
        try (BonawitzDriver other = new BonawitzDriver(3, round.updates)) {
            other.runAll().close();
            round.sendAdvertiseKeys();
            round.finishAdvertiseKeys();
            round.sendShareKeys();
            round.finishShareKeys();
            // The old round's masked input from the same client, replayed into this round.
            refused(Reason.WRONG_ROUND, "type=MASKED_INPUT", () -> round.server.receive(ids[0],
                other.maskedInputs.get(ids[0])));
            // The old round's request, replayed to a client of this round.
            refused(Reason.WRONG_ROUND, "type=UNMASK_REQUEST", () -> round.clients.get(ids[0]).unmask(other.request));
            completesExactly();
        }
    }

    @Test
    void shouldRefuseAForgedSender() {
        round.sendAdvertiseKeys();
        round.finishAdvertiseKeys();
        round.sendShareKeys();
        round.finishShareKeys();
        // Client ids[3] (authenticated by its channel) sends a masked input in ids[0]'s name.
        final MaskedInput forged = new MaskedInput(round.setup.roundId(), ids[0], new long[round.setup.vectorLength()]);
        refused(Reason.FORGED_SENDER, "sender=" + ids[0] + ", peer=" + ids[3],
            () -> round.server.receive(ids[3], forged));
        // A share claiming to come from ids[1] but made by ids[2] (with its own key to ids[0]) does not authenticate.
        final ShareDelivery delivery = round.deliveries.get(ids[0]);
        final List<EncryptedShare> shares = new ArrayList<>(delivery.shares());
        final EncryptedShare fromTwo = find(shares, ids[2]);
        shares.set(shares.indexOf(find(shares, ids[1])),
            new EncryptedShare(ids[1], ids[0], fromTwo.nonce(), fromTwo.ciphertext()));
        shares.remove(fromTwo);
        refused(Reason.TAMPERED, "sender=" + ids[1], () -> maskedInputOf(ids[0],
            new ShareDelivery(round.setup.roundId(), ids[0], shares)));
        completesExactly();
    }

    @Test
    void shouldRefuseSharesForTheWrongRecipientOrRound() {
        round.sendAdvertiseKeys();
        round.finishAdvertiseKeys();
        round.sendShareKeys();
        round.finishShareKeys();
        // ids[1]'s delivery handed to ids[0].
        refused(Reason.WRONG_RECIPIENT, "recipient=" + ids[1] + ", client=" + ids[0],
            () -> maskedInputOf(ids[0], round.deliveries.get(ids[1])));
        // e_{2,1} re-addressed to ids[0]: the recipient is authenticated, so it does not open.
        final List<EncryptedShare> moved = new ArrayList<>(round.deliveries.get(ids[0]).shares());
        final EncryptedShare forOne = find(round.deliveries.get(ids[1]).shares(), ids[2]);
        moved.set(moved.indexOf(find(moved, ids[2])),
            new EncryptedShare(ids[2], ids[0], forOne.nonce(), forOne.ciphertext()));
        refused(Reason.TAMPERED, "sender=" + ids[2] + ", recipient=" + ids[0],
            () -> maskedInputOf(ids[0], new ShareDelivery(round.setup.roundId(), ids[0], moved)));
        // The right shares under another round's header: refused by the round id.
        final ShareDelivery stale = new ShareDelivery(round.setup.roundId() + 1, ids[0],
            round.deliveries.get(ids[0]).shares());
        refused(Reason.WRONG_ROUND, "type=SHARE_DELIVERY", () -> maskedInputOf(ids[0], stale));
        completesExactly();
    }

    @Test
    void shouldRefuseATamperedCiphertextOrNonce() {
        round.sendAdvertiseKeys();
        round.finishAdvertiseKeys();
        round.sendShareKeys();
        round.finishShareKeys();
        final ShareDelivery delivery = round.deliveries.get(ids[3]);
        for (final boolean nonce : new boolean[] {false, true}) {
            for (final int position : new int[] {0, 17, 47, 63}) {
                final List<EncryptedShare> shares = new ArrayList<>(delivery.shares());
                final EncryptedShare e = shares.get(1);
                final byte[] n = e.nonce();
                final byte[] c = e.ciphertext();
                if (nonce) {
                    n[position % n.length] ^= 0x10;
                } else {
                    c[position] ^= 0x01;
                }
                shares.set(1, new EncryptedShare(e.sender(), e.recipient(), n, c));
                refused(Reason.TAMPERED, "sender=" + e.sender() + ", recipient=" + ids[3],
                    () -> maskedInputOf(ids[3], new ShareDelivery(round.setup.roundId(), ids[3], shares)));
            }
        }
        completesExactly();
    }

    @Test
    void shouldRefuseContentThatContradictsTheRound() {
        round.sendAdvertiseKeys();
        round.finishAdvertiseKeys();
        // Shares for only some of U1.
        final ShareKeys full = round.clients.get(ids[0]).shareKeys(round.toClient(ids[0], round.directory));
        final ShareKeys partial = new ShareKeys(full.roundId(), ids[0], full.shares().subList(0, 2));
        refused(Reason.INCONSISTENT, "must address every other client of U1",
            () -> round.server.receive(ids[0], partial));
        round.server.receive(ids[0], full);
        for (int i = 1; i < ids.length; i++) {
            round.toServer(ids[i], round.clients.get(ids[i]).shareKeys(round.toClient(ids[i], round.directory)));
        }
        round.finishShareKeys();
        // A masked input of the wrong length.
        refused(Reason.INCONSISTENT, "length=2", () -> round.server.receive(ids[0],
            new MaskedInput(round.setup.roundId(), ids[0], new long[2])));
        // ids[3] masks its input, which is lost on the way: the server closes round 2 without it.
        maskedInputOf(ids[3], round.toClient(ids[3], round.deliveries.get(ids[3])));
        round.drop(ids[3]);
        round.sendMaskedInputs();
        round.finishMaskedInputCollection();
        // A request naming a client outside U2, and one that leaves the client out.
        refused(Reason.INCONSISTENT, "U3 must be a subset of U2", () -> round.clients.get(ids[0]).unmask(
            new UnmaskRequest(round.setup.roundId(), new int[] {ids[0], ids[1], ids[2], 999})));
        refused(Reason.UNKNOWN_PARTY, "not in U3", () -> round.clients.get(ids[3]).unmask(round.request));
        // A dropped client's late input, and unmasking shares from a client outside U3.
        refused(Reason.WRONG_STAGE, "after its stage finished", () -> round.server.receive(ids[3],
            new MaskedInput(round.setup.roundId(), ids[3], new long[round.setup.vectorLength()])));
        round.dropped.clear();
        round.sendUnmaskShares();
        // Asked twice, a client refuses: two different requests could otherwise reveal both kinds of share.
        refused(Reason.REPLAYED, "already handled", () -> round.clients.get(ids[0]).unmask(round.request));
        try (AggregationResult z = round.server.finishUnmasking()) {
            assertArrayEquals(round.plainSum(z.contributors()), z.sum().toArray());
        }
    }

    @Test
    void shouldRefuseAKeyDirectoryThatContradictsTheClient() {
        round.sendAdvertiseKeys();
        round.finishAdvertiseKeys();
        final List<AdvertiseKeys> entries = new ArrayList<>(round.directory.entries());
        // The server substitutes ids[0]'s keys in its own directory entry.
        final AdvertiseKeys other = entries.get(1);
        entries.set(0, new AdvertiseKeys(round.setup.roundId(), ids[0], other.encryptionPublicKey(),
            other.maskingPublicKey()));
        refused(Reason.INCONSISTENT, "repeats a public key", () -> round.clients.get(ids[0]).shareKeys(
            new KeyDirectory(round.setup.roundId(), entries)));
        refused(Reason.TOO_FEW_CLIENTS, "clients remaining=2, threshold t=3", () -> round.clients.get(ids[0])
            .shareKeys(new KeyDirectory(round.setup.roundId(), round.directory.entries().subList(0, 2))));
        // A public key of small order (here zero) would make the shared secret zero: the agreement is refused.
        final List<AdvertiseKeys> zero = new ArrayList<>(round.directory.entries());
        zero.set(2, new AdvertiseKeys(round.setup.roundId(), ids[2], new byte[32], zero.get(2).maskingPublicKey()));
        refused(Reason.TAMPERED, "public key of peer=" + ids[2] + " is a point of small order",
            () -> round.clients.get(ids[0]).shareKeys(new KeyDirectory(round.setup.roundId(), zero)));
        completesExactly();
    }

    @Test
    void shouldRefuseAReconstructedKeyThatIsNotTheAdvertisedOne() {
        round.sendAdvertiseKeys();
        round.finishAdvertiseKeys();
        round.sendShareKeys();
        round.finishShareKeys();
        round.drop(ids[3]);
        round.sendMaskedInputs();
        round.finishMaskedInputCollection();
        round.dropped.clear();
        // One survivor's share of the dropped client's masking key is altered on the way.
        for (final int id : round.request.survivors()) {
            final UnmaskShares m = round.clients.get(id).unmask(round.toClient(id, round.request));
            final Map<Integer, byte[]> keys = new TreeMap<>(m.maskingKeyShares());
            if (id == ids[0]) {
                final byte[] share = keys.get(ids[3]).clone();
                share[5] ^= 1;
                keys.put(ids[3], share);
            }
            round.toServer(id, new UnmaskShares(m.roundId(), id, m.selfMaskSeedShares(), keys));
        }
        refused(Reason.TAMPERED, "does not match the public key the client advertised, client=" + ids[3],
            round.server::finishUnmasking);
    }

    @Test
    void shouldRefuseMessagesTheServerDoesNotTake() {
        refused(Reason.WRONG_STAGE, "not a message a secure-aggregation server takes, type=ROUND_SETUP",
            () -> round.server.receive(WireFormat.SERVER, round.setup));
        refused(Reason.UNKNOWN_PARTY, "sender=99", () -> round.server.receive(99,
            new AdvertiseKeys(round.setup.roundId(), 99, new byte[32], new byte[32])));
        refused(Reason.WRONG_STAGE, "before its stage", () -> round.server.receive(ids[0],
            new MaskedInput(round.setup.roundId(), ids[0], new long[round.setup.vectorLength()])));
        refused(Reason.REPLAYED, "keys already advertised", () -> {
            round.clients.get(ids[0]).advertiseKeys();
            round.clients.get(ids[0]).advertiseKeys();
        });
    }

    private void completesExactly() {
        if (round.directory == null) {
            round.finishAdvertiseKeys();
        }
        if (round.deliveries == null) {
            round.sendShareKeys();
            round.finishShareKeys();
        }
        if (round.request == null) {
            if (round.maskedInputs.isEmpty()) {
                round.sendMaskedInputs();
            }
            round.finishMaskedInputCollection();
        }
        round.sendUnmaskShares();
        try (AggregationResult z = round.server.finishUnmasking()) {
            assertArrayEquals(ids, z.contributors());
            assertArrayEquals(round.plainSum(ids), z.sum().toArray());
        }
        round.close();
    }

    private AdvertiseKeys advertiseKeysOf(final int id) {
        return (AdvertiseKeys) round.messages.stream()
            .filter(m -> m instanceof AdvertiseKeys a && a.sender() == id).findFirst().orElseThrow();
    }

    private MaskedInput maskedInputOf(final int id, final ShareDelivery delivery) {
        try (RingTensor x = RingTensor.of(round.updates.get(id), round.setup.vectorLength())) {
            return round.clients.get(id).maskedInput(delivery, x);
        }
    }

    private static EncryptedShare find(final List<EncryptedShare> shares, final int sender) {
        return shares.stream().filter(e -> e.sender() == sender).findFirst().orElseThrow();
    }

    static void refused(final Reason reason, final String fact, final Executable action) {
        final SecAggException e = assertThrows(SecAggException.class, action);
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(fact), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), "one line");
    }
}
