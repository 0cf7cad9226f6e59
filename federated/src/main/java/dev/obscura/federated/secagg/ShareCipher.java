package dev.obscura.federated.secagg;

import dev.obscura.federated.secagg.SecAggException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * Authenticated encryption of shares (Bonawitz et al., Section 3.3): AES-256-GCM with a 96-bit random nonce and a
 * 128-bit tag. The paper puts {@code u || v} inside the plaintext and checks them after decryption; here the round,
 * u and v are the associated data, which authenticates them just as well without sending them twice.
 */
final class ShareCipher {
    private static final byte[] LABEL = "obscura/secagg/v1/share".getBytes(StandardCharsets.US_ASCII);
    private static final int TAG_BITS = WireFormat.TAG_BYTES * 8;

    private ShareCipher() {
    }

    /** {@code e_{u,v} = AE.enc(k_{u,v}, s_{u,v}^SK || b_{u,v})}. */
    static EncryptedShare encrypt(final byte[] key, final long roundId, final int sender, final int recipient,
                                  final byte[] plaintext, final SecureRandom random) {
        final byte[] nonce = new byte[WireFormat.NONCE_BYTES];
        random.nextBytes(nonce);
        final GCMModeCipher gcm = cipher(true, key, nonce, roundId, sender, recipient);
        final byte[] ciphertext = new byte[gcm.getOutputSize(plaintext.length)];
        final int written = gcm.processBytes(plaintext, 0, plaintext.length, ciphertext, 0);
        try {
            gcm.doFinal(ciphertext, written);
        } catch (final InvalidCipherTextException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
        return new EncryptedShare(sender, recipient, nonce, ciphertext);
    }

    /**
     * {@code AE.dec}: the plaintext of {@code share}, whose sender and recipient must be those the key was derived for.
     *
     * @throws SecAggException ({@link Reason#TAMPERED}) when the tag does not verify: the ciphertext, its nonce, its
     *     round, sender or recipient was changed, or someone other than the sender made it
     */
    static byte[] decrypt(final byte[] key, final long roundId, final EncryptedShare share) {
        final GCMModeCipher gcm = cipher(false, key, share.nonceBytes(), roundId, share.sender(), share.recipient());
        final byte[] ciphertext = share.ciphertextBytes();
        final byte[] plaintext = new byte[gcm.getOutputSize(ciphertext.length)];
        final int written = gcm.processBytes(ciphertext, 0, ciphertext.length, plaintext, 0);
        try {
            gcm.doFinal(plaintext, written);
        } catch (final InvalidCipherTextException e) {
            java.util.Arrays.fill(plaintext, (byte) 0);
            throw new SecAggException(Reason.TAMPERED, "encrypted share failed authentication (altered, or not made "
                + "by its sender), sender=" + share.sender() + ", recipient=" + share.recipient() + ", round="
                + RoundIds.format(roundId));
        }
        return plaintext;
    }

    private static GCMModeCipher cipher(final boolean encrypt, final byte[] key, final byte[] nonce,
                                        final long roundId, final int sender, final int recipient) {
        final byte[] associatedData = ByteBuffer.allocate(LABEL.length + Long.BYTES + 2 * Integer.BYTES).put(LABEL)
            .putLong(roundId).putInt(sender).putInt(recipient).array();
        final GCMModeCipher gcm = GCMBlockCipher.newInstance(AESEngine.newInstance());
        gcm.init(encrypt, new AEADParameters(new KeyParameter(key), TAG_BITS, nonce, associatedData));
        return gcm;
    }
}
