package dev.obscura.federated.secagg;

import java.util.List;

/**
 * Round 1 (ShareKeys), client {@code u} to the server: {@code e_{u,v}} for every other client {@code v} of
 * {@code U1}, each an {@link EncryptedShare} of u's masking secret key and self-mask seed that only v can open.
 *
 * <p>Body: {@code n(4) [recipient(4) nonce(12) ciphertext(64)]*n} with {@code n = |U1| - 1}; the header's party is
 * the sender.
 */
public final class ShareKeys extends ShareBundle {
    /** @param shares encrypted by {@code sender}, one per other client of {@code U1} */
    public ShareKeys(final long roundId, final int sender, final List<EncryptedShare> shares) {
        super(MessageType.SHARE_KEYS, roundId, sender, shares, true);
    }

    /** The client {@code u} that shared its keys. */
    public int sender() {
        return party();
    }

    static ShareKeys read(final FrameReader in) {
        return new ShareKeys(in.roundId(), in.party(), readShares(in, true));
    }
}
