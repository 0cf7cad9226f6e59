package dev.obscura.federated.secagg;

/**
 * {@code e_{u,v}}: client u's Shamir shares for client v, {@code s_{u,v}^SK || b_{u,v}}, encrypted with AES-256-GCM
 * under a key that only u and v can derive (X25519 of {@code c_u} and {@code c_v}, then HKDF; Bonawitz et al.,
 * Section 3.3, round 1). The round, u and v are the associated data, so a share moved to another round, sender or
 * recipient fails authentication. The server relays it and cannot read it.
 */
public final class EncryptedShare {
    private final int sender;
    private final int recipient;
    private final byte[] nonce;
    private final byte[] ciphertext;

    public EncryptedShare(final int sender, final int recipient, final byte[] nonce, final byte[] ciphertext) {
        if (nonce.length != WireFormat.NONCE_BYTES || ciphertext.length != WireFormat.SHARE_CIPHERTEXT_BYTES) {
            throw new IllegalArgumentException("nonce and ciphertext must be " + WireFormat.NONCE_BYTES + " and "
                + WireFormat.SHARE_CIPHERTEXT_BYTES + " bytes, lengths=" + nonce.length + "," + ciphertext.length);
        }
        this.sender = sender;
        this.recipient = recipient;
        this.nonce = nonce.clone();
        this.ciphertext = ciphertext.clone();
    }

    /** {@code u}, who encrypted it. */
    public int sender() {
        return sender;
    }

    /** {@code v}, who alone can decrypt it. */
    public int recipient() {
        return recipient;
    }

    /** The AES-GCM nonce (a copy). */
    public byte[] nonce() {
        return nonce.clone();
    }

    /** The ciphertext with its tag (a copy). */
    public byte[] ciphertext() {
        return ciphertext.clone();
    }

    byte[] nonceBytes() {
        return nonce;
    }

    byte[] ciphertextBytes() {
        return ciphertext;
    }

    @Override
    public String toString() {
        return "EncryptedShare[sender=" + sender + ", recipient=" + recipient + "]";
    }
}
