package dev.obscura.federated.secagg;

import dev.obscura.federated.secagg.SecAggException.Reason;
import dev.obscura.random.Seed;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.agreement.X25519Agreement;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;

/**
 * Key agreement (Bonawitz et al., Section 3.2): {@code KA.gen} is an X25519 key pair, and {@code KA.agree} is X25519
 * followed by HKDF-SHA256 (RFC 5869), salted with the round id and labelled by what the key is for, so that one
 * Diffie-Hellman secret yields independent keys for independent uses and nothing carries over between rounds.
 */
final class KeyAgreement {
    private static final byte[] SHARE_KEY_LABEL = ascii("obscura/secagg/v1/share-encryption");
    private static final byte[] PAIRWISE_MASK_LABEL = ascii("obscura/secagg/v1/pairwise-mask");
    /** AES-256 keys for the shares. */
    static final int SHARE_KEY_BYTES = 32;

    private KeyAgreement() {
    }

    /** An X25519 key pair {@code (pk, sk)}. The secret half is never printed. */
    static final class KeyPair {
        private final X25519PrivateKeyParameters secretKey;
        private final byte[] publicKey;

        private KeyPair(final X25519PrivateKeyParameters secretKey) {
            this.secretKey = secretKey;
            this.publicKey = secretKey.generatePublicKey().getEncoded();
        }

        /** {@code KA.gen}: a fresh pair from {@code random}. */
        static KeyPair generate(final SecureRandom random) {
            return new KeyPair(new X25519PrivateKeyParameters(random));
        }

        /** The pair of a secret key reconstructed from its shares (the server, for a dropped client). */
        static KeyPair fromSecretKey(final byte[] secretKey) {
            return new KeyPair(new X25519PrivateKeyParameters(secretKey, 0));
        }

        /** The public key (a copy). */
        byte[] publicKey() {
            return publicKey.clone();
        }

        /** The secret key bytes, to be secret-shared (a copy for the caller to wipe). */
        byte[] secretKeyBytes() {
            return secretKey.getEncoded();
        }

        /** Whether {@code publicKey} is this pair's public key. */
        boolean hasPublicKey(final byte[] candidate) {
            return java.security.MessageDigest.isEqual(publicKey, candidate);
        }

        /**
         * The raw X25519 secret with {@code peerPublicKey}, for {@link #shareKey} or {@link #pairwiseMaskSeed}.
         *
         * @throws SecAggException ({@link Reason#TAMPERED}) for a peer key of small order, whose secret is zero
         */
        byte[] agree(final byte[] peerPublicKey, final int peer) {
            final X25519Agreement agreement = new X25519Agreement();
            agreement.init(secretKey);
            final byte[] shared = new byte[agreement.getAgreementSize()];
            try {
                agreement.calculateAgreement(new X25519PublicKeyParameters(peerPublicKey, 0), shared, 0);
            } catch (final IllegalStateException e) {
                throw new SecAggException(Reason.TAMPERED, "key agreement failed: the public key of peer=" + peer
                    + " is a point of small order");
            }
            return shared;
        }

        @Override
        public String toString() {
            return "KeyPair[X25519, secret redacted]";
        }
    }

    /**
     * The AES-256-GCM key for {@code e_{sender,recipient}}:
     * {@code HKDF(X25519(c_sender, c_recipient), salt = round, info = label || sender || recipient)}. Sender and
     * recipient are ordered, so the two directions between a pair of clients use different keys.
     */
    static byte[] shareKey(final byte[] shared, final long roundId, final int sender, final int recipient) {
        return hkdf(shared, roundId, SHARE_KEY_LABEL, sender, recipient, SHARE_KEY_BYTES);
    }

    /**
     * {@code s_{u,v}}, the seed of the pairwise mask between u and v:
     * {@code HKDF(X25519(s_u, s_v), salt = round, info = label || min(u,v) || max(u,v))}, the same seed at both ends
     * (and at the server once it has reconstructed a dropped client's secret key).
     */
    static Seed pairwiseMaskSeed(final byte[] shared, final long roundId, final int u, final int v) {
        final byte[] seed = hkdf(shared, roundId, PAIRWISE_MASK_LABEL, Math.min(u, v), Math.max(u, v), Seed.BYTES);
        try {
            return Seed.fromBytes(seed);
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    private static byte[] ascii(final String label) {
        return label.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] hkdf(final byte[] shared, final long roundId, final byte[] label, final int first,
                               final int second, final int length) {
        final byte[] salt = ByteBuffer.allocate(Long.BYTES).putLong(roundId).array();
        final byte[] info = ByteBuffer.allocate(label.length + 2 * Integer.BYTES).put(label).putInt(first)
            .putInt(second).array();
        final HKDFBytesGenerator hkdf = new HKDFBytesGenerator(SHA256Digest.newInstance());
        hkdf.init(new HKDFParameters(shared, salt, info));
        final byte[] out = new byte[length];
        hkdf.generateBytes(out, 0, length);
        return out;
    }
}
