package dev.obscura.random;

import java.security.SecureRandom;

/**
 * A 128-bit PRG seed (an AES-128 key). Fresh seeds come only from {@link SecureRandom}. A seed is secret:
 * {@link #toString()} never shows it, and it is never logged or put in an exception message.
 */
public final class Seed {
    /** Seed length in bytes. */
    public static final int BYTES = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] key;

    private Seed(final byte[] key) {
        this.key = key;
    }

    /** A fresh seed from the process-wide {@link SecureRandom}. */
    public static Seed random() {
        return random(RANDOM);
    }

    /** A fresh seed from {@code random}. */
    public static Seed random(final SecureRandom random) {
        final byte[] key = new byte[BYTES];
        random.nextBytes(key);
        return new Seed(key);
    }

    /** A seed received from a peer (for example from the dealer); {@code bytes} is copied. */
    public static Seed fromBytes(final byte[] bytes) {
        if (bytes.length != BYTES) {
            throw new IllegalArgumentException("seed must be " + BYTES + " bytes, length=" + bytes.length);
        }
        return new Seed(bytes.clone());
    }

    /** A copy of the key bytes, for sending the seed to the party that should share it. */
    public byte[] toBytes() {
        return key.clone();
    }

    byte[] key() {
        return key;
    }

    /** Constant-time comparison of the key bytes. */
    @Override
    public boolean equals(final Object o) {
        return o instanceof Seed other && java.security.MessageDigest.isEqual(key, other.key);
    }

    /** Constant: a hash of the key would leak 32 bits of it wherever a hash code ends up (logs, dumps). */
    @Override
    public int hashCode() {
        return Seed.class.hashCode();
    }

    @Override
    public String toString() {
        return "Seed[redacted]";
    }
}
