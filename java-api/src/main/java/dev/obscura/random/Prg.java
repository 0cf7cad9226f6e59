package dev.obscura.random;

import dev.obscura.backend.Backend;
import dev.obscura.ring.RingTensor;
import javax.security.auth.Destroyable;

/**
 * A cryptographic pseudo-random generator: AES-128 in counter mode keyed by a {@link Seed}, producing uniform
 * elements of Z_2^64. Every share, mask and dealer value in Obscura comes from one of these; {@code java.util.Random}
 * is never used for them.
 *
 * <p>The stream is fixed by (seed, stream id) and is the same on every backend: block {@code i} of stream
 * {@code s} is {@code AES_k((s << 64) + i)}, read as two little-endian {@code long}s (see
 * {@link Backend#aesCtrFill}). Each {@link #fill} starts on a fresh block, so a fill of an odd number of elements
 * discards half a block. Two parties holding the same seed and stream id draw identical values in the same order;
 * different stream ids under one seed give independent streams.
 *
 * <p>{@link #destroy()} zeroes the key (the seed's bytes) once the generator is no longer needed.
 *
 * <p>Not thread-safe: one generator per thread (or per party).
 */
public final class Prg implements Destroyable {
    private static final int BLOCK_BYTES = 16;
    /** Keystream bytes per {@link javax.crypto.Cipher#update} call of {@link #fill(long[])}. */
    private static final int CHUNK_BYTES = 64 * 1024;
    private final Backend backend;
    private final Seed seed;
    private final long streamId;
    private long nextBlock;

    public Prg(final Seed seed, final long streamId, final Backend backend) {
        this.seed = seed;
        this.streamId = streamId;
        this.backend = backend;
    }

    /** A generator with a fresh seed from {@link java.security.SecureRandom}, stream 0. */
    public static Prg fresh(final Backend backend) {
        return new Prg(Seed.random(), 0, backend);
    }

    /** Fills {@code out} with uniform elements and advances the stream. */
    public void fill(final RingTensor out) {
        final long blocks = (out.numel() + 1) >>> 1;
        backend.aesCtrFill(seed.key(), streamId, nextBlock, out);
        nextBlock += blocks;
    }

    /**
     * Fills the heap array {@code out} with the next uniform elements and advances the stream, exactly as
     * {@link #fill(RingTensor)} of a tensor of {@code out.length} elements would: the same keystream, computed with
     * the JDK's AES in counter mode, with no off-heap memory (so a JVM without the project's {@code --add-opens}, such
     * as a client's, can use it).
     */
    public void fill(final long[] out) {
        final byte[] iv = new byte[BLOCK_BYTES];
        final java.nio.ByteBuffer ivb = java.nio.ByteBuffer.wrap(iv).order(java.nio.ByteOrder.BIG_ENDIAN);
        ivb.putLong(streamId).putLong(nextBlock);
        final byte[] key = seed.key();
        final int chunkLongs = CHUNK_BYTES / Long.BYTES;
        final byte[] stream = new byte[Math.min(CHUNK_BYTES, ((out.length + 1) >>> 1) * BLOCK_BYTES)];
        try {
            final javax.crypto.Cipher cipher = javax.crypto.Cipher.getInstance("AES/CTR/NoPadding");
            cipher.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(key, "AES"),
                new javax.crypto.spec.IvParameterSpec(iv));
            for (int done = 0; done < out.length; ) {
                final int count = Math.min(chunkLongs, out.length - done);
                // Whole blocks only: the keystream of zeros is the keystream itself; an odd tail drops half a block.
                final int bytes = ((count + 1) >>> 1) * BLOCK_BYTES;
                if (cipher.update(new byte[bytes], 0, bytes, stream, 0) != bytes) {
                    throw new IllegalStateException("AES/CTR returned a short keystream, bytes=" + bytes);
                }
                java.nio.ByteBuffer.wrap(stream, 0, count << 3).order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer()
                    .get(out, done, count);
                done += count;
            }
        } catch (final java.security.GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR keystream generation failed", e);
        } finally {
            // The keystream is future share material: do not leave it on the heap longer than needed.
            java.util.Arrays.fill(stream, (byte) 0);
        }
        nextBlock += (out.length + 1) >>> 1;
    }

    /** A new tensor of {@code shape} with uniform elements. */
    public RingTensor next(final int... shape) {
        final RingTensor t = RingTensor.uninitialized(shape); // fill overwrites every element
        fill(t);
        return t;
    }

    /**
     * Zeroes the key: destroys the {@link Seed} this generator was made with (and so every generator made with the
     * same seed). Later fills fail with {@link IllegalStateException}. Idempotent.
     */
    @Override
    public void destroy() {
        seed.destroy();
    }

    @Override
    public boolean isDestroyed() {
        return seed.isDestroyed();
    }

    /** Number of AES blocks consumed so far. */
    public long position() {
        return nextBlock;
    }

    /** The stream id. */
    public long streamId() {
        return streamId;
    }

    /** Never shows the seed. */
    @Override
    public String toString() {
        return "Prg[stream=" + streamId + ", position=" + nextBlock + ", backend=" + backend.name() + "]";
    }
}
