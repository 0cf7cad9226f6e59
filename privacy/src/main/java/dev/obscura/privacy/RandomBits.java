package dev.obscura.privacy;

import dev.obscura.backend.Backend;
import dev.obscura.random.Prg;
import dev.obscura.random.Seed;
import dev.obscura.ring.RingTensor;
import java.util.Objects;

/**
 * Uniform random bits and integers for the noise of differential privacy, drawn from the AES-CTR {@link Prg} (never
 * from {@code java.util.Random}): the generator fills an off-heap block of 16,384 words (128 KiB) at a time, and
 * the words are handed out a few bits at a time, so a {@code Bernoulli(1/2)} costs one bit, not one word.
 *
 * <p>Every draw is exact: {@link #uniform} rejects the values above the largest multiple of the bound (so no value
 * is favoured), and {@link #bernoulli} compares a uniform integer with the numerator, with no floating point
 * anywhere. The randomness decides the noise, which must stay secret: {@link #toString} never shows it, and
 * {@link #close} wipes the block.
 *
 * <p>Not thread-safe: one per thread (one per worker, aggregator or training loop).
 */
public final class RandomBits implements AutoCloseable {
    private static final int BLOCK_WORDS = 16_384;

    private final Prg prg;
    private final RingTensor block = RingTensor.zeros(BLOCK_WORDS);
    private int nextWord = BLOCK_WORDS;
    private long reservoir;
    private int reservoirBits;

    /** Bits from {@code prg} (which this object then owns: nobody else should draw from it). */
    public RandomBits(final Prg prg) {
        this.prg = Objects.requireNonNull(prg, "prg");
    }

    /** Bits from a fresh generator on {@code backend}, seeded from {@link java.security.SecureRandom}. */
    public static RandomBits fresh(final Backend backend) {
        return new RandomBits(new Prg(Seed.random(), 0, backend));
    }

    /**
     * {@code count} uniform bits as the low bits of a non-negative {@code long}.
     *
     * @throws IllegalArgumentException when {@code count} is not in {@code [0, 63]}
     */
    public long bits(final int count) {
        if (count < 0 || count > 63) {
            throw new IllegalArgumentException("bit count must be in [0, 63], count=" + count);
        }
        if (count <= reservoirBits) {
            final long v = reservoir & ((1L << count) - 1);
            reservoir >>>= count;
            reservoirBits -= count;
            return v;
        }
        // Take what is left, then the rest from the next word.
        final long low = reservoir;
        final int have = reservoirBits;
        final int need = count - have;
        reservoir = nextWord();
        final long high = reservoir & ((1L << need) - 1);
        reservoir >>>= need;
        reservoirBits = 64 - need;
        return low | (high << have);
    }

    /**
     * A uniform integer in {@code [0, bound)}: draws {@code ceil(log2 bound)} bits until the value is below
     * {@code bound} (fewer than two draws on average).
     *
     * @throws IllegalArgumentException when {@code bound < 1}
     */
    public long uniform(final long bound) {
        if (bound < 1) {
            throw new IllegalArgumentException("bound must be positive, bound=" + bound);
        }
        if (bound == 1) {
            return 0;
        }
        final int width = 64 - Long.numberOfLeadingZeros(bound - 1);
        while (true) {
            final long v = bits(width);
            if (v < bound) {
                return v;
            }
        }
    }

    /**
     * {@code Bernoulli(numerator / denominator)}, exactly: a uniform integer in {@code [0, denominator)} below
     * {@code numerator}.
     *
     * @throws IllegalArgumentException unless {@code 0 <= numerator <= denominator} and {@code denominator >= 1}
     */
    public boolean bernoulli(final long numerator, final long denominator) {
        if (numerator < 0 || numerator > denominator || denominator < 1) {
            throw new IllegalArgumentException("need 0 <= numerator <= denominator, numerator=" + numerator
                + ", denominator=" + denominator);
        }
        return uniform(denominator) < numerator;
    }

    /** Wipes the buffered randomness and releases its memory. Idempotent. */
    @Override
    public void close() {
        if (block.isOpen()) {
            block.fill(0);
            block.close();
        }
        reservoir = 0;
        reservoirBits = 0;
    }

    /** Never shows the randomness or the seed. */
    @Override
    public String toString() {
        return "RandomBits[" + prg + "]";
    }

    private long nextWord() {
        if (nextWord == BLOCK_WORDS) {
            prg.fill(block);
            nextWord = 0;
        }
        // Used words are overwritten by the next fill and wiped by close().
        return block.get(nextWord++);
    }
}
