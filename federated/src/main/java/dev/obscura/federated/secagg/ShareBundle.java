package dev.obscura.federated.secagg;

import java.util.ArrayList;
import java.util.List;

/**
 * A list of {@link EncryptedShare}s with one end in common, the header's party: their sender in {@link ShareKeys},
 * their recipient in {@link ShareDelivery}. Each share travels as {@code party(4) nonce(12) ciphertext(64)}, where
 * party is its other end.
 */
abstract sealed class ShareBundle extends SecAggMessage permits ShareKeys, ShareDelivery {
    private final List<EncryptedShare> shares;
    private final boolean partyIsSender;

    ShareBundle(final MessageType type, final long roundId, final int party, final List<EncryptedShare> shares,
                final boolean partyIsSender) {
        super(type, roundId, party);
        for (final EncryptedShare s : shares) {
            if ((partyIsSender ? s.sender() : s.recipient()) != party) {
                throw new IllegalArgumentException("every share must have the message's party as its "
                    + (partyIsSender ? "sender" : "recipient") + ", party=" + party + ", share sender=" + s.sender()
                    + ", share recipient=" + s.recipient());
            }
        }
        this.shares = List.copyOf(shares);
        this.partyIsSender = partyIsSender;
    }

    /** The encrypted shares. */
    public List<EncryptedShare> shares() {
        return shares;
    }

    @Override
    void writeBody(final FrameWriter out) {
        out.putInt(shares.size());
        for (final EncryptedShare s : shares) {
            out.putInt(partyIsSender ? s.recipient() : s.sender()).putBytes(s.nonceBytes())
                .putBytes(s.ciphertextBytes());
        }
    }

    /** The shares of a body that {@link #writeBody} wrote. */
    static List<EncryptedShare> readShares(final FrameReader in, final boolean partyIsSender) {
        final int count = in.getCount(WireFormat.SHARE_ENTRY_BYTES, WireFormat.MAX_CLIENTS);
        final List<EncryptedShare> shares = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            final int other = in.getInt();
            final byte[] nonce = in.getBytes(WireFormat.NONCE_BYTES);
            final byte[] ciphertext = in.getBytes(WireFormat.SHARE_CIPHERTEXT_BYTES);
            shares.add(partyIsSender ? new EncryptedShare(in.party(), other, nonce, ciphertext)
                : new EncryptedShare(other, in.party(), nonce, ciphertext));
        }
        return shares;
    }

    @Override
    String describe() {
        return (partyIsSender ? "sender=" : "recipient=") + party() + ", shares=" + shares.size();
    }
}
