package dev.obscura.random;

import java.security.SecureRandom;
import java.util.Arrays;
import javax.security.auth.Destroyable;

/**
 * A 128-bit PRG seed (an AES-128 key). Fresh seeds come only from {@link SecureRandom}. A seed is secret:
 * {@link #toString()} never shows it, and it is never logged or put in an exception message.
 *
 * <p>Its key bytes are zeroed by {@link #destroy()} (and by {@link Prg#destroy()} of a generator made from it), which
 * the owner calls when the seed is no longer needed; {@link #consume} zeroes the array a seed arrived in, and a
 * caller that sends {@link #toBytes()} zeroes that copy once it is sent. This shortens the time a key lies in memory;
 * it cannot erase copies that the garbage collector made when it moved the array, nor what the JDK's AES keeps while
 * a generator is in use.
 */
public final class Seed implements Destroyable {
    /** Seed length in bytes. */
    public static final int BYTES = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] key;
    private volatile boolean destroyed;

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

    /**
     * A seed received from a peer, taking its bytes: they are copied and {@code received} is zeroed, so that the
     * array the transport handed over does not keep the key.
     */
    public static Seed consume(final byte[] received) {
        try {
            return fromBytes(received);
        } finally {
            Arrays.fill(received, (byte) 0);
        }
    }

    /**
     * Hands {@code seed}'s key bytes to {@code sender} (a transport's send, which copies them into its frame) and
     * zeroes that copy afterwards, whatever the send did.
     */
    public static void send(final Seed seed, final java.util.function.Consumer<byte[]> sender) {
        final byte[] wire = seed.toBytes();
        try {
            sender.accept(wire);
        } finally {
            Arrays.fill(wire, (byte) 0);
        }
    }

    /**
     * A copy of the key bytes, for sending the seed to the party that should share it; zero the copy once it is
     * sent ({@code Arrays.fill(bytes, (byte) 0)}).
     *
     * @throws IllegalStateException when the seed was destroyed
     */
    public byte[] toBytes() {
        return key().clone();
    }

    byte[] key() {
        if (destroyed) {
            throw new IllegalStateException("the seed was destroyed");
        }
        return key;
    }

    /** Zeroes the key bytes; the seed cannot be used afterwards. Idempotent. */
    @Override
    public void destroy() {
        destroyed = true;
        Arrays.fill(key, (byte) 0);
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
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
