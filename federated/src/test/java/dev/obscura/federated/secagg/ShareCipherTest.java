package dev.obscura.federated.secagg;

import static dev.obscura.federated.secagg.SecAggRefusalTest.refused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.obscura.federated.secagg.SecAggException.Reason;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The encrypted shares open only under the key, round, sender and recipient they were made for: the associated data
 * binds a share to its place, so a share replayed into another round or moved to another pair is refused even where
 * the key would be the same.
 */
class ShareCipherTest {
    private final SecureRandom random = new SecureRandom();

    @Test
    void shouldOpenOnlyWhereTheShareWasMadeFor() {
        final KeyAgreement.KeyPair u = KeyAgreement.KeyPair.generate(random);
        final KeyAgreement.KeyPair v = KeyAgreement.KeyPair.generate(random);
        final long round = 0x1234_5678_9abc_def0L;
        final byte[] plaintext = new byte[WireFormat.KEY_BYTES + WireFormat.SEED_BYTES];
        random.nextBytes(plaintext);
        // Both ends derive k_{3,5} from their own secret key and the other's public key.
        final byte[] atSender = KeyAgreement.shareKey(u.agree(v.publicKey(), 5), round, 3, 5);
        final byte[] atRecipient = KeyAgreement.shareKey(v.agree(u.publicKey(), 3), round, 3, 5);
        assertArrayEquals(atSender, atRecipient);
        final EncryptedShare e = ShareCipher.encrypt(atSender, round, 3, 5, plaintext, random);
        assertArrayEquals(plaintext, ShareCipher.decrypt(atRecipient, round, e));
        assertFalse(Arrays.equals(plaintext, Arrays.copyOf(e.ciphertext(), plaintext.length)));

        refused(Reason.TAMPERED, "sender=3, recipient=5, round=1234", () -> ShareCipher.decrypt(atRecipient,
            round + 1, e));
        refused(Reason.TAMPERED, "sender=4, recipient=5", () -> ShareCipher.decrypt(atRecipient, round,
            new EncryptedShare(4, 5, e.nonce(), e.ciphertext())));
        refused(Reason.TAMPERED, "sender=3, recipient=6", () -> ShareCipher.decrypt(atRecipient, round,
            new EncryptedShare(3, 6, e.nonce(), e.ciphertext())));
        // The reverse direction has its own key.
        final byte[] reverse = KeyAgreement.shareKey(v.agree(u.publicKey(), 3), round, 5, 3);
        refused(Reason.TAMPERED, "sender=3, recipient=5", () -> ShareCipher.decrypt(reverse, round, e));
        // Another round derives another key from the same key pairs.
        final byte[] nextRound = KeyAgreement.shareKey(v.agree(u.publicKey(), 3), round + 1, 3, 5);
        assertFalse(Arrays.equals(atRecipient, nextRound));
    }
}
