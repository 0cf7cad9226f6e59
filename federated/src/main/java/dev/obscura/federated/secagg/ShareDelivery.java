package dev.obscura.federated.secagg;

import java.util.List;

/**
 * End of round 1, server to one client {@code v} of {@code U2}: {@code e_{u,v}} from every other client {@code u}
 * of {@code U2}, that is every client whose {@link ShareKeys} arrived in time. Its senders and v itself are
 * {@code U2}, the clients whose pairwise masks v adds in round 2.
 *
 * <p>Body: {@code n(4) [sender(4) nonce(12) ciphertext(64)]*n} with {@code n = |U2| - 1}; the header's party is
 * the recipient.
 */
public final class ShareDelivery extends ShareBundle {
    /** @param shares addressed to {@code recipient}, one per other client of {@code U2} */
    public ShareDelivery(final long roundId, final int recipient, final List<EncryptedShare> shares) {
        super(MessageType.SHARE_DELIVERY, roundId, recipient, shares, false);
    }

    /** The client {@code v} these shares are for. */
    public int recipient() {
        return party();
    }

    static ShareDelivery read(final FrameReader in) {
        return new ShareDelivery(in.roundId(), in.party(), readShares(in, false));
    }
}
