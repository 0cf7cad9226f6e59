package dev.obscura.random;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** {@link SeedSource#insecureDerived}: its {@code toString} shows the endpoint only, never the master seed. */
final class InsecureDerivedSeeds implements SeedSource {
    private static final byte[] DOMAIN = "obscura-insecure-seed".getBytes(StandardCharsets.US_ASCII);
    private final byte[] master;
    private final int endpoint;
    private long counter;

    InsecureDerivedSeeds(final byte[] master, final int endpoint) {
        this.master = master;
        this.endpoint = endpoint;
    }

    @Override
    public Seed next() {
        final MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        sha.update(DOMAIN);
        sha.update((byte) 0);
        sha.update(master);
        sha.update(ByteBuffer.allocate(Integer.BYTES + Long.BYTES).putInt(endpoint).putLong(counter++).array());
        final byte[] digest = sha.digest();
        final byte[] key = new byte[Seed.BYTES];
        System.arraycopy(digest, 0, key, 0, Seed.BYTES);
        return Seed.fromBytes(key);
    }

    @Override
    public String toString() {
        return "SeedSource[INSECURE derived, endpoint=" + endpoint + "]";
    }
}
