package dev.obscura.federated.secagg;

/**
 * Round 0 (AdvertiseKeys), client {@code u} to the server: {@code (c_u^PK, s_u^PK)}, the public halves of u's two
 * X25519 key pairs. {@code c_u} encrypts the shares u exchanges with the other clients; {@code s_u} seeds u's pairwise
 * masks. The server forwards every advertised pair to the clients in a {@link KeyDirectory}.
 *
 * <p>Body: {@code encryptionPk(32) maskingPk(32)}; the header's party is the sender.
 */
public final class AdvertiseKeys extends SecAggMessage {
    private final byte[] encryptionPublicKey;
    private final byte[] maskingPublicKey;

    public AdvertiseKeys(final long roundId, final int sender, final byte[] encryptionPublicKey,
                         final byte[] maskingPublicKey) {
        super(MessageType.ADVERTISE_KEYS, roundId, sender);
        if (encryptionPublicKey.length != WireFormat.KEY_BYTES || maskingPublicKey.length != WireFormat.KEY_BYTES) {
            throw new IllegalArgumentException("public keys must be " + WireFormat.KEY_BYTES + " bytes, lengths="
                + encryptionPublicKey.length + "," + maskingPublicKey.length);
        }
        this.encryptionPublicKey = encryptionPublicKey.clone();
        this.maskingPublicKey = maskingPublicKey.clone();
    }

    /** The client {@code u} that advertises. */
    public int sender() {
        return party();
    }

    /** {@code c_u^PK} (a copy). */
    public byte[] encryptionPublicKey() {
        return encryptionPublicKey.clone();
    }

    /** {@code s_u^PK} (a copy). */
    public byte[] maskingPublicKey() {
        return maskingPublicKey.clone();
    }

    byte[] encryptionKey() {
        return encryptionPublicKey;
    }

    byte[] maskingKey() {
        return maskingPublicKey;
    }

    /** The two keys, as in this body and in each entry of a {@link KeyDirectory}. */
    void writeKeys(final FrameWriter out) {
        out.putBytes(encryptionPublicKey).putBytes(maskingPublicKey);
    }

    @Override
    void writeBody(final FrameWriter out) {
        writeKeys(out);
    }

    static AdvertiseKeys read(final FrameReader in) {
        return readKeys(in, in.party());
    }

    /** Two keys of {@code sender}, as {@link #writeKeys} wrote them. */
    static AdvertiseKeys readKeys(final FrameReader in, final int sender) {
        return new AdvertiseKeys(in.roundId(), sender, in.getBytes(WireFormat.KEY_BYTES),
            in.getBytes(WireFormat.KEY_BYTES));
    }

    @Override
    String describe() {
        return "sender=" + party();
    }
}
